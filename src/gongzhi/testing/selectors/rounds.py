"""Rounds and who collects in them, their sites and slots, and a round's held result conflicts."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.http import Http404

from gongzhi.core import access, roles
from gongzhi.core.db import model_columns
from gongzhi.core.models import RoleAssignment
from gongzhi.testing import flows
from gongzhi.testing.models import ResultConflict, Round, RoundCollector, Site, SlotAssignment


def round_list(*, user, capability: str):
    """The rounds over one of the user's areas, over an area around it, or inside it."""
    return Round.objects.around(user, capability)


def round_get_for_user(*, user, public_id: str, capability: str) -> Round:
    """One round, decided against its own area (every scan batch reads its round: one indexed query,
    no scope condition to build)."""
    round_ = Round.objects.filter(public_id=public_id).first()
    if round_ is None or not access.may_around(user, capability, round_.area_code):
        raise Http404
    return round_


COLLECTING_ROLES = tuple(role for role, caps in roles.CAPABILITIES.items() if roles.COLLECT_SAMPLES in caps)


def round_get_for_collector(*, user, public_id: str) -> tuple[Round, Site | None]:
    """The round (and the site the user is assigned to, if any) when the user is assigned to collect
    in it, else 404: only collectors assigned to a round scan in it, anywhere in its area. One
    indexed query a batch (the site, rarely named, a second). Raw SQL: every scan batch of every
    device reads it, and building the ORM query with its joins cost more than running it (profiled)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    rounds, collectors = Round._meta.db_table, RoundCollector._meta.db_table
    assignments = RoleAssignment._meta.db_table
    # still holding a role that collects: a collector whose role was taken away stops here
    columns = model_columns(Round)  # the round built from the row, without a RawQuerySet's setup
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.site_id, {columns.select('r')} FROM {rounds} r JOIN {collectors} c ON c.round_id = r.id"
            f" WHERE r.public_id = %s AND c.user_id = %s AND EXISTS (SELECT 1 FROM {assignments} a"
            f" WHERE a.user_id = c.user_id AND a.role IN ({', '.join(['%s'] * len(COLLECTING_ROLES))}))",
            [public_id, user.pk, *COLLECTING_ROLES],
        )
        row = cursor.fetchone()
    if row is None:
        raise Http404
    site_id, *values = row
    return columns.instance(values), (Site.objects.filter(pk=site_id).first() if site_id else None)


def rounds_collecting(*, user):
    """The open rounds this user is assigned to collect in, newest first."""
    return Round.objects.filter(collectors__user_id=user.pk, status=flows.OPEN).order_by("-starts_at", "-id")


def round_collectors(*, round_: Round):
    return RoundCollector.objects.filter(round=round_).select_related("user", "site").order_by("id")


def collector_candidates(*, round_: Round):
    """Users who may be assigned to collect in this round: active holders of a collecting role in
    its area (a collector from elsewhere can still be named by login)."""
    collecting = [role for role, caps in roles.CAPABILITIES.items() if roles.COLLECT_SAMPLES in caps]
    assigned = RoundCollector.objects.filter(round=round_).values("user_id")
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__role__in=collecting,
            role_assignments__area_code__startswith=round_.area_code,
        )
        .exclude(pk__in=assigned)
        .distinct()
        .order_by("username")
    )


def collector_by_username(username: str, *, round_: Round | None = None):
    """An active account holding a collecting role, by login (with `round_`: one assigned to it);
    None for any other login, existing or not. One answer for both: volunteers log in with their
    phone numbers, which a manager who sees them masked must not be able to confirm by trying them."""
    if not username:
        return None
    collecting = [role for role, caps in roles.CAPABILITIES.items() if roles.COLLECT_SAMPLES in caps]
    users = get_user_model().objects.filter(username=username, is_active=True, role_assignments__role__in=collecting)
    if round_ is not None:
        users = users.filter(pk__in=RoundCollector.objects.filter(round=round_).values("user_id"))
    return users.distinct().first()


def site_list(*, round_: Round, community_code: str):
    return (
        Site.objects.filter(round=round_, community_code=community_code)
        .prefetch_related("slots", "slots__building")
        .order_by("id")
    )


def slots_of_community(*, user, round_: Round, community_code: str):
    """Every building's slot in a community of the round, in time order, for one printed document."""
    return (
        SlotAssignment.objects.visible_to(user, roles.VIEW_TESTING)
        .filter(site__round=round_, community_code=community_code)
        .select_related("site", "building")
        .order_by("starts_at", "building__number")
    )


def slot_for_building(*, user, round_: Round, building_public_id: str):
    slot = (
        SlotAssignment.objects.visible_to(user, roles.VIEW_TESTING)
        .filter(site__round=round_, building__public_id=building_public_id)
        .select_related("site", "building")
        .first()
    )
    if slot is None:
        raise Http404
    return slot


def result_conflicts_held(*, round_: Round):
    """The round's held result conflicts, by barcode. The caller has decided the round with
    RECORD_RESULTS (round_get_for_user): a lab works every tube of the round it may result, as it
    records them, and these rows hold no personal data."""
    return ResultConflict.objects.filter(round=round_, resolved_at__isnull=True).order_by("barcode")


def rounds_open_around(*, user, capability: str):
    """The open rounds over, around or inside the user's areas where they hold the capability, newest first."""
    return round_list(user=user, capability=capability).filter(status=flows.OPEN).order_by("-starts_at", "-id")


def current_round_over(*, user, area_code: str) -> Round | None:
    """The newest open round over or inside the area that the user sees (the round the command view's
    figures are of)."""
    above = [area_code[:n] for n in (4, 6, 9, 12) if n <= len(area_code)]
    return (
        rounds_open_around(user=user, capability=roles.VIEW_TESTING)
        .filter(Q(area_code__in=above) | Q(area_code__startswith=area_code))
        .first()
    )


def round_names(public_ids: list[str]) -> dict[str, str]:
    return dict(Round.objects.filter(public_id__in=public_ids).values_list("public_id", "name"))
