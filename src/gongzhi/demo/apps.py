from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo city and its logins (`gongzhi demo`). Above every other app: it fills them all."""

    name = "gongzhi.demo"
    label = "demo"
