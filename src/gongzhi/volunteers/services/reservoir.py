"""The reservoir: organisations, public sign-up, review along VOLUNTEER_FLOW, and audited full views."""

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
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
    """A public sign-up. Returns (volunteer, False). An ID number or phone already signed up is
    refused with a message (the community corrects details). The account is created inactive and
    opens on approval."""
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
    if code := id_rules.phone_error(phone):
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
        if password_hash is None:  # a hash is given by bulk loads (the demo), which hash once
            validate_password(password)
    except ValidationError as exc:
        errors["password"] = " ".join(exc.messages)
    if errors:
        raise ApplicationError(_("报名信息有误，请修改后再提交"), errors, status=422)
    now = timezone.now()
    fields = {
        "name": name,
        "community_code": community_code,
        "group": group,
        "skills": sorted(set(skills)),
        "availability": sorted(set(availability)),
        "unit": unit,
        "party_member": party_member,
        "consent_at": now,
        "consent_version": CONSENT_VERSION,
    }
    # A repeat sign-up is refused, never merged: merging on an ID number and phone that family and
    # colleagues know would let them change someone's details and password (review finding).
    if Volunteer.objects.filter(id_number=id_number).exists():
        raise ApplicationError(
            _("该身份证号已报名，请勿重复报名；如需修改信息请联系社区"),
            {"id_number": _("该身份证号已报名")},
            status=409,
        )
    if Volunteer.objects.filter(phone=phone).exists() or get_user_model().objects.filter(username=phone).exists():
        raise ApplicationError(_("该手机号已被其他报名使用"), {"phone": _("该手机号已被其他报名使用")}, status=409)
    user = get_user_model()(username=phone, first_name=name[:150], is_active=False)
    if password_hash is None:
        user.set_password(password)
    else:
        user.password = password_hash
    try:
        with transaction.atomic():
            user.save()
            volunteer = Volunteer.objects.create(id_number=id_number, phone=phone, user=user, **fields)
            transitions.start(flow=flows.VOLUNTEER_FLOW, row=volunteer, actor=user, system=True)
    except IntegrityError as exc:  # the same person submitting twice at once
        raise ApplicationError(
            _("该身份证号已报名，请勿重复报名；如需修改信息请联系社区"),
            {"id_number": _("该身份证号已报名")},
            status=409,
        ) from exc
    return volunteer, False


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
