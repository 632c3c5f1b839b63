"""The reservoir: organisations, public sign-up, review along VOLUNTEER_FLOW, and audited full views."""

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import roles, transitions
from gongzhi.core.cleaning import clean_code, clean_text
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent, RoleAssignment
from gongzhi.core.services import audit_record
from gongzhi.people import id_rules
from gongzhi.people.messages import PEOPLE
from gongzhi.places.models import Area
from gongzhi.volunteers import flows
from gongzhi.volunteers.choices import AVAILABILITY, CONSENT_VERSION, SKILLS
from gongzhi.volunteers.models import Organisation, Volunteer
from gongzhi.volunteers.services.common import community


def organisation_create(*, actor, kind: str, name: str, community_code: str, parent=None) -> Organisation:
    name = clean_text(name)[:100]
    if not name:
        raise ApplicationError(_("请填写组织名称"), status=422)
    if kind not in Organisation.Kind.values:
        raise ApplicationError(_("组织类型不正确"), status=422)
    community(community_code)
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(
                kind=kind, name=name, community_code=community_code, parent=parent
            )
            _created(actor, "organisation", organisation.public_id, community_code)
            return organisation
    except IntegrityError as exc:
        raise ApplicationError(_("本社区已有同名组织"), status=409) from exc


def _created(actor, entity: str, row_id: str, community_code: str) -> None:
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, entity=entity, row_ids=[row_id], area_codes=[community_code]
    )


def _sign_up_fields(
    *,
    name: str,
    id_number: str,
    phone: str,
    community_code: str,
    group: str,
    password: str,
    skills: Sequence[str],
    availability: Sequence[str],
    unit: Organisation | None,
    party_member: bool,
    consent: bool,
    check_password: bool,
) -> tuple[str, str, dict[str, Any]]:
    """The checked ID number, phone and other fields of a sign-up; ApplicationError (422) with a
    message per field. Nothing here depends on who has signed up before."""
    errors: dict[str, str] = {}
    name = clean_text(name)[:50]
    id_number = clean_code(id_number).upper()
    phone = clean_code(phone)
    if not consent:
        errors["consent"] = _("请阅读并同意个人信息处理规则")
    if not name:
        errors["name"] = _("请填写姓名")
    if code := id_rules.id_number_error(id_number):
        errors["id_number"] = PEOPLE.text(code)
    if code := id_rules.mobile_error(phone):
        errors["phone"] = PEOPLE.text(code)
    if group not in Volunteer.Group.values:
        errors["group"] = _("请选择服务队伍")
    bad_skills = [s for s in skills if s not in SKILLS]
    bad_times = [t for t in availability if t not in AVAILABILITY]
    if bad_skills or bad_times:
        errors["skills"] = _("技能或可服务时段不正确")
    if not Area.objects.filter(code=community_code, level=Area.Level.COMMUNITY).exists():
        errors["community_code"] = _("请选择所在社区")
    if unit is not None and unit.kind != Organisation.Kind.UNIT:
        errors["unit"] = _("所在单位不正确")
    try:
        if check_password:
            validate_password(password)
    except ValidationError as exc:
        errors["password"] = " ".join(exc.messages)
    if errors:
        raise ApplicationError(_("报名信息有误，请修改后再提交"), errors, status=422)
    fields = {
        "name": name,
        "community_code": community_code,
        "group": group,
        "skills": sorted(set(skills)),
        "availability": sorted(set(availability)),
        "unit": unit,
        "party_member": party_member,
        "consent_at": timezone.now(),
        "consent_version": CONSENT_VERSION,
    }
    return id_number, phone, fields


def _taken(id_number: str, phone: str) -> bool:
    """An ID number or phone already signed up, or a phone that is already someone's login."""
    return (
        Volunteer.objects.filter(Q(id_number=id_number) | Q(phone=phone)).exists()
        or get_user_model().objects.filter(username=phone).exists()
    )


def _create(*, id_number: str, phone: str, fields: dict[str, Any], password_hash: str) -> Volunteer:
    """The inactive account and the pending volunteer. IntegrityError when the ID number or phone
    was taken meanwhile (the same person submitting twice at once)."""
    user = get_user_model()(username=phone, first_name=fields["name"][:150], is_active=False, password=password_hash)
    with transaction.atomic():
        user.save()
        volunteer = Volunteer.objects.create(id_number=id_number, phone=phone, user=user, **fields)
        transitions.start(flow=flows.VOLUNTEER_FLOW, row=volunteer, actor=user, system=True)
    return volunteer


