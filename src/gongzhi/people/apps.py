from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "gongzhi.people"
    label = "people"
    verbose_name = "居民"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core import navigation, roles, workbench
        from gongzhi.people import workbench as work_items

        navigation.register("people:resident_list", _("居民"), capabilities=[roles.VIEW_RESIDENTS], order=20)
        navigation.register("people:register_import", _("花名册导入"), capabilities=[roles.IMPORT_RESIDENTS], order=30)
        workbench.register("people", work_items.work, capabilities=[roles.IMPORT_RESIDENTS], order=60)
        from gongzhi.core import audit_words
        from gongzhi.people.selectors import resident_names

        audit_words.register("resident", _("居民"), resident_names)
        audit_words.register("untested", _("未检测名单"), resident_names)
        audit_words.register("demo_city", _("演示数据"))
