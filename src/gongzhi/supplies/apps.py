from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "gongzhi.supplies"
    label = "supplies"
    verbose_name = _("生活物资")

    def ready(self) -> None:
        from gongzhi.core import navigation, panels, roles, workbench
        from gongzhi.supplies import panels as supplies_panels
        from gongzhi.supplies import workbench as work_items

        navigation.register("supplies:home", _("生活物资"), capabilities=[roles.VIEW_SUPPLIES], order=55)
        navigation.register("supplies:my_runs", _("我的配送"), capabilities=[roles.DELIVER], order=61)
        workbench.register(
            "supplies",
            work_items.work,
            capabilities=[roles.VIEW_SUPPLIES, roles.MANAGE_SUPPLIES, roles.DELIVER],
            order=45,
        )
        panels.register("household_door", "supplies", supplies_panels.household_door_panel, order=30)
        from gongzhi.core import figures
        from gongzhi.supplies import figures as supplies_figures

        figures.register(
            "supplies", supplies_figures.figures(), supplies_figures.counter, order=30, inside=supplies_figures.inside
        )
