"""Writes for the area tree and the places below a community."""

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import roles
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import RoleAssignment
from gongzhi.places.models import Area, Building, Grid, Household

DATA_DIR = Path(__file__).resolve().parent / "data" / "chengdu"
CITY_CODE = "5101"
CITY_NAME = "成都市"


def areas_load(*, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Load the city, its districts, streets and communities from the official code files.

    Idempotent: existing codes get their name and parent refreshed, new codes are added, nothing
    is deleted (a code that disappears from a new edition may still have rows under it).
    """
    rows: list[tuple[str, str, str, str | None, str | None]] = [(CITY_CODE, CITY_NAME, Area.Level.CITY, None, None)]
    for filename, level in (
        ("districts.csv", Area.Level.DISTRICT),
        ("streets.csv", Area.Level.STREET),
        ("communities.csv", Area.Level.COMMUNITY),
    ):
        with open(data_dir / filename, encoding="utf-8", newline="") as fh:
            for rec in csv.DictReader(fh):
                population = rec.get("population_2020_census") or None
                rows.append((rec["code"], rec["name"], level, rec["parent_code"], population))
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        existing = {a.code: a for a in Area.objects.all()}
        # Rows come parents first (city, districts, streets, communities), so one bulk insert per
        # level gives every child a parent with a primary key.
        for level in (Area.Level.CITY, Area.Level.DISTRICT, Area.Level.STREET, Area.Level.COMMUNITY):
            new, changed = [], []
            for code, name, row_level, parent_code, population in rows:
                if row_level != level:
                    continue
                parent = existing.get(parent_code) if parent_code else None
                if parent_code and parent is None:
                    raise ApplicationError(_("上级区划缺失"), {"code": code, "parent_code": parent_code})
                population = int(population) if population else None
                area = existing.get(code)
                if area is None:
                    new.append(Area(code=code, name=name, level=level, parent=parent, population_2020=population))
                elif (area.name, area.level, area.parent_id, area.population_2020) != (
                    name,
                    level,
                    parent.pk if parent else None,
                    population,
                ):
                    area.name, area.level, area.parent, area.population_2020 = name, level, parent, population
                    changed.append(area)
                else:
                    counts["unchanged"] += 1
            Area.objects.bulk_create(new, batch_size=500)
            if not all(a.pk for a in new):  # backends that do not return ids
                ids = dict(Area.objects.filter(code__in=[a.code for a in new]).values_list("code", "pk"))
                for a in new:
                    a.pk = ids[a.code]
            Area.objects.bulk_update(changed, ["name", "level", "parent", "population_2020"], batch_size=500)
            existing.update({a.code: a for a in new})
            counts["created"] += len(new)
            counts["updated"] += len(changed)
    return counts


def _community(code: str) -> Area:
    area = Area.objects.filter(code=code, level=Area.Level.COMMUNITY).first()
    if area is None:
        raise ApplicationError(_("社区代码不存在"), {"community_code": code})
    return area


def grid_create(*, community_code: str, number: int, name: str = "") -> Grid:
    """Add a grid to a community; its number is unique in the community."""
    community = _community(community_code)
    if number < 1:
        raise ApplicationError(_("网格编号必须大于0"))
    with transaction.atomic():
        if Grid.objects.filter(community=community, number=number).exists():
            raise ApplicationError(_("该社区已有同编号的网格"), {"number": number})
        grid = Grid(
            community=community, community_code=community.code, number=number, name=name.strip() or f"第{number}网格"
        )
        _checked(grid)
        grid.save()
    return grid


def _checked(row, **options) -> None:
    """The model's own checks (lengths, a number past its column's range), refused as a user's
    error (422) with their words, not a server error."""
    try:
        row.full_clean(**options)
    except ValidationError as exc:
        raise ApplicationError(_("输入有误：%(why)s") % {"why": "；".join(exc.messages)}, status=422) from exc


def building_create(
    *, grid: Grid, number: int, name: str = "", address: str = "", floors: int = 1, units: int = 1
) -> Building:
    """Add a building to a grid; its number is unique in the community."""
    if number < 1 or floors < 1 or units < 1:
        raise ApplicationError(_("楼栋编号、层数、单元数必须大于0"))
    with transaction.atomic():
        if Building.objects.filter(community_code=grid.community_code, number=number).exists():
            raise ApplicationError(_("该社区已有同编号的楼栋"), {"number": number})
        building = Building(
            grid=grid,
            community_code=grid.community_code,
            number=number,
            name=name.strip() or f"{number}栋",
            address=address.strip(),
            floors=floors,
            units=units,
        )
        _checked(building)
        building.save()
    return building


def household_address(building: Building, unit: int, room: str) -> str:
    """The door as one line; cut to what the column holds (a building's address and name may fill
    200 and 60 characters: on PostgreSQL the whole write, an import's included, failed)."""
    limit = Household._meta.get_field("address").max_length or 200
    return f"{building.address}{building.name}{unit}单元{room}"[:limit]


def _checked_door(unit: int, room: str) -> str:
    """The room, stripped; refuses an empty room or a unit below 1."""
    room = room.strip()
    if not room:
        raise ApplicationError(_("房号不能为空"))
    if unit < 1:
        raise ApplicationError(_("单元号必须大于0"))
    return room


def household_get_or_create(*, building: Building, unit: int, room: str) -> tuple[Household, bool]:
    """The household behind a door of a building, created on first use."""
    room = _checked_door(unit, room)
    with transaction.atomic():
        household = Household.objects.filter(building=building, unit=unit, room=room).first()
        if household:
            return household, False
        household = Household(
            building=building,
            community_code=building.community_code,
            unit=unit,
            room=room,
            address=household_address(building, unit, room),
        )
        _checked(household, validate_unique=False)
        household.save()
    return household, True


def household_update(*, household: Household, unit: int, room: str) -> Household:
    """Correct a household's door (unit and room) inside its building; the address follows."""
    room = _checked_door(unit, room)
    with transaction.atomic():
        clash = Household.objects.filter(building=household.building, unit=unit, room=room).exclude(pk=household.pk)
        if clash.exists():
            raise ApplicationError(_("该楼栋已有这个单元和房号的住户"))
        household.unit, household.room = unit, room
        household.address = household_address(household.building, unit, room)
        _checked(household, validate_unique=False)
        household.save(update_fields=["unit", "room", "address", "updated_at"])
    return household


def role_assignment_create(*, user, role: str, area_code: str, grid=None, building=None) -> RoleAssignment:
    """Give a user a role on an area, checking the role fits the area's level."""
    level = "grid" if grid is not None else "building" if building is not None else None
    if level is None:
        if not Area.objects.filter(code=area_code).exists():
            raise ApplicationError(_("区划代码不存在"), {"area_code": area_code})
        level = roles.level_of_code(area_code)
    else:
        place = building or grid
        area_code = place.community_code
    if not roles.role_fits_level(role, level):
        raise ApplicationError(_("该角色不能分配在这一级区域"), {"role": role, "level": level})
    with transaction.atomic():
        assignment, _created = RoleAssignment.objects.get_or_create(
            user=user, role=role, area_code=area_code, grid=grid, building=building
        )
    return assignment
