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
from gongzhi.appeals.services.requests import appeal_submit, appeal_unplaced, check_request_fields
from gongzhi.core import access, roles
from gongzhi.core.cleaning import to_half_width
from gongzhi.core.errors import ApplicationError
from gongzhi.core.messages import CORE
from gongzhi.core.scope import in_area
from gongzhi.core.services import audit_record
from gongzhi.core.tabular import TabularError
from gongzhi.places.models import Area, Household

MAX_BYTES = 10 * 1024 * 1024
_SPACES = re.compile(r"\s+")
_ROOM_TAIL = re.compile(r"(号房|室|房|号)$")
MIN_SUFFIX = 4


def normalise_address(text: str) -> str:
    """As addresses are compared: half-width, no spaces, without a trailing 室/房."""
    return _ROOM_TAIL.sub("", _SPACES.sub("", to_half_width(text or "")))


def household_at(address: str, area_code: str) -> tuple[Household | None, int]:
    """The household whose door address ends the hotline's address (the city, district and street
    written before it or not), inside `area_code`; with the number of households that matched (0, 1,
    or more: ambiguous, then None)."""
    text = normalise_address(address)
    suffixes = {text[i:] for i in range(len(text) - MIN_SUFFIX + 1)}
    suffixes |= {s + tail for s in list(suffixes) for tail in ("室", "号")}
    if not suffixes:
        return None, 0
    found = list(
        Household.objects.filter(in_area("community_code", area_code), address__in=suffixes)
        .select_related("building")
        .order_by("-id")[:50]
    )
    if not found:
        return None, 0
    longest = max(len(h.address) for h in found)
    best = [h for h in found if len(h.address) == longest]
    return (best[0], 1) if len(best) == 1 else (None, len(best))


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

    @property
    def error_rows(self) -> int:
        """Rows with an error (a row may have several: `errors` holds one line each)."""
        return len({row for row, _ in self.errors})


def _read(content: bytes, file_name: str) -> hotline_file.HotlineFile:
    try:
        return hotline_file.read_hotline_file(content, file_name, now=timezone.localtime().replace(tzinfo=None))
    except TabularError as exc:
        raise ApplicationError(CORE.text(exc.problem.code, **exc.problem.params), status=422) from exc


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def hotline_check(*, actor: Any, area_code: str, file_name: str, content: bytes) -> tuple[HotlineImport, HotlineReport]:
    """The page's first step: the file checked and kept (nothing imported) until the worker confirms."""
    report = hotline_import(actor=actor, area_code=area_code, file_name=file_name, content=content, dry_run=True)
    pending = HotlineImport.objects.create(
        community_code=area_code,
        file_name=file_name[:200],
        content=content,
        rows=report.rows,
        errors=[[r, m] for r, m in report.errors],
        actor=actor if getattr(actor, "pk", None) else None,
    )
    return pending, report


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
    matches = [(row, household_at(row.address, area_code)[0]) for row in fresh]
    report.placed = sum(1 for _row, h in matches if h is not None)
    report.unplaced = len(matches) - report.placed
    if dry_run or (report.errors and not keep_good_rows):
        return report
    created: list[str] = []
    for row, household in matches:
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
