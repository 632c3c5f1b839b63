from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "gongzhi.command"
    label = "command"
    verbose_name = _("指挥视图")

    def ready(self) -> None:
        from gongzhi.core import navigation, roles

        navigation.register("command:home", _("指挥视图"), capabilities=[roles.VIEW_COMMAND], order=15)
