"""Builders for the request tests: a community with two grids and their buildings, the staff of each
level, requests at a given level and deadline, and 12345 work-order files (.xlsx, GBK .csv)."""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import openpyxl
from django.core.cache import cache
from django.utils import timezone

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal
from gongzhi.places.models import Area, Building, Grid, Household
from tests.factories import BuildingFactory, GridFactory, HouseholdFactory, make_user_with_role

HOTLINE_HEADER = ["工单编号", "来电时间", "来电人", "联系电话", "诉求地址", "诉求内容", "诉求类别"]
STREET = "510104017"  # 锦官驿街道, the street of community_a and community_b
STREET_QUEUE = "510104017000"  # where an unplaced hotline request of that street waits
DISTRICT = "510104"


@dataclass
class Place:
    """community_a with two grids (two buildings in the first, one in the second), their households
    and the staff of every level; worker_b of community_b is the outsider."""

    grid: Grid
    other_grid: Grid
    building: Building  # in `grid`; the building leader's
    neighbour: Building  # in `grid`
    far: Building  # in `other_grid`
    households: dict[str, Household]
    users: dict[str, Any]


def make_place(community_a, community_b) -> Place:
    grid = GridFactory(community=community_a)
    other_grid = GridFactory(community=community_a)
    building = BuildingFactory(grid=grid)
    neighbour = BuildingFactory(grid=grid)
    far = BuildingFactory(grid=other_grid)
    b_grid = GridFactory(community=community_b, community_code=community_b.code)
    b_building = BuildingFactory(grid=b_grid, address="崇德里2号")
    households = {
        "h1": HouseholdFactory(building=building, room="101"),
        "h2": HouseholdFactory(building=building, room="102"),
        "n1": HouseholdFactory(building=neighbour, room="201"),
        "f1": HouseholdFactory(building=far, room="301"),
        "b1": HouseholdFactory(building=b_building, room="401"),
    }
    code_a, code_b = community_a.code, community_b.code
    users = {
        "worker": make_user_with_role("worker_a", "community_worker", code_a),
        "grid": make_user_with_role("grid_a", "grid_worker", code_a, grid=grid),
        "other_grid": make_user_with_role("grid_a2", "grid_worker", code_a, grid=other_grid),
        "leader": make_user_with_role("leader_a", "building_leader", code_a, building=building),
        "street": make_user_with_role("street_a", "street_staff", STREET),
        "district": make_user_with_role("district_a", "district_staff", DISTRICT),
        "outsider": make_user_with_role("worker_b", "community_worker", code_b),
    }
    return Place(grid, other_grid, building, neighbour, far, households, users)


def submit(household: Household, category: str = "food", text: str = "家里没有米了", **kwargs: Any) -> Appeal:
    return services.appeal_submit(household=household, category=category, text=text, **kwargs)


def set_clock(appeal: Appeal, *, due_in: dt.timedelta, level: str | None = None) -> Appeal:
    """Move a request's deadline (and level) as if it had waited: the sweep and the filters read them."""
    changes: dict[str, Any] = {"due_at": timezone.now() + due_in}
    if level is not None:
        changes["level"] = level
    Appeal.objects.filter(pk=appeal.pk).update(**changes)
    appeal.refresh_from_db()
    return appeal


def unplaced(*, ref: str, text: str = "小区里有老人断药了", area_code: str = STREET_QUEUE, actor: Any = None) -> Appeal:
    return services.appeal_unplaced(
        actor=actor, area_code=area_code, category="medicine", text=text, caller_name="王五",
        caller_phone="13800000009", address_text="锦江区某小区", received_at=timezone.now(), hotline_ref=ref,
    )  # fmt: skip


def street_name() -> str:
    return Area.objects.get(code=STREET).name


def hotline_address(household: Household, prefix: str = "成都市锦江区书院街街道") -> str:
    """A 12345 address as the hotline writes it: the city, district and street before the door, 室 after."""
    return f"{prefix}{household.address}室"


def hotline_row(
    ref: str, address: str, text: str = "家里没有米了，需要买菜", *, caller: str = "张三", phone: str = "13800000001",
    category: str = "生活物资", received: Any = None,
) -> list[Any]:  # fmt: skip
    received = received if received is not None else dt.datetime(2022, 9, 5, 10, 32)
    return [ref, received, caller, phone, address, text, category]


def hotline_xlsx(rows: list[list[Any]], header: list[str] = HOTLINE_HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "工单"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def hotline_csv(rows: list[list[Any]], header: list[str] = HOTLINE_HEADER) -> bytes:
    """As Chinese Excel saves a CSV: GBK."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([f"{v:%Y-%m-%d %H:%M}" if isinstance(v, dt.datetime) else v for v in row])
    return out.getvalue().encode("gbk")


def clear_limits() -> None:
    """The door-code limits count in the cache (local memory in tests): each test starts at zero."""
    cache.clear()
