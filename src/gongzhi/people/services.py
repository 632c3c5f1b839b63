"""Writes for residents. Gender and birth date always come from the ID number (GB 11643)."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.core import events
from gongzhi.core.cleaning import clean_code, clean_text
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent
from gongzhi.core.services import audit_record
from gongzhi.people import id_rules, register_rules
from gongzhi.people.messages import PEOPLE
from gongzhi.people.models import Resident, ResidentTag, VulnerabilityTag
from gongzhi.places.models import Household


@dataclass
class ResidentData:
    name: str
    id_number: str
    phone: str = ""
    relation: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)


def resident_data_errors(data: ResidentData) -> dict[str, str]:
    """Field -> message (in the active language) for every problem in the data (cleans it in place first)."""
    data.name = clean_text(data.name)
    data.id_number = clean_code(data.id_number)
    data.phone = id_rules.phone_number(clean_code(data.phone))
    data.relation = clean_text(data.relation)[:20]
    data.notes = clean_text(data.notes)[:500]
    errors = {}
    if not data.name:
        errors["name"] = PEOPLE.text(register_rules.NAME_EMPTY)
    elif len(data.name) > 50:
        errors["name"] = PEOPLE.text(register_rules.NAME_LONG)
    if code := id_rules.id_number_error(data.id_number):
        errors["id_number"] = PEOPLE.text(code)
    if code := id_rules.phone_error(data.phone):
        errors["phone"] = PEOPLE.text(code)
    unknown = [t for t in data.tags if t not in VulnerabilityTag.values]
    if unknown:
        errors["tags"] = PEOPLE.text("tags_unknown_field", unknown="、".join(unknown))
    return errors


def _raise_if_invalid(data: ResidentData) -> None:
    errors = resident_data_errors(data)
    if errors:
        raise ApplicationError(_("居民信息有误"), {"fields": errors}, status=422)


def _set_tags(resident: Resident, tags: list[str]) -> None:
    wanted = set(tags)
    current = set(resident.tags.values_list("tag", flat=True))
    resident.tags.filter(tag__in=current - wanted).delete()
    ResidentTag.objects.bulk_create(
        [
            ResidentTag(resident=resident, community_code=resident.community_code, tag=t)
            for t in sorted(wanted - current)
        ]
    )


def _born(id_number: str) -> dt.date:
    """The birth date of an ID number already checked (id_rules.id_number_error found none wrong)."""
    born = id_rules.birth_date_of(id_number)
    assert born is not None
    return born


def _id_number_taken() -> ApplicationError:
    message = _("该身份证号已登记")
    return ApplicationError(message, {"fields": {"id_number": message}}, status=409)


RESIDENTS_CHANGED = "people.residents_changed"


def residents_changed(community_codes) -> None:
    """Tell the apps that count residents (a round's expected figure) that these communities'
    residents changed: one event, delivered after the commit."""
    codes = sorted(set(community_codes))
    if codes:
        events.publish(RESIDENTS_CHANGED, {"communities": codes}, area_code=codes[0] if len(codes) == 1 else "")


def resident_create(*, actor, household: Household, data: ResidentData) -> Resident:
    """Register a resident in a household. Refuses an ID number already registered anywhere."""
    _raise_if_invalid(data)
    try:
        with transaction.atomic():
            if Resident.objects.filter(id_number=data.id_number).exists():
                raise _id_number_taken()
            resident = Resident(
                household=household,
                community_code=household.community_code,
                name=data.name,
                id_number=data.id_number,
                gender=id_rules.gender_of(data.id_number),
                birth_date=_born(data.id_number),
                phone=data.phone,
                relation=data.relation,
                notes=data.notes,
            )
            resident.full_clean(validate_unique=False)
            resident.save()
            _set_tags(resident, data.tags)
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                entity="resident",
                row_ids=[resident.public_id],
                area_codes=[resident.community_code],
            )
            residents_changed([resident.community_code])
    except IntegrityError as exc:  # a concurrent registration of the same ID number
        raise _id_number_taken() from exc
    return resident


def resident_update(*, actor, resident: Resident, data: ResidentData, household: Household | None = None) -> Resident:
    """Change a resident's details (and household, within the same community or the actor's areas)."""
    _raise_if_invalid(data)
    try:
        with transaction.atomic():
            if Resident.objects.filter(id_number=data.id_number).exclude(pk=resident.pk).exists():
                raise _id_number_taken()
            changed = ["name", "id_number", "gender", "birth_date", "phone", "relation", "notes", "updated_at"]
            resident.name = data.name
            resident.id_number = data.id_number
            resident.gender = id_rules.gender_of(data.id_number)
            resident.birth_date = _born(data.id_number)
            resident.phone = data.phone
            resident.relation = data.relation
            resident.notes = data.notes
            if household is not None and household.pk != resident.household_id:
                if household.community_code != resident.community_code:  # moved out: both counts change
                    residents_changed([resident.community_code, household.community_code])
                resident.household = household
                resident.community_code = household.community_code
                resident.tags.update(community_code=household.community_code)
                changed += ["household", "community_code"]
            resident.full_clean(validate_unique=False)
            resident.save(update_fields=changed)
            _set_tags(resident, data.tags)
            audit_record(
                actor=actor,
                action=AuditEvent.Action.UPDATE,
                entity="resident",
                row_ids=[resident.public_id],
                area_codes=[resident.community_code],
            )
    except IntegrityError as exc:
        raise _id_number_taken() from exc
    return resident


def resident_reveal(*, actor, resident: Resident, ip_address: str | None = None) -> Resident:
    """Record that the actor saw this resident's personal information in full."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.VIEW_FULL,
        entity="resident",
        row_ids=[resident.public_id],
        area_codes=[resident.community_code],
        ip_address=ip_address,
    )
    return resident
