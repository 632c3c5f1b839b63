from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "gongzhi.places"
    label = "places"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core import navigation, roles, workbench
        from gongzhi.places import workbench as work_items

        navigation.register("places:home", _("工作台"), order=0)
        navigation.register("places:area_browse", _("区域"), capabilities=[roles.VIEW_PLACES], order=10)
        workbench.register("places", work_items.work, capabilities=[roles.VIEW_PLACES], order=10)
