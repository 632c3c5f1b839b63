"""The demo's risk zones: the demo round's positive pool proposed a lockdown zone on its building,
a control zone on its grid and a prevention zone on its street; the street's staff put the lockdown
in force (its households are told by a notice) and leave the others to decide."""

from django.contrib.auth import get_user_model

from gongzhi.zones import services
from gongzhi.zones.models import Zone


def demo_zones_create() -> int:
    """Confirm the demo's lockdown proposal (if the round proposed one). Returns the zones put in force."""
    street = get_user_model().objects.filter(username="street").first()
    proposal = Zone.objects.filter(kind=Zone.Kind.LOCKDOWN, status=Zone.Status.PROPOSED).order_by("id").first()
    if street is None or proposal is None:
        return 0
    services.zone_confirm(actor=street, zone=proposal)
    return 1
