"""How often a household's door code may be used to send or answer requests: per client address and
per household (core.throttle), the same for the page and the API."""

from django.http import HttpRequest
from django.utils.translation import gettext as _

from gongzhi.core import throttle
from gongzhi.core.errors import ApplicationError
from gongzhi.places.models import Household

HOUSEHOLD_REQUESTS_PER_HOUR = 10


def household_limit(request: HttpRequest, household: Household) -> None:
    """Every request through a door code counts, per client address and per household (429 past it)."""
    wait = throttle.attempt(
        "appeal_address", throttle.client_address(request), limit=HOUSEHOLD_REQUESTS_PER_HOUR * 3, window=3600
    ) or throttle.attempt("appeal_household", household.public_id, limit=HOUSEHOLD_REQUESTS_PER_HOUR, window=3600)
    if wait:
        raise ApplicationError(
            _("提交次数过多，请%(minutes)s分钟后再试") % {"minutes": max(1, -(-wait // 60))},
            {"retry_after": wait},
            status=429,
        )
