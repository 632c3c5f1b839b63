from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = "平台"

    def ready(self) -> None:
        from django.db import models
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core import audit_words, navigation, roles
        from gongzhi.core.db import InFixed

        models.CharField.register_lookup(InFixed)

        navigation.register("core:audit_list", _("审计日志"), capabilities=[roles.READ_AUDIT], order=900)
        audit_words.register("api_token", _("接口令牌"))
