import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEvent, RoleAssignment, WorkflowEvent
from gongzhi.volunteers import choices, services
from gongzhi.volunteers.messages import uncovered_reason
from gongzhi.volunteers.models import (
    AidRequest,
    Assignment,
    Certificate,
    CheckIn,
    Course,
    HourEntry,
    HourTotal,
    Organisation,
    Volunteer,
)
from tests.factories import make_user_with_role, valid_id_number

pytestmark = pytest.mark.django_db

PASSWORD = "serve-the-people-2022"


def sign_up(community, n: int = 1, **overrides) -> Volunteer:
    fields = {
        "name": f"志愿者{n}",
        "id_number": valid_id_number(),
        "phone": f"139{n:08d}",
        "community_code": community.code,
        "group": "screening",
        "password": PASSWORD,
        "skills": ["medical"],
        "availability": [f"{d}-{p}" for d in choices.WEEKDAYS for p in choices.DAY_PARTS],
        "consent": True,
    }
    fields.update(overrides)
    volunteer, _merged = services.volunteer_sign_up(**fields)
    return volunteer


def approved(community, worker, n: int = 1, **overrides) -> Volunteer:
    return services.volunteer_review(
        actor=worker, volunteer=sign_up(community, n, **overrides), to_status=Volunteer.Status.APPROVED
    )


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


# --- sign-up and review ---------------------------------------------------------------------------


def test_sign_up_creates_an_inactive_account_that_approval_opens(community_a, worker_a):
    volunteer = sign_up(community_a)
    assert volunteer.status == "pending" and not volunteer.user.is_active
    assert volunteer.consent_version == choices.CONSENT_VERSION
    services.volunteer_review(actor=worker_a, volunteer=volunteer, to_status="approved")
    volunteer.user.refresh_from_db()
    assert volunteer.user.is_active and volunteer.user.check_password(PASSWORD)
    assert RoleAssignment.objects.filter(user=volunteer.user, role="volunteer", area_code=community_a.code).exists()
    steps = WorkflowEvent.objects.filter(flow="volunteer", row_key=volunteer.public_id).order_by("id")
    assert list(steps.values_list("from_status", "to_status", "actor")) == [
        ("", "pending", volunteer.user.pk),  # the public sign-up, by the volunteer's new account
        ("pending", "approved", worker_a.pk),
    ]


def test_sign_up_refuses_bad_input_with_a_message_per_field_and_writes_nothing(community_a):
    with pytest.raises(ApplicationError) as exc:
        sign_up(community_a, id_number="510104198005170000", phone="12345", group="x", consent=False, password="1")
    assert set(exc.value.extra) >= {"id_number", "phone", "group", "consent", "password"}
    assert Volunteer.objects.count() == 0


def test_a_repeat_sign_up_is_refused_and_changes_nothing(community_a, community_b, worker_a):
    """Merging on an ID number and phone would let anyone who knows them change the details and
    password of a pending volunteer; a repeat is refused, whoever sends it."""
    first = sign_up(community_a, 1, skills=["medical"])
    with pytest.raises(ApplicationError, match="该身份证号已报名"):
        sign_up(
            community_b,
            1,
            id_number=first.id_number,
            phone=first.phone,
            skills=["driving"],
            password="another-pass-2022",
        )
    with pytest.raises(ApplicationError, match="该手机号已被其他报名使用"):
        sign_up(community_a, 2, phone=first.phone)
    first.refresh_from_db()
    first.user.refresh_from_db()
    assert first.community_code == community_a.code and first.skills == ["medical"]
    assert first.user.check_password(PASSWORD) and Volunteer.objects.count() == 1


def test_review_follows_the_transition_table(community_a, worker_a):
    volunteer = sign_up(community_a)
    with pytest.raises(ApplicationError):
        services.volunteer_review(actor=worker_a, volunteer=volunteer, to_status="suspended")
    services.volunteer_review(actor=worker_a, volunteer=volunteer, to_status="rejected")
    with pytest.raises(ApplicationError):
        services.volunteer_review(actor=worker_a, volunteer=volunteer, to_status="approved")


def test_party_member_reports_to_the_home_community_on_approval(community_a, worker_a):
    unit = services.organisation_create(actor=worker_a, kind="unit", name="锦江区某局", community_code=community_a.code)
    volunteer = approved(community_a, worker_a, party_member=True, unit=unit)
    assert volunteer.party_reported_at is not None and volunteer.unit == unit
    with pytest.raises(ApplicationError):
        services.organisation_create(actor=worker_a, kind="unit", name="锦江区某局", community_code=community_a.code)
    assert Organisation.objects.count() == 1


# --- training, posts, rosters ---------------------------------------------------------------------


