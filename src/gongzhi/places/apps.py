from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "gongzhi.places"
    label = "places"
    verbose_name = "区域"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core import navigation, roles, workbench
        from gongzhi.places import workbench as work_items

        navigation.register("places:home", _("工作台"), order=0)
        navigation.register("places:area_browse", _("区域"), capabilities=[roles.VIEW_PLACES], order=10)
        workbench.register(
            "places", work_items.work, capabilities=[roles.VIEW_PLACES, roles.PRINT_DOOR_CODES], order=10
        )
        from gongzhi.core import audit_words
        from gongzhi.places.selectors import area_names

        audit_words.register_area_names(area_names)
