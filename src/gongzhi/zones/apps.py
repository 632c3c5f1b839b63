from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZonesConfig(AppConfig):
    name = "gongzhi.zones"
    label = "zones"
    verbose_name = _("风险区")

    def ready(self) -> None:
        from gongzhi.core import measures, navigation, panels, roles
        from gongzhi.zones import handlers  # noqa: F401  (the subscriptions)
        from gongzhi.zones import panels as zone_panels
        from gongzhi.zones.measures import door_delivery_buildings, single_tube_residents, urgency_raises

        measures.register(measures.SINGLE_TUBE, single_tube_residents)
        measures.register_places(measures.URGENCY_RAISE, urgency_raises)
        measures.register_buildings(measures.DOOR_DELIVERY, door_delivery_buildings)
        panels.register("household_door", "zones", zone_panels.household_door_panel, order=5)
        panels.register("household", "zones", zone_panels.household_panel, order=5)
        panels.register("resident", "zones", zone_panels.resident_panel, order=5)
        panels.register("building", "zones", zone_panels.building_panel, order=5)
        panels.register("grid", "zones", zone_panels.grid_panel, order=5)

        navigation.register("zones:list", _("风险区"), capabilities=[roles.VIEW_ZONES], order=57)
        from gongzhi.core import figures
        from gongzhi.zones import figures as zone_figures

        figures.register("zones", zone_figures.FIGURES, zone_figures.counter, order=20, inside=zone_figures.inside)
