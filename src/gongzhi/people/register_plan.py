"""A clean register file against what is stored: which residents to create or update, which
places to add, which rows clash with the database (an ID number of another community, a building in
another grid), and the report of an import. No Django here."""

from dataclasses import dataclass, field
from typing import Any

from gongzhi.people.register_rules import (
    BUILDING_GRID,
    OTHER_COMMUNITY,
    Door,
    RegisterRecord,
    RowError,
)


@dataclass
class Stored:
    """What the database holds for a file: the community's places, and the residents with the
    file's ID numbers (objects with pk, public_id, community_code, name, phone, relation, notes,
    household_id) in any community."""

    grids: set[int]  # grid numbers
    building_grid: dict[int, int]  # building number -> its grid number
    households: dict[tuple[int, int, str], int]  # door -> household id
    residents: dict[str, Any]  # ID number -> stored resident
    tags: dict[int, frozenset[str]]  # resident pk -> tags


@dataclass
class Plan:
    """What writing the records changes: residents to create or update, places to add."""

    create: list[RegisterRecord] = field(default_factory=list)
    update: list[tuple[Any, RegisterRecord]] = field(default_factory=list)  # (stored, record)
    unchanged: int = 0
    grids: set[int] = field(default_factory=set)
    buildings: dict[int, int] = field(default_factory=dict)  # new building -> grid number
    doors: set[tuple[int, int, str]] = field(default_factory=set)


def _changed(stored: Any, record: RegisterRecord, door: Door | None, tags: frozenset[str] | None) -> bool:
    return (
        stored.name != record.name
        or door != record.door
        or (record.phone is not None and stored.phone != record.phone)
        or (record.relation is not None and stored.relation != record.relation)
        or (record.notes is not None and stored.notes != record.notes)
        or (record.tags is not None and tags != record.tags)
        or (record.add_tags is not None and not record.add_tags <= (tags or frozenset()))
    )


def plan_import(
    records: list[RegisterRecord], stored: Stored, *, community_code: str, headers: dict[str, str]
) -> tuple[Plan, list[RowError]]:
    """Compare the records with what is stored: an ID number of another community or a
    building in another grid is an error; a resident already in the community whose row says
    something new is updated (absent optional columns change nothing)."""
    plan, errors = Plan(), []
    door_of = {pk: door for door, pk in stored.households.items()}
    for record in records:
        resident = stored.residents.get(record.id_number)
        if resident is not None and resident.community_code != community_code:
            errors.append(RowError(record.row, headers["id_number"], OTHER_COMMUNITY))
            continue
        grid = stored.building_grid.get(record.building)
        if grid is not None and grid != record.grid:
            params = {"building": record.building, "grid": grid, "here": record.grid}
            errors.append(RowError(record.row, headers["grid"], BUILDING_GRID, params))
            continue
        if record.grid not in stored.grids:
            plan.grids.add(record.grid)
        if grid is None:
            plan.buildings.setdefault(record.building, record.grid)
        if record.door not in stored.households:
            plan.doors.add(record.door)
        if resident is None:
            plan.create.append(record)
        elif _changed(resident, record, door_of.get(resident.household_id), stored.tags.get(resident.pk)):
            plan.update.append((resident, record))
        else:
            plan.unchanged += 1
    return plan, errors


@dataclass
class RegisterReport:
    """What an import found and did (or, in a dry run, would do)."""

    file_name: str
    community_code: str
    dry_run: bool
    rows_read: int = 0
    to_create: int = 0
    to_update: int = 0
    unchanged: int = 0
    grids_to_create: int = 0
    buildings_to_create: int = 0
    households_to_create: int = 0
    errors: list[RowError] = field(default_factory=list)
    good_rows: int = 0  # rows without an error (set when some row has one): what keep_good_rows writes
    imported: bool = False
    # What the import leaves out, said rather than dropped silently: the file's columns read for
    # no field, as (column letter, header; "" for a column without one), and warnings (words of
    # the vulnerable-group column that name no tag).
    ignored_columns: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    def count(self, plan: Plan) -> None:
        self.to_create, self.to_update = len(plan.create), len(plan.update)
        self.unchanged, self.grids_to_create = plan.unchanged, len(plan.grids)
        self.buildings_to_create, self.households_to_create = len(plan.buildings), len(plan.doors)

    def as_dict(self, max_errors: int = 1000) -> dict[str, Any]:
        """For JSON: the first `max_errors` errors (and warnings) as [row, column, code, params], and
        their count; the ignored columns as [letter, header]."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["errors"] = [list(e) for e in self.errors[:max_errors]]
        data["error_count"] = len(self.errors)
        data["warnings"] = [list(w) for w in self.warnings[:max_errors]]
        data["warning_count"] = len(self.warnings)
        data["ignored_columns"] = [list(column) for column in self.ignored_columns]
        return data