def test_roster_respects_training_and_names_the_posts_it_could_not_cover(community_a, worker_a):
    day = timezone.localdate() + dt.timedelta(days=1)
    protection = Course.objects.get(code="protection")
    trained = approved(community_a, worker_a, 1)
    untrained = approved(community_a, worker_a, 2)
    session = services.training_session_create(
        actor=worker_a, course=protection, community_code=community_a.code, starts_at=timezone.now()
    )
    assert services.attendance_record(actor=worker_a, session=session, volunteers=[trained]) == 1
    assert services.attendance_record(actor=worker_a, session=session, volunteers=[trained]) == 0
    site = services.post_create(
        actor=worker_a, community_code=community_a.code, name="3号采样点扫码", group="screening", training=protection
    )
    driving = services.post_create(
        actor=worker_a, community_code=community_a.code, name="物资车", group="transport", skills=["driving"]
    )
    services.shift_create(actor=worker_a, post=site, starts_at=at(day, 8), ends_at=at(day, 12), needed=2)
    services.shift_create(actor=worker_a, post=driving, starts_at=at(day, 8), ends_at=at(day, 12), needed=1)
    result = services.roster_build(actor=worker_a, community_code=community_a.code, day=day, time_limit=5)
    assert result.status == "optimal"
    assert list(Assignment.objects.values_list("volunteer_id", "shift__post__name")) == [(trained.pk, "3号采样点扫码")]
    reasons = {u.post_name: uncovered_reason(u) for u in result.uncovered}
    assert set(reasons) == {"3号采样点扫码", "物资车"}
    assert "“驾驶”" in reasons["物资车"]  # the skill by its name, not its code
    assert untrained.assignments.count() == 0


def test_mobilisation_asks_the_whole_street(community_a, community_b, worker_a, worker_b):
    day = timezone.localdate() + dt.timedelta(days=1)
    neighbour = approved(community_b, worker_b, 7)
    post = services.post_create(actor=worker_a, community_code=community_a.code, name="2号门值守", group="safety")
    services.shift_create(actor=worker_a, post=post, starts_at=at(day, 8), ends_at=at(day, 12), needed=1)
    alone = services.roster_build(actor=worker_a, community_code=community_a.code, day=day, time_limit=5)
    assert alone.covered == 0
    mobilised = services.roster_build(
        actor=worker_a, community_code=community_a.code, day=day, reservoir="street", time_limit=5
    )
    assert mobilised.covered == 1
    assert Assignment.objects.get().volunteer == neighbour and Assignment.objects.get().source == "mobilised"


# --- check-in, hours, certificates ----------------------------------------------------------------


@pytest.fixture
def rostered(community_a, worker_a):
    day = timezone.localdate()
    volunteer = approved(community_a, worker_a)
    post = services.post_create(actor=worker_a, community_code=community_a.code, name="楼栋配送", group="transport")
    shift = services.shift_create(actor=worker_a, post=post, starts_at=at(day, 8), ends_at=at(day, 12), needed=1)
    Assignment.objects.create(shift=shift, volunteer=volunteer, community_code=community_a.code, source="manual")
    return volunteer, post, day


def test_a_check_in_at_a_post_with_no_shift_says_so(rostered, worker_a, community_a):
    volunteer, _post, day = rostered
    other = services.post_create(actor=worker_a, community_code=community_a.code, name="核酸扫码", group="screening")
    # rostered elsewhere: told the shift they do have
    with pytest.raises(ApplicationError, match="您的班次：楼栋配送"):
        services.checkin(volunteer=volunteer, post=other, now=at(day, 9))
    Assignment.objects.filter(volunteer=volunteer).delete()
    with pytest.raises(ApplicationError, match="在核酸扫码没有排班"):
        services.checkin(volunteer=volunteer, post=other, now=at(day, 9))


def test_check_in_and_out_counts_hours_within_the_shift_once_confirmed(rostered, worker_a):
    volunteer, post, day = rostered
    # too early: the refusal names the volunteer's shift, where and when
    with pytest.raises(ApplicationError, match="您的班次：楼栋配送，.* 08:00–12:00（可提前30分钟签到）"):
        services.checkin(volunteer=volunteer, post=post, now=at(day, 6))
    services.checkin(volunteer=volunteer, post=post, now=at(day, 7, 45))
    with pytest.raises(ApplicationError, match="已经签到过了"):
        services.checkin(volunteer=volunteer, post=post, now=at(day, 8))
    record = services.checkout(volunteer=volunteer, post=post, now=at(day, 12, 30))
    assert services.checkin_hours(record) == Decimal("4.00")  # 07:45-12:30 counted within 08:00-12:00
    with pytest.raises(ApplicationError):
        services.checkout(volunteer=volunteer, post=post, now=at(day, 12, 40))
    entry = services.checkin_confirm(actor=worker_a, record=record)
    volunteer.refresh_from_db()
    assert entry.hours == Decimal("4.00") and volunteer.hours_total == Decimal("4.00")
    assert HourTotal.objects.get().hours == Decimal("4.00")
    with pytest.raises(ApplicationError):
        services.checkin_confirm(actor=worker_a, record=record)
    assert HourEntry.objects.count() == 1 and CheckIn.objects.get().status == "confirmed"


