from django.apps import AppConfig


class TestingConfig(AppConfig):
    name = "gongzhi.testing"
    label = "testing"
    verbose_name = "全员核酸"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core import navigation, panels, roles, workbench
        from gongzhi.testing import handlers  # noqa: F401  (subscriptions)
        from gongzhi.testing import panels as testing_panels
        from gongzhi.testing import workbench as work_items

        navigation.register(
            "testing:round_list",
            _("核酸检测"),
            capabilities=[roles.VIEW_TESTING, roles.COLLECT_SAMPLES, roles.RECORD_RESULTS],
            order=40,
        )
        workbench.register(
            "testing",
            work_items.work,
            capabilities=[roles.VIEW_TESTING, roles.COLLECT_SAMPLES, roles.RECORD_RESULTS],
            order=20,
        )
        panels.register("household", "testing", testing_panels.household_panel, order=20)
        from gongzhi.core import figures
        from gongzhi.testing import figures as testing_figures

        figures.register(
            "testing", testing_figures.FIGURES, testing_figures.counter, order=10, inside=testing_figures.inside
        )
        panels.register("resident", "testing", testing_panels.resident_panel, order=20)
        from gongzhi.core import audit_words
        from gongzhi.people.selectors import resident_names
        from gongzhi.testing.selectors import round_names

        audit_words.register("recall", _("阳性复核名单"), resident_names)
        audit_words.register("test_result", _("核酸检测结果"), resident_names)
        audit_words.register("tube_results", _("检测结果录入"), round_names)
        audit_words.register("testing.round", _("检测轮次"), round_names)
        audit_words.register("testing.round_archive", _("轮次归档"), round_names)
        audit_words.register("testing.round_collector", _("采样人员指派"), round_names)
