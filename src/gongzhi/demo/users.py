"""The demo logins: one user per role on the first communities loaded, all with DEMO_PASSWORD."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from gongzhi.core import roles
from gongzhi.places.models import Area, Building, Grid
from gongzhi.places.services import role_assignment_create

DEMO_PASSWORD = "gongzhi-demo-2022"
DEMO_USERNAMES = (
    "admin",
    "city",
    "district",
    "street",
    "worker",
    "worker2",
    "grid",
    "leader",
    "collector",
    "lab",
    "volunteer",
)


@dataclass
class DemoLogin:
    username: str
    role: str
    area: str


def _demo_user(username: str, password_hash: str, *, superuser: bool = False):
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        # One hash for every demo user: hashing costs about half a second each by design.
        user = user_model(username=username, password=password_hash, is_staff=superuser, is_superuser=superuser)
        user.save()
    return user


def demo_users_create(*, communities: Sequence[Area]) -> list[DemoLogin]:
    """The demo logins, one per role, on the first communities loaded (created once; an existing
    user keeps its password and gains the role). All share DEMO_PASSWORD."""
    if not communities:
        return demo_logins()
    first = communities[0]
    second = (
        communities[1]
        if len(communities) > 1
        else (Area.objects.filter(level=Area.Level.COMMUNITY, code__gt=first.code).order_by("code").first())
    )
    grid = Grid.objects.filter(community_code=first.code).order_by("number").first()
    building = Building.objects.filter(grid=grid).order_by("number").first() if grid is not None else None
    wanted = [
        ("city", roles.CITY_STAFF, first.code[:4], None, None),
        ("district", roles.DISTRICT_STAFF, first.code[:6], None, None),
        ("street", roles.STREET_STAFF, first.code[:9], None, None),
        ("worker", roles.COMMUNITY_WORKER, first.code, None, None),
        ("worker2", roles.COMMUNITY_WORKER, second.code if second else None, None, None),
        ("grid", roles.GRID_WORKER, first.code, grid, None),
        ("leader", roles.BUILDING_LEADER, first.code, None, building),
        ("collector", roles.COLLECTOR, first.code, None, None),
        ("lab", roles.LAB, first.code[:6], None, None),
    ]
    password_hash = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        _demo_user("admin", password_hash, superuser=True)
        for username, role, area_code, on_grid, on_building in wanted:
            if (
                area_code is None
                or (role == roles.GRID_WORKER and on_grid is None)
                or (role == roles.BUILDING_LEADER and on_building is None)
            ):
                continue
            role_assignment_create(
                user=_demo_user(username, password_hash),
                role=role,
                area_code=area_code,
                grid=on_grid,
                building=on_building,
            )
    return demo_logins()


def demo_logins() -> list[DemoLogin]:
    """The demo users present, one line per role with the area's name."""
    users = {
        u.username: u
        for u in get_user_model()
        .objects.filter(username__in=DEMO_USERNAMES)
        .prefetch_related("role_assignments__grid", "role_assignments__building")
    }
    codes = {a.area_code for u in users.values() for a in u.role_assignments.all()}
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    logins = []
    for username in DEMO_USERNAMES:
        user = users.get(username)
        if user is None:
            continue
        if user.is_superuser:
            logins.append(DemoLogin(username, "superuser", "全部"))
        for assignment in user.role_assignments.all():
            area = names.get(assignment.area_code, assignment.area_code)
            if assignment.grid is not None:
                area += f" {assignment.grid.name}"
            if assignment.building is not None:
                area += f" {assignment.building.address}{assignment.building.name}"
            logins.append(DemoLogin(username, assignment.role, area))
    return logins
