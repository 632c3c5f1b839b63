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
        from gongzhi.core import figures
        from gongzhi.volunteers import figures as volunteer_figures

        figures.register("volunteers", volunteer_figures.FIGURES, volunteer_figures.counter, order=50)
        workbench.register(
            "volunteers",
            work_items.work,
            capabilities=[roles.MANAGE_VOLUNTEERS, roles.CONFIRM_HOURS, roles.SERVE],
            order=40,
        )
        from gongzhi.core import audit_words
        from gongzhi.volunteers.selectors import (
            organisation_names,
            post_names,
            shift_names,
            training_session_names,
            volunteer_names,
        )

        audit_words.register("volunteer", _("志愿者"), volunteer_names)
        audit_words.register("volunteer_hours", _("服务时长"), volunteer_names)
        audit_words.register("certification", _("培训合格"), volunteer_names)
        audit_words.register("organisation", _("组织"), organisation_names)
        audit_words.register("post", _("岗位"), post_names)
        audit_words.register("shift", _("班次"), shift_names)
        audit_words.register("roster", _("排班"), volunteer_names)
        audit_words.register("training_session", _("培训场次"), training_session_names)
        audit_words.register("unit_report", _("单位报表"), volunteer_names)
