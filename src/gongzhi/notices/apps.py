from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "gongzhi.notices"
    label = "notices"
    verbose_name = _("通知公告")

    def ready(self) -> None:
        from gongzhi.core import audit_words, navigation, panels, roles, workbench
        from gongzhi.notices import panels as notice_panels
        from gongzhi.notices import workbench as work_items
        from gongzhi.notices.selectors import notice_names

        navigation.register("notices:list", _("通知公告"), capabilities=[roles.VIEW_NOTICES], order=56)
        workbench.register("notices", work_items.work, capabilities=[roles.VIEW_NOTICES, roles.TELL_NOTICES], order=15)
        panels.register("household_door", "notices", notice_panels.household_door_panel, order=10)
        audit_words.register("notice", _("通知公告"), notice_names)