def volunteer_sign_up(
    *,
    name: str,
    id_number: str,
    phone: str,
    community_code: str,
    group: str,
    password: str,
    skills: Sequence[str] = (),
    availability: Sequence[str] = (),
    unit: Organisation | None = None,
    party_member: bool = False,
    consent: bool = False,
    password_hash: str | None = None,
) -> tuple[Volunteer, bool]:
    """A sign-up made by the platform's own code (the demo, loads, tests). Returns (volunteer, False).
    An ID number or phone already signed up is refused (409). The account is created inactive and
    opens on approval. The public page uses `volunteer_sign_up_public`, which never says so."""
    id_number, phone, fields = _sign_up_fields(
        name=name, id_number=id_number, phone=phone, community_code=community_code, group=group,
        password=password, skills=skills, availability=availability, unit=unit, party_member=party_member,
        consent=consent, check_password=password_hash is None,
    )  # fmt: skip
    if Volunteer.objects.filter(id_number=id_number).exists():
        raise _repeat_refused()
    if Volunteer.objects.filter(phone=phone).exists() or get_user_model().objects.filter(username=phone).exists():
        raise ApplicationError(_("该手机号已被其他报名使用"), {"phone": _("该手机号已被其他报名使用")}, status=409)
    try:
        # A hash is given by bulk loads (the demo), which hash once for everyone.
        volunteer = _create(
            id_number=id_number, phone=phone, fields=fields, password_hash=password_hash or make_password(password)
        )
    except IntegrityError as exc:  # the same person submitting twice at once
        raise _repeat_refused() from exc
    return volunteer, False


def _repeat_refused() -> ApplicationError:
    return ApplicationError(
        _("该身份证号已报名，请勿重复报名；如需修改信息请联系社区"),
        {"id_number": _("该身份证号已报名")},
        status=409,
    )


def volunteer_sign_up_public(
    *,
    name: str,
    id_number: str,
    phone: str,
    community_code: str,
    group: str,
    password: str,
    skills: Sequence[str] = (),
    availability: Sequence[str] = (),
    unit: Organisation | None = None,
    party_member: bool = False,
    consent: bool = False,
) -> None:
    """The public page's sign-up. A new one makes an inactive account and a pending volunteer. A
    repeat (an ID number or phone already signed up, or a phone that is someone's login) is answered
    the same way and does the same costly work (the password is hashed), but changes nothing stored:
    merging would let anyone who knows a person's ID number and phone change their details and
    password, and refusing would tell anyone whether a number is signed up. Each volunteer it names
    is flagged (`repeat_sign_ups`, `repeat_sign_up_at`) for the community to look into.
    Raises ApplicationError (422) only for input that is wrong whoever has signed up before."""
    id_number, phone, fields = _sign_up_fields(
        name=name, id_number=id_number, phone=phone, community_code=community_code, group=group,
        password=password, skills=skills, availability=availability, unit=unit, party_member=party_member,
        consent=consent, check_password=True,
    )  # fmt: skip
    password_hash = make_password(password)  # before the check: a repeat costs what a new one does
    if not _taken(id_number, phone):
        try:
            _create(id_number=id_number, phone=phone, fields=fields, password_hash=password_hash)
            return
        except IntegrityError:  # taken meanwhile: a repeat after all
            pass
    _flag_repeat(id_number, phone)


def _flag_repeat(id_number: str, phone: str) -> None:
    with transaction.atomic():
        Volunteer.objects.filter(Q(id_number=id_number) | Q(phone=phone)).update(
            repeat_sign_ups=F("repeat_sign_ups") + 1, repeat_sign_up_at=timezone.now()
        )


def volunteer_review(*, actor, volunteer: Volunteer, to_status: str, note: str = "") -> Volunteer:
    """Approve, reject, suspend or reinstate a volunteer (VOLUNTEER_FLOW), by someone who manages
    volunteers where the volunteer lives. Approval opens the volunteer's account with the volunteer
    role on their community; a party member who signed up counts as having reported to their
    residential community (在职党员报到)."""
    now = timezone.now()
    with transaction.atomic():
        also = {"reviewed_by": actor, "reviewed_at": now, "review_note": note[:200]}
        if to_status == flows.APPROVED and volunteer.party_member and not volunteer.party_reported_at:
            also["party_reported_at"] = now
        volunteer = transitions.transition(
            flow=flows.VOLUNTEER_FLOW, row=volunteer, to=to_status, actor=actor, reason=note, also=also
        )
        user = volunteer.user
        if user is not None:
            user.is_active = to_status == flows.APPROVED
            user.save(update_fields=["is_active"])
            if user.is_active:
                RoleAssignment.objects.get_or_create(
                    user=user, role=roles.VOLUNTEER, area_code=volunteer.community_code, grid=None, building=None
                )
    return volunteer


def volunteer_reveal(*, actor, volunteer: Volunteer, ip_address: str | None = None) -> None:
    """Record that the actor saw this volunteer's ID number and phone in full."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.VIEW_FULL,
        entity="volunteer",
        row_ids=[volunteer.public_id],
        area_codes=[volunteer.community_code],
        ip_address=ip_address,
    )
