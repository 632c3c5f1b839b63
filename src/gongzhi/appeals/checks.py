"""`gongzhi check` (and every start of `gongzhi serve`) refuses a wrong SLA setting by name."""

from typing import Any

from django.conf import settings
from django.core import checks

from gongzhi.appeals import sla
from gongzhi.appeals.messages import APPEALS


@checks.register()
def appeal_sla_setting(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    config = getattr(settings, "APPEAL_SLA_MINUTES", sla.DEFAULT_SLA_MINUTES)
    return [
        checks.Error(APPEALS.text(p.code, **p.params), hint="GONGZHI_APPEAL_SLA", id="gongzhi.appeals.E001")
        for p in sla.check_sla(config)
    ]
