from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "gongzhi.supplies"
    verbose_name = _("生活物资")
