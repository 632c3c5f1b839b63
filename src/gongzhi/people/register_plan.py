"""A clean register file against what is stored: which building each row means, which residents
to create or update, which places to add, which rows clash with the database (an ID number of
another community, a building in another grid, a building name several compounds use), and the
report of an import. No Django here."""

from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from gongzhi.people.register_rules import (
    BUILDING_AMBIGUOUS,
    BUILDING_GRID,
    BUILDING_GRID_IN_FILE,
    BUILDING_NEW_IN_COMPOUND,
    OTHER_COMMUNITY,
    Buildings,
    Door,
    RegisterRecord,
    RowError,
    StoredBuilding,
    building_label,
    parse_building,
)


@dataclass
class Stored:
    """What the database holds for a file: the community's places, and the residents with the
    file's ID numbers (objects with pk, public_id, community_code, name, phone, relation, notes,
    household_id) in any community."""

    grids: set[int]  # grid numbers
    buildings: dict[int, StoredBuilding]  # by number
    households: dict[tuple[int, int, str], int]  # door -> household id
    residents: dict[str, Any]  # ID number -> stored resident
    tags: dict[int, frozenset[str]]  # resident pk -> tags


class NewBuilding(NamedTuple):
    """A building a file adds: its grid's number, name and address (its compound, if the row said one)."""

    grid: int
    name: str
    address: str = ""


@dataclass
class Plan:
    """What writing the records changes: residents to create or update (the records' `building`
    is then the number of the building found or added), places to add; and warnings."""

    create: list[RegisterRecord] = field(default_factory=list)
    update: list[tuple[Any, RegisterRecord]] = field(default_factory=list)  # (stored, record)
    unchanged: int = 0
    grids: set[int] = field(default_factory=set)
    buildings: dict[int, NewBuilding] = field(default_factory=dict)  # by its new number
    doors: set[tuple[int, int, str]] = field(default_factory=set)
    warnings: list[RowError] = field(default_factory=list)


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


def _new_numbers(keys: list[tuple[str, int]], taken: set[int]) -> dict[tuple[str, int], int]:
    """Numbers for the buildings a file adds, (compound, written number) in the file's order: a
    building without a compound takes its written number (free: no stored building has it), one in
    a compound its written number when free, else the next number above all the others."""
    numbers = {key: key[1] for key in keys if not key[0]}
    taken = taken | set(numbers.values())
    for key in keys:
        if key[0]:
            number = key[1] if key[1] not in taken else max(taken) + 1
            numbers[key] = number
            taken.add(number)
    return numbers


def _candidate(building: StoredBuilding, written: int) -> str:
    """明珠华庭 1栋; with its number when that, not its name, is what the row wrote: 锦绣名城 1栋（编号7）."""
    label = building_label(building)
    return label if parse_building(building.name) == written else f"{label}（编号{building.number}）"


def find_buildings(
    records: list[RegisterRecord], stored: Stored, headers: dict[str, str]
) -> tuple[list[RegisterRecord], dict[int, NewBuilding], list[RowError], list[RowError]]:
    """The records with `building` the number of the building each means (a stored one, or one to
    add); the buildings to add; the errors (a building name several buildings carry, and nothing on
    the row to tell which; a new building given two grids); warnings (a building added in a
    compound while another compound has one of that name: a misspelt compound would show here)."""
    index = Buildings(stored.buildings.values())
    found: list[tuple[RegisterRecord, StoredBuilding | None]] = []
    errors: list[RowError] = []
    warnings: list[RowError] = []
    new_keys: dict[tuple[str, int], RegisterRecord] = {}  # (compound, written number) -> its first row
    finds: dict[tuple[int, str, str], tuple[StoredBuilding | None, list[StoredBuilding]]] = {}
    for record in records:
        asked = (record.building, record.compound, record.address)
        if (result := finds.get(asked)) is None:
            result = finds[asked] = index.find(*asked)
        building, candidates = result
        if candidates:
            places = "、".join(_candidate(b, record.building) for b in candidates[:5])
            places += "…" if len(candidates) > 5 else ""
            params = {"count": len(candidates), "building": f"{record.building}栋", "places": places}
            errors.append(RowError(record.row, headers["building"], BUILDING_AMBIGUOUS, params))
            continue
        if building is None:
            key = (record.compound, record.building)
            if key not in new_keys and record.compound and (same := index.candidates(record.building)):
                params = {"building": f"{record.compound} {record.building}栋", "others": building_label(same[0])}
                warnings.append(RowError(record.row, headers.get("compound", "小区"), BUILDING_NEW_IN_COMPOUND, params))
            new_keys.setdefault(key, record)
        found.append((record, building))
    numbers = _new_numbers(list(new_keys), set(stored.buildings))
    new = {
        numbers[key]: NewBuilding(first.grid, f"{first.building}栋", first.compound) for key, first in new_keys.items()
    }
    resolved = []
    for record, building in found:
        number = building.number if building else numbers[(record.compound, record.building)]
        first = new_keys.get((record.compound, record.building)) if building is None else None
        if first is not None and first.grid != record.grid:
            label = f"{first.compound} {first.building}栋".strip()
            params = {"row": first.row, "building": label, "grid": first.grid, "here": record.grid}
            errors.append(RowError(record.row, headers["grid"], BUILDING_GRID_IN_FILE, params))
            continue
        resolved.append(record if number == record.building else replace(record, building=number))
    return resolved, new, errors, warnings


def plan_import(
    records: list[RegisterRecord], stored: Stored, *, community_code: str, headers: dict[str, str]
) -> tuple[Plan, list[RowError]]:
    """Compare the records with what is stored: an ID number of another community, a building in
    another grid or one that cannot be told apart from others of its name is an error; a resident
    already in the community whose row says something new is updated (absent optional columns
    change nothing)."""
    plan = Plan()
    records, new_buildings, errors, plan.warnings = find_buildings(records, stored, headers)
    door_of = {pk: door for door, pk in stored.households.items()}
    for record in records:
        resident = stored.residents.get(record.id_number)
        if resident is not None and resident.community_code != community_code:
            errors.append(RowError(record.row, headers["id_number"], OTHER_COMMUNITY))
            continue
        building = stored.buildings.get(record.building)
        if building is not None and building.grid != record.grid:
            params = {"building": building_label(building), "grid": building.grid, "here": record.grid}
            errors.append(RowError(record.row, headers["grid"], BUILDING_GRID, params))
            continue
        if record.grid not in stored.grids:
            plan.grids.add(record.grid)
        if building is None:
            plan.buildings[record.building] = new_buildings[record.building]
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
