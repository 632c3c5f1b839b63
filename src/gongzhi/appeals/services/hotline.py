"""12345 hotline work orders: a file checked first (every bad row named, every column either read
or reported as ignored), then imported when the worker confirms: the good rows only when some were
bad, and only if the worker says so. Re-importing the same file changes nothing (the work-order
number is unique). An address that matches one household in the importer's area is placed on it;
any other waits unplaced at its street (found by name in the address when the importer is above
streets), never dropped."""

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals import hotline_file
from gongzhi.appeals.messages import APPEALS
from gongzhi.appeals.models import Appeal, Channel, HotlineImport
from gongzhi.appeals.services.requests import appeal_unplaced
from gongzhi.appeals.services.submit import appeal_submit, check_request_fields
from gongzhi.core import access, roles
from gongzhi.core.cleaning import to_half_width
from gongzhi.core.errors import ApplicationError
from gongzhi.core.messages import CORE
from gongzhi.core.scope import in_area
from gongzhi.core.services import audit_record
from gongzhi.core.tabular import TabularError
from gongzhi.places.models import Area, Household

MAX_BYTES = 10 * 1024 * 1024
MIN_SUFFIX = 4
_SPACES = re.compile(r"\s+")
_PAREN_TAIL = re.compile(r"\([^()]*\)$")  # （老人独居）, half-width by then
_CHINESE_NUMBER = re.compile(r"([零〇一二两三四五六七八九十]+)(?=栋|幢|号楼|号栋|单元)")
_CHINESE_DIGITS = {c: n for n, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_BUILDING_WORD = re.compile(r"([0-9]+)(?:号楼|号栋|幢|栋)")
_ROOM_TAIL = re.compile(r"(号房|室|房|号)$")
_DASHED = re.compile(r"([0-9]+)(?:栋|-)([0-9]+)-([0-9]+)$")  # 1-1-101, 1栋1-101
_ROOM = re.compile(r"[0-9A-Za-z]+$")
_COMPOUND = re.compile(r"[^0-9栋单元-]")  # a door part that names more than building, unit and room


def normalise_address(text: str) -> str:
    """An address as addresses are compared: half-width, no spaces, no trailing remark in brackets
    （老人独居）, 小区 left out, building numbers in digits and named 栋 (1幢, 1号楼, 一栋), the unit
    written out (1-1-101 and 1栋1-101 are 1栋1单元101), without a trailing 室/号."""
    text = _SPACES.sub("", to_half_width(text or ""))
    while _PAREN_TAIL.search(text):
        text = _PAREN_TAIL.sub("", text)
    text = _CHINESE_NUMBER.sub(lambda m: str(_chinese_number(m[1])), text.replace("小区", ""))
    text = _ROOM_TAIL.sub("", _BUILDING_WORD.sub(r"\1栋", text))
    return _DASHED.sub(r"\1栋\2单元\3", text)


def _chinese_number(text: str) -> int:
    """一 1, 十二 12, 二十 20, 二十三 23; digits one by one otherwise (一〇一 101)."""
    if "十" in text:
        tens, _ten, ones = text.partition("十")
        return _CHINESE_DIGITS.get(tens, 1) * 10 + _CHINESE_DIGITS.get(ones, 0)
    return int("".join(str(_CHINESE_DIGITS[c]) for c in text))


def _door(normalised: str) -> str:
    """What follows the road number (书院横街39号明珠华庭1栋1单元101: 明珠华庭1栋1单元101)."""
    return normalised.rpartition("号")[2]


def households_at(addresses: list[str], area_code: str) -> dict[str, tuple[int | None, int]]:
    """Address -> (the id of the household at it inside `area_code`, or None; the number that
    matched: 0, 1, or more, then ambiguous and None). Addresses are compared normalised: the
    longest household address that ends the request's wins (the city, district and street written
    before the door or not); a household whose door (compound, building, unit, room: its address
    after the road number) ends the request's counts as well, so the road number may be left out.
    Two households at the longest match: none is chosen."""
    keys = {address: normalise_address(address) for address in set(addresses)}
    rooms = {room[0] for key in keys.values() if (room := _ROOM.search(key))}
    by_address: dict[str, set[int]] = {}
    for chunk in _chunks(sorted(rooms)):
        forms = [room + tail for room in chunk for tail in ("", "室", "号", "房")]
        for pk, address in Household.objects.filter(in_area("community_code", area_code), room__in=forms).values_list(
            "id", "address"
        ):
            normalised = normalise_address(address)
            by_address.setdefault(normalised, set()).add(pk)
            if _COMPOUND.search(door := _door(normalised)) and door != normalised:
                by_address.setdefault(door, set()).add(pk)
    found: dict[str, tuple[int | None, int]] = {}
    for address, key in keys.items():
        found[address] = (None, 0)
        for start in range(len(key) - MIN_SUFFIX + 1):
            ids = by_address.get(key[start:])
            if ids:
                found[address] = (next(iter(ids)), 1) if len(ids) == 1 else (None, len(ids))
                break
    return found


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def household_at(address: str, area_code: str) -> tuple[Household | None, int]:
    """The household at a hotline's address inside `area_code` (as `households_at`), with the number
    of households that matched (0, 1, or more: ambiguous, then None)."""
    pk, count = households_at([address], area_code)[address]
    return (Household.objects.select_related("building").get(pk=pk) if pk else None), count


def queue_area(address: str, area_code: str) -> str:
    """Where an unplaced request waits, as a 12-digit official code: the importer's street, or the
    street named in the address when the importer is above streets, else the importer's own area."""
    if len(area_code) >= 9:
        return area_code[:9].ljust(12, "0")
    text = normalise_address(address)
    best = ""
    for code, name in Area.objects.filter(level=Area.Level.STREET, code__startswith=area_code).values_list(
        "code", "name"
    ):
        for form in {name, re.sub(r"(街道办事处|街道|镇|乡)$", "", name)}:
            if len(form) >= 2 and form in text and len(form) > len(best.partition(":")[2]):
                best = f"{code}:{form}"
    return (best.partition(":")[0] or area_code).ljust(12, "0")


@dataclass
class HotlineReport:
    rows: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    to_create: int = 0
    existing: int = 0
    placed: int = 0
    unplaced: int = 0
    written: bool = False
    # (row, words) of rows imported all the same: a phone left out or cut, a text cut
    warnings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def error_rows(self) -> int:
        """Rows with an error (a row may have several: `errors` holds one line each)."""
        return len({row for row, _ in self.errors})

    def as_stored(self) -> dict[str, Any]:
        """As a pending import keeps its check (HotlineImport.report)."""
        counts = {name: getattr(self, name) for name in ("rows", "to_create", "existing", "placed", "unplaced")}
        lines = {"errors": [list(e) for e in self.errors], "warnings": [list(w) for w in self.warnings]}
        return {"ignored": self.ignored, **counts, **lines}

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> "HotlineReport":
        return cls(
            rows=stored["rows"],
            errors=[(row, words) for row, words in stored["errors"]],
            ignored=list(stored["ignored"]),
            to_create=stored["to_create"],
            existing=stored["existing"],
            placed=stored["placed"],
            unplaced=stored["unplaced"],
            warnings=[(row, words) for row, words in stored["warnings"]],
        )


def _read(content: bytes, file_name: str) -> hotline_file.HotlineFile:
    try:
        return hotline_file.read_hotline_file(content, file_name, now=timezone.localtime().replace(tzinfo=None))
    except TabularError as exc:
        raise ApplicationError(CORE.text(exc.problem.code, **exc.problem.params), status=422) from exc


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def hotline_check(*, actor: Any, area_code: str, file_name: str, content: bytes) -> tuple[HotlineImport, HotlineReport]:
    """The page's first step: the file checked and kept (nothing imported) until the worker confirms.
    The check's report is kept with it, so the pending page shows it without checking the file again
    (`pending_report`); the confirmation checks the file again, against what exists then."""
    report = hotline_import(actor=actor, area_code=area_code, file_name=file_name, content=content, dry_run=True)
    pending = HotlineImport.objects.create(
        community_code=area_code,
        file_name=file_name[:200],
        content=content,
        rows=report.rows,
        errors=[[r, m] for r, m in report.errors],
        report=report.as_stored(),
        actor=actor if getattr(actor, "pk", None) else None,
    )
    return pending, report


def pending_report(*, actor: Any, pending: HotlineImport) -> HotlineReport | None:
    """What the check of a pending import found, as stored with it; an import checked before reports
    were kept is checked again. None once it is confirmed or discarded."""
    if pending.confirmed_at is not None or pending.content is None:
        return None
    if pending.report:
        return HotlineReport.from_stored(pending.report)
    return hotline_import(
        actor=actor,
        area_code=pending.community_code,
        file_name=pending.file_name,
        content=bytes(pending.content),
        dry_run=True,
    )


def hotline_confirm(*, actor: Any, pending: HotlineImport, keep_good_rows: bool) -> HotlineReport:
    """The worker confirms a checked file: imported (the good rows only, when `keep_good_rows`)."""
    if pending.confirmed_at is not None or pending.content is None:
        raise ApplicationError(_("这个文件已经导入过了"), status=409)
    report = hotline_import(
        actor=actor,
        area_code=pending.community_code,
        file_name=pending.file_name,
        content=bytes(pending.content),
        dry_run=False,
        keep_good_rows=keep_good_rows,
        record=pending,
    )
    if not report.written:
        raise ApplicationError(_("文件有错误行：请确认只导入正确的行，或改正后重新上传"), status=409)
    return report


def hotline_import(
    *,
    actor: Any,
    area_code: str,
    file_name: str,
    content: bytes,
    dry_run: bool,
    keep_good_rows: bool = False,
    record: HotlineImport | None = None,
) -> HotlineReport:
    """Check a hotline file and, unless `dry_run`, import it. With bad rows nothing is written unless
    `keep_good_rows` (the worker confirmed that the good rows go in without the bad ones)."""
    if actor is not None and not access.may_in_area(actor, roles.IMPORT_HOTLINE, area_code):
        raise ApplicationError(_("您不能为这一区域导入12345工单"), status=403)
    if len(content) > MAX_BYTES:
        raise ApplicationError(_("文件过大（最大10MB）"), status=422)
    parsed = _read(content, file_name)
    report = HotlineReport(rows=len(parsed.rows) + len({n for n, _p in parsed.errors}), ignored=list(parsed.ignored))
    report.errors = [(row, APPEALS.text(p.code, **p.params)) for row, p in parsed.errors]
    report.warnings = [(row, APPEALS.text(p.code, **p.params)) for row, p in parsed.warnings]
    good = []
    for row in parsed.rows:  # what the request itself refuses is that row's error, found before anything is written
        try:
            check_request_fields(category=row.category, text=row.text, caller_phone=row.phone)
        except ApplicationError as exc:
            report.errors.append((row.row, exc.message))
        else:
            good.append(row)
    report.errors.sort(key=lambda error: error[0])
    known = set(Appeal.objects.filter(hotline_ref__in=[r.ref for r in good]).values_list("hotline_ref", flat=True))
    fresh = [r for r in good if r.ref not in known]
    report.existing = len(good) - len(fresh)
    report.to_create = len(fresh)
    at = households_at([row.address for row in fresh], area_code)
    matches = [(row, at[row.address][0]) for row in fresh]
    report.placed = sum(1 for _row, pk in matches if pk is not None)
    report.unplaced = len(matches) - report.placed
    if dry_run or (report.errors and not keep_good_rows):
        return report
    households = Household.objects.select_related("building").in_bulk({pk for _row, pk in matches if pk})
    created: list[str] = []
    for row, pk in matches:
        household = households.get(pk) if pk else None
        try:
            with transaction.atomic():
                if household is not None:
                    appeal = appeal_submit(
                        household=household,
                        category=row.category,
                        text=row.text,
                        channel=Channel.HOTLINE,
                        actor=actor,
                        caller_name=row.caller,
                        caller_phone=row.phone,
                        received_at=_aware(row.received_at),
                        hotline_ref=row.ref,
                        address_text=row.address,
                    )
                else:
                    appeal = appeal_unplaced(
                        actor=actor,
                        area_code=queue_area(row.address, area_code),
                        category=row.category,
                        text=row.text,
                        caller_name=row.caller,
                        caller_phone=row.phone,
                        address_text=row.address,
                        received_at=_aware(row.received_at),
                        hotline_ref=row.ref,
                    )
            created.append(appeal.public_id)
        except IntegrityError:
            # Imported meanwhile by someone else (the same file twice at once): it is there once.
            report.existing += 1
            report.to_create -= 1
        except ApplicationError as exc:
            report.errors.append((row.row, exc.message))
            report.to_create -= 1
    with transaction.atomic():
        record = record or HotlineImport(community_code=area_code, file_name=file_name[:200])
        record.rows, record.errors, record.content = report.rows, [[r, m] for r, m in report.errors], None
        record.created_count, record.existing_count, record.unplaced_count = (
            len(created),
            report.existing,
            report.unplaced,
        )
        record.confirmed_at, record.actor = timezone.now(), actor if getattr(actor, "pk", None) else None
        record.save()
        audit_record(
            actor=actor,
            action="import",
            entity="appeal",
            row_ids=created,
            area_codes=[area_code],
            detail={"file": file_name[:200], "existing": report.existing, "errors": len(report.errors)},
        )
    report.written = True
    return report