def test_corrections_are_ledger_entries_audited_and_issue_certificates(rostered, worker_a):
    volunteer, _post, day = rostered
    with pytest.raises(ApplicationError):
        services.hours_correct(actor=worker_a, volunteer=volunteer, hours=Decimal("3"), reason="", served_on=day)
    with pytest.raises(ApplicationError):
        services.hours_correct(actor=worker_a, volunteer=volunteer, hours=Decimal("-1"), reason="录错", served_on=day)
    services.hours_correct(
        actor=worker_a, volunteer=volunteer, hours=Decimal("10.5"), reason="补录9月1日", served_on=day
    )
    volunteer.refresh_from_db()
    assert volunteer.hours_total == Decimal("10.50")
    assert list(Certificate.objects.values_list("threshold", flat=True)) == [10]
    assert AuditEvent.objects.filter(entity="volunteer_hours", row_ids=[volunteer.public_id]).exists()
    assert HourEntry.objects.get().kind == "correction" and HourTotal.objects.get().entries == 1


def test_hardship_aid_goes_community_then_street(rostered, worker_a, community_a):
    volunteer, _post, _day = rostered
    street = make_user_with_role("street", "street_staff", community_a.code[:9])
    with pytest.raises(ApplicationError):
        services.aid_request_submit(volunteer=volunteer, kind="illness", description="病")
    aid = services.aid_request_submit(
        volunteer=volunteer, kind="illness", description="家人住院，收入减少", amount=Decimal("2000")
    )
    # the street cannot skip the community
    with pytest.raises(ApplicationError, match="状态不能从“已提交”变为“已批准”"):
        services.aid_transition(actor=street, request=aid, to_status="approved")
    with pytest.raises(ApplicationError, match="社区"):
        services.aid_transition(actor=street, request=aid, to_status="community_approved")
    services.aid_transition(actor=worker_a, request=aid, to_status="community_approved")
    with pytest.raises(ApplicationError, match="街道"):
        services.aid_transition(actor=worker_a, request=aid, to_status="approved")
    services.aid_transition(actor=street, request=aid, to_status="approved")
    services.aid_transition(actor=street, request=aid, to_status="paid")
    assert AidRequest.objects.get().status == "paid"
    steps = WorkflowEvent.objects.filter(flow="aid", row_key=aid.public_id).order_by("id")
    assert [(e.to_status, e.actor_id) for e in steps] == [
        ("submitted", volunteer.user_id),
        ("community_approved", worker_a.pk),
        ("approved", street.pk),
        ("paid", street.pk),
    ]


def test_a_second_roster_run_keeps_places_held_and_never_double_books(community_a, community_b, worker_a, worker_b):
    """Found in review: re-running fills on top of places still held, and mobilising booked a
    volunteer into an overlapping shift at another post."""
    day = timezone.localdate() + dt.timedelta(days=1)
    a1 = approved(community_a, worker_a, 1)
    approved(community_b, worker_b, 2)
    gate = services.post_create(actor=worker_a, community_code=community_a.code, name="1号门", group="safety")
    services.shift_create(actor=worker_a, post=gate, starts_at=at(day, 8), ends_at=at(day, 12), needed=1)
    services.roster_build(actor=worker_a, community_code=community_a.code, day=day, time_limit=5)
    assert list(Assignment.objects.values_list("volunteer_id", flat=True)) == [a1.pk]
    depot = services.post_create(actor=worker_a, community_code=community_a.code, name="物资点", group="transport")
    services.shift_create(actor=worker_a, post=depot, starts_at=at(day, 10), ends_at=at(day, 16), needed=1)
    result = services.roster_build(
        actor=worker_a, community_code=community_a.code, day=day, reservoir="street", time_limit=5
    )
    held = list(Assignment.objects.values_list("shift__post__name", "volunteer_id").order_by("shift__post__name"))
    assert ("1号门", a1.pk) in held and len([h for h in held if h[0] == "1号门"]) == 1  # not overfilled
    assert ("物资点", a1.pk) not in held  # overlaps a1's gate shift
    assert result.covered == len([h for h in held if h[0] == "物资点"])


def test_corrections_refuse_nan_and_round_to_cents(rostered, worker_a):
    volunteer, _post, day = rostered
    for bad in ("NaN", "sNaN", "Infinity", "0.001", "1e30", "-1e30", "1e309"):
        with pytest.raises(ApplicationError):
            services.hours_correct(actor=worker_a, volunteer=volunteer, hours=Decimal(bad), reason="x", served_on=day)
    with pytest.raises(ApplicationError):
        services.aid_request_submit(
            volunteer=volunteer, kind="income", description="收入减少很多", amount=Decimal("NaN")
        )
    assert HourEntry.objects.count() == 0


def test_back_to_back_shifts_at_one_post_check_in_to_the_next(rostered, worker_a, community_a):
    volunteer, post, day = rostered
    later = services.shift_create(actor=worker_a, post=post, starts_at=at(day, 12), ends_at=at(day, 16), needed=1)
    Assignment.objects.create(shift=later, volunteer=volunteer, community_code=community_a.code, source="manual")
    first = services.checkin(volunteer=volunteer, post=post, now=at(day, 8))
    second = services.checkin(volunteer=volunteer, post=post, now=at(day, 11, 45))
    assert first.assignment.shift.starts_at == at(day, 8) and second.assignment.shift == later
