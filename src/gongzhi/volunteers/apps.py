from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "gongzhi.volunteers"
    label = "volunteers"
    verbose_name = "志愿者"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core import navigation, roles, workbench
        from gongzhi.volunteers import workbench as work_items

        navigation.register(
            "volunteers:volunteer_list",
            _("志愿者"),
            capabilities=[roles.VIEW_VOLUNTEERS, roles.MANAGE_VOLUNTEERS, roles.CONFIRM_HOURS],
            order=50,
        )
        navigation.register("volunteers:me", _("我的志愿服务"), capabilities=[roles.SERVE], order=60)
        workbench.register(
            "volunteers",
            work_items.work,
            capabilities=[roles.MANAGE_VOLUNTEERS, roles.CONFIRM_HOURS, roles.SERVE],
            order=40,
        )
