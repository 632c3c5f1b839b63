"""Roster import: a whole spreadsheet of residents checked, then written: all of it, or, when the
worker confirms so after seeing the rows with errors, its good rows only.

A file is read (core.tabular), each row cleaned (people.roster), then checked against the
database in a few set-based queries for the whole file: residents by ID number in chunks,
the community's grids, buildings and households at once. A file is written in one transaction
(without its rows that have errors only when the worker asked for that, `keep_good_rows`),
with bulk inserts and updates (a 50,000-row roster must import in
seconds, DESIGN.md). A resident already in the community is updated from the row (upsert); one
registered in another community is an error.
"""

import datetime as dt
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from gongzhi.core import tabular, transitions
from gongzhi.core.db import bulk_insert
from gongzhi.core.errors import ApplicationError
from gongzhi.core.ids import new_public_id
from gongzhi.core.messages import CORE
from gongzhi.core.models import AuditEvent
from gongzhi.core.services import audit_record
from gongzhi.core.tabular import TabularError, read_table
from gongzhi.core.xlsx_formulas import formulas_without_value
from gongzhi.people import flows, id_rules, register_rules
from gongzhi.people.models import RegisterImport, Resident, ResidentTag, VulnerabilityTag
from gongzhi.people.register_plan import Plan, RegisterReport, Stored, plan_import
from gongzhi.people.register_rules import RegisterRecord, RowError, StoredBuilding
from gongzhi.people.services import residents_changed
from gongzhi.places import services as place_services
from gongzhi.places.models import Area, Building, Grid, Household


class _Stored(NamedTuple):
    """A resident as stored (plain values: no model instances for 50,000 rows)."""

    pk: int
    public_id: str
    id_number: str
    community_code: str
    name: str
    phone: str
    relation: str
    notes: str
    household_id: int


_HOUSEHOLD_COLUMNS = "created_at updated_at public_id building community_code unit room address"
_RESIDENT_COLUMNS = (
    "created_at updated_at public_id household community_code name id_number gender birth_date phone relation notes"
)
_UPDATE_COLUMNS = ("name", "household_id", "phone", "relation", "notes")
# SQLite allows 999 parameters in one statement; stay below it for `IN (...)` lookups.
CHUNK = 900

MSG_CONFLICT = gettext_lazy("导入时数据已被他人修改，请重新上传预览")
MSG_NOT_PREVIEWED = gettext_lazy("该导入已处理过，不能再次确认")
MSG_KEEP_GOOD_ROWS = gettext_lazy("文件中有错误的行：请勾选“只导入正确的行”后再确认，或改正后重新上传")


def tag_by_label() -> dict[str, str]:
    """Tag label (the Chinese source text, whatever the UI language) or value -> tag value."""
    with translation.override("zh-hans"):
        labels = {str(label): value for value, label in VulnerabilityTag.choices}
    labels.update({value: value for value in VulnerabilityTag.values})
    return labels


def _chunks(items: list, size: int | None = None):
    # PostgreSQL takes up to 65,535 parameters a statement: fewer round trips there.
    size = size or (CHUNK if connection.vendor == "sqlite" else 20 * CHUNK)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _read(content: bytes, file_name: str):
    try:
        limits = {"max_rows": settings.REGISTER_MAX_ROWS, "max_bytes": settings.REGISTER_MAX_BYTES}
        return read_table(
            content,
            file_name,
            aliases=register_rules.COLUMNS,
            required=register_rules.REQUIRED,
            labels=register_rules.LABELS,
            second_columns=("phone",),
            footer_key="id_number",
            **limits,
        )
    except TabularError as exc:
        raise ApplicationError(CORE.of(exc.problem), {"file_name": file_name}, status=422) from exc


