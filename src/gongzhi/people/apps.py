from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "gongzhi.people"
    label = "people"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core import navigation, roles, workbench
        from gongzhi.people import workbench as work_items

        navigation.register("people:resident_list", _("居民"), capabilities=[roles.VIEW_RESIDENTS], order=20)
        navigation.register("people:register_import", _("花名册导入"), capabilities=[roles.IMPORT_RESIDENTS], order=30)
        workbench.register("people", work_items.work, capabilities=[roles.IMPORT_RESIDENTS], order=60)
