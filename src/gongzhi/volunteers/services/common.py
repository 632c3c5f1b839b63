"""Helpers shared by the reservoir's services."""

from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError
from gongzhi.places.models import Area


def community(code: str) -> Area:
    """The community of a 12-digit code, or a 422 refusal."""
    area = Area.objects.filter(code=code, level=Area.Level.COMMUNITY).first()
    if area is None:
        raise ApplicationError(_("请选择所在社区"), {"community_code": code}, status=422)
    return area