def _load_existing(community: Area, id_numbers: list[str]):
    """What the database holds for a file (set-based: a few queries whatever its length), and
    the community's grids and buildings by number."""
    grids = {g.number: g for g in Grid.objects.filter(community=community)}
    buildings = {b.number: b for b in Building.objects.filter(community_code=community.code)}
    grid_number = {g.pk: g.number for g in grids.values()}
    number_of_building = {b.pk: b.number for b in buildings.values()}
    found = Household.objects.filter(community_code=community.code)
    households: dict[register_rules.Door, int] = {
        (number_of_building[building_id], unit, room): pk
        for pk, building_id, unit, room in found.values_list("id", "building_id", "unit", "room")
    }
    residents = {}
    for chunk in _chunks(id_numbers):
        for values in Resident.objects.filter(id_number__in=chunk).values_list(*_Stored._fields):
            residents[values[2]] = _Stored(*values)
    own = [r.pk for r in residents.values() if r.community_code == community.code]
    tags: dict[int, set[str]] = {pk: set() for pk in own}
    for chunk in _chunks(own):
        found = ResidentTag.objects.filter(resident_id__in=chunk)
        for resident_id, tag in found.values_list("resident_id", "tag"):
            tags[resident_id].add(tag)
    stored = Stored(
        grids=set(grids),
        buildings={n: StoredBuilding(n, b.name, b.address, grid_number[b.grid_id]) for n, b in buildings.items()},
        households=households,
        residents=residents,
        tags={pk: frozenset(t) for pk, t in tags.items()},
    )
    return stored, grids, buildings


def _insert(model, fields: str, rows: list[tuple]) -> None:
    """`fields` are the model's field names separated by spaces."""
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 5000):
            bulk_insert(cursor, model, fields.split(), chunk)


def _now_for_db():
    return Resident._meta.get_field("created_at").get_db_prep_value(timezone.now(), connection)


def _write_places(community: Area, plan: Plan, grids: dict, buildings: dict) -> dict:
    """Create the missing grids and buildings (through the places services: a few per file) and
    households (in bulk: thousands); returns door -> household id for the whole community."""
    for number in sorted(plan.grids):
        grids[number] = place_services.grid_create(community_code=community.code, number=number)
    for number, new in sorted(plan.buildings.items()):
        grid = grids[new.grid]
        buildings[number] = place_services.building_create(grid=grid, number=number, name=new.name, address=new.address)
    now, code, rows = _now_for_db(), community.code, []
    for number, unit, room in sorted(plan.doors):
        building = buildings[number]
        address = place_services.household_address(building, unit, room)
        rows.append((now, now, new_public_id(), building.pk, code, unit, room, address))
    _insert(Household, _HOUSEHOLD_COLUMNS, rows)
    number_of_building = {b.pk: n for n, b in buildings.items()}
    found = Household.objects.filter(community_code=community.code).values_list("id", "building_id", "unit", "room")
    return {(number_of_building.get(b), unit, room): pk for pk, b, unit, room in found}


def _create_residents(community: Area, records: list[RegisterRecord], households: dict) -> dict:
    """Insert new residents; returns ID number -> (id, public id)."""
    now, date, code = _now_for_db(), connection.ops.adapt_datefield_value, community.code
    public_ids = {r.id_number: new_public_id() for r in records}
    rows = []
    for r in records:
        number = r.id_number
        gender, born = id_rules.gender_of(number), date(id_rules.birth_date_of(number))
        household, extra = households[r.door], (r.phone or "", r.relation or "", r.notes or "")
        rows.append((now, now, public_ids[number], household, code, r.name, number, gender, born) + extra)
    _insert(Resident, _RESIDENT_COLUMNS, rows)
    if not records:
        return {}
    pks = dict(Resident.objects.filter(community_code=community.code).values_list("id_number", "id"))
    return {number: (pks[number], public_id) for number, public_id in public_ids.items()}


