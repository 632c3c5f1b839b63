from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "gongzhi.appeals"
    label = "appeals"
    verbose_name = _("居民诉求")

    def ready(self) -> None:
        from gongzhi.appeals import checks  # noqa: F401  (registers the SLA setting's check)
        from gongzhi.appeals import panels as appeal_panels
        from gongzhi.appeals import workbench as work_items
        from gongzhi.core import navigation, panels, roles, workbench

        navigation.register("appeals:worklist", _("居民诉求"), capabilities=[roles.VIEW_APPEALS], order=57)
        workbench.register("appeals", work_items.work, capabilities=[roles.VIEW_APPEALS], order=40)
        panels.register("household_door", "appeals", appeal_panels.household_door_panel, order=20)
        from gongzhi.appeals import figures as appeal_figures
        from gongzhi.core import figures

        figures.register(
            "appeals", appeal_figures.FIGURES, appeal_figures.counter, order=40, inside=appeal_figures.inside
        )
