from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core import roles
from gongzhi.core.scope import user_can, user_scope

_NAV_LABELS = {
    "core:home": _("首页"),
    "places:area_browse": _("区域"),
    "people:resident_list": _("居民"),
    "people:roster_import": _("花名册导入"),
    "core:audit_list": _("审计日志"),
    "testing:round_list": _("核酸检测"),
    "volunteers:volunteer_list": _("志愿者"),
    "volunteers:me": _("我的志愿服务"),
}


def shell(request):
    """Navigation by role, for the base template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    nav = [
        {"url": reverse(name), "label": _NAV_LABELS[name], "name": name}
        for name, capability in roles.NAVIGATION
        if capability is None
        or any(user_can(user, c) for c in (capability if isinstance(capability, tuple) else (capability,)))
    ]
    return {"nav": nav, "my_roles": user_scope(user)}