def _update_residents(updates: list[tuple[_Stored, RegisterRecord]], households: dict) -> None:
    """Update many residents in a few statements. Django's bulk_update builds CASE expressions
    that grow with the batch (minutes for 50,000 rows); PostgreSQL joins arrays instead, SQLite
    runs one UPDATE by primary key many times (cheap in-process)."""
    if not updates:
        return
    now, rows = _now_for_db(), []
    for resident, r in updates:
        phone = resident.phone if r.phone is None else r.phone
        relation = resident.relation if r.relation is None else r.relation
        notes = resident.notes if r.notes is None else r.notes
        rows.append((r.name, households[r.door], phone, relation, notes, resident.pk))
    quote, meta = connection.ops.quote_name, Resident._meta
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    columns = [quote(c) for c in _UPDATE_COLUMNS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            assignments = ", ".join(f"{c} = v.c{i}" for i, c in enumerate(columns))
            sql = (
                f"UPDATE {table} AS r SET {assignments}, {quote('updated_at')} = %s FROM unnest("
                "%s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::bigint[]) "
                f"AS v(c0, c1, c2, c3, c4, id) WHERE r.{pk} = v.id"
            )
            for chunk in _chunks(rows, 5000):
                cursor.execute(sql, [now, *(list(column) for column in zip(*chunk, strict=True))])
        else:
            assignments = ", ".join(f"{c} = %s" for c in [*columns, quote("updated_at")])
            sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"
            for chunk in _chunks(rows, 5000):
                cursor.executemany(sql, [(*row[:-1], now, row[-1]) for row in chunk])


def _write_tags(community: Area, wanted: dict[int, frozenset[str]], replace: list[int]) -> None:
    for chunk in _chunks(replace):
        ResidentTag.objects.filter(resident_id__in=chunk).delete()
    rows = [(pk, community.code, tag) for pk, tags in wanted.items() for tag in sorted(tags)]
    _insert(ResidentTag, "resident community_code tag", rows)


def _write(
    *,
    actor,
    community: Area,
    plan: Plan,
    stored: Stored,
    grids: dict,
    buildings: dict,
    file_name: str,
) -> None:
    households = _write_places(community, plan, grids, buildings)
    created = _create_residents(community, plan.create, households)
    _update_residents(plan.update, households)
    wanted: dict[int, frozenset[str]] = {}
    for r in plan.create:
        if r.tags or r.add_tags:
            wanted[created[r.id_number][0]] = r.tags or r.add_tags or frozenset()
    replace = []
    for resident, record in plan.update:
        had = stored.tags.get(resident.pk) or frozenset()
        if record.tags is not None and had != record.tags:
            replace.append(resident.pk)
            wanted[resident.pk] = record.tags
        elif record.add_tags and not record.add_tags <= had:
            replace.append(resident.pk)
            wanted[resident.pk] = had | record.add_tags
    _write_tags(community, wanted, replace)
    row_ids = [public_id for _, public_id in created.values()]
    row_ids += [resident.public_id for resident, _ in plan.update]
    counts = {"created": len(created), "updated": len(plan.update), "unchanged": plan.unchanged}
    if created or plan.update:
        residents_changed([community.code, *(resident.community_code for resident, _ in plan.update)])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        entity="resident",
        row_ids=row_ids,
        area_codes=[community.code],
        detail={"file_name": file_name, **counts},
    )


def register_file_import(
    *, actor, community: Area, file_name: str, content: bytes, dry_run: bool, keep_good_rows: bool = False
) -> RegisterReport:
    """Check a roster file for a community and, unless `dry_run`, write it.

    Raises ApplicationError (422) for a file that cannot be read as a whole; row problems are
    in the report's errors as (row, column header, code, params), and then nothing is written,
    unless `keep_good_rows`: then the rows without an error are written and the others listed.
    The counts are those of the good rows (`good_rows` of them) when a row has an error. The
    report also lists the columns it ignored and its warnings (written all the same).
    """
    table = _read(content, file_name)
    headers = {name: table.headers.get(name, register_rules.LABELS[name]) for name in register_rules.COLUMNS}
    checked = register_rules.check_rows(table.rows, table.headers, tag_by_label=tag_by_label(), today=dt.date.today())
    # A formula cell with no stored value reads as empty: its row would be told its name is empty,
    # or its phone taken as not given. Said as what it is, in place of what the empty cell caused.
    formulas = [
        (row, headers[field])
        for row, fields in sorted(formulas_without_value(content, table, register_rules.COLUMNS).items())
        for field in fields  # in the file's column order
    ]
    formula_cells = set(formulas)
    try:
        tabular.require_rows(table, rows=checked.rows_read + len({row for row, _ in formulas}))
    except TabularError as exc:
        raise ApplicationError(CORE.of(exc.problem), {"file_name": file_name}, status=422) from exc
    stored, grids, buildings = _load_existing(community, sorted({r.id_number for r in checked.records}))
    plan, more = plan_import(checked.records, stored, community_code=community.code, headers=headers)
    report = RegisterReport(
        file_name=file_name,
        community_code=community.code,
        dry_run=dry_run,
        rows_read=checked.rows_read,
        errors=sorted(
            [e for e in checked.errors + more if (e.row, e.column) not in formula_cells]
            + [RowError(row, column, register_rules.FORMULA_NO_VALUE) for row, column in formulas],
            key=lambda e: e.row,
        ),
        ignored_columns=table.ignored,
    )
    if report.errors:
        plan = _plan_of_good_rows(report, checked.records, stored, community, headers)
    else:
        report.good_rows = len(checked.records)
    report.count(plan)
    read = register_rules.file_warnings(table.footers, table.hidden_rows)
    report.warnings = sorted(read + checked.warnings + plan.warnings, key=lambda w: w.row)
    if dry_run or (report.errors and not keep_good_rows) or report.good_rows == 0:
        return report
    try:
        with transaction.atomic():
            _write(
                actor=actor,
                community=community,
                plan=plan,
                stored=stored,
                grids=grids,
                buildings=buildings,
                file_name=file_name,
            )
    except IntegrityError as exc:  # another import or edit got there between check and write
        raise ApplicationError(str(MSG_CONFLICT), status=409) from exc
    report.imported = True
    return report


def _plan_of_good_rows(report: RegisterReport, records, stored, community: Area, headers) -> Plan:
    """The plan of the rows without an error. Leaving rows out only removes conflicts between rows;
    a row still in one (with a stored building in another grid, say) is left out too."""
    bad = {e.row for e in report.errors}
    while True:
        good = [r for r in records if r.row not in bad]
        plan, more = plan_import(good, stored, community_code=community.code, headers=headers)
        if not more:
            report.good_rows = len(good)
            return plan
        report.errors = sorted(report.errors + more, key=lambda e: e.row)
        bad |= {e.row for e in more}


def register_import_preview(*, actor, community: Area, file_name: str, content: bytes) -> RegisterImport:
    """Dry-run an upload and keep it for the confirm: the file is kept when any of its rows can be
    imported (a file with errors is imported only with `keep_good_rows` at the confirm)."""
    report = register_file_import(actor=actor, community=community, file_name=file_name, content=content, dry_run=True)
    clean = not report.errors or report.good_rows > 0
    with transaction.atomic():
        record = RegisterImport(
            actor=actor,
            community_code=community.code,
            status=flows.PREVIEWED if clean else flows.REJECTED,
            file_name=file_name[:255],
            content=content if clean else b"",
            report=report.as_dict(),
        )
        record.full_clean()
        record.save()
        transitions.start(flow=flows.REGISTER_IMPORT_FLOW, row=record, actor=actor, owner_id=getattr(actor, "pk", None))
    return record


def register_import_confirm(*, actor, register_import_id: int, keep_good_rows: bool = False) -> RegisterImport:
    """Import a previewed upload from its stored file, checked again against today's data. A file
    whose preview had rows with errors is imported only with `keep_good_rows`: its good rows (as
    they check today), the others listed in the record's report."""
    with transaction.atomic():
        record = RegisterImport.objects.select_for_update().get(pk=register_import_id)
        if record.status != flows.PREVIEWED:
            raise ApplicationError(str(MSG_NOT_PREVIEWED), status=409)
        if record.report.get("error_count") and not keep_good_rows:
            raise ApplicationError(str(MSG_KEEP_GOOD_ROWS), status=409)
        community = Area.objects.get(code=record.community_code, level=Area.Level.COMMUNITY)
        content = bytes(record.content)
        report = register_file_import(
            actor=actor,
            community=community,
            file_name=record.file_name,
            content=content,
            dry_run=False,
            keep_good_rows=keep_good_rows,
        )
        return transitions.transition(
            flow=flows.REGISTER_IMPORT_FLOW,
            row=record,
            to=flows.IMPORTED if report.imported else flows.REJECTED,
            actor=actor,
            owner_id=record.actor_id,
            # personal data is not kept twice
            also={"report": report.as_dict(), "content": b""},
        )
