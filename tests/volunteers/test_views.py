import datetime as dt
import io
from decimal import Decimal
from urllib.parse import unquote

import openpyxl
import pytest
from django.utils import timezone
from pypdf import PdfReader

from gongzhi.core.models import AuditEvent
from gongzhi.volunteers import choices, services
from gongzhi.volunteers.models import AidRequest, Assignment, CheckIn, Shift, Volunteer
from tests.factories import make_user_with_role, valid_id_number

pytestmark = pytest.mark.django_db

PASSWORD = "serve-the-people-2022"


def _form(community, **overrides):
    data = {
        "name": "李志愿",
        "id_number": valid_id_number(),
        "phone": "13800000001",
        "community_code": community.code,
        "group": "screening",
        "password": PASSWORD,
        "skills": ["medical", "driving"],
        "availability": ["mon-am", "tue-pm"],
        "consent": "on",
    }
    data.update(overrides)
    return data


def test_public_sign_up_page_refuses_bad_input_in_chinese_then_accepts(client, community_a):
    page = client.get("/join/")
    assert page.status_code == 200 and "个人信息处理规则" in page.content.decode()
    assert "水井坊" in client.get("/join/communities/", {"q": "水井坊"}).content.decode()
    bad = client.post("/join/", _form(community_a, id_number="123", consent=""))
    text = bad.content.decode()
    assert bad.status_code == 422 and "请阅读并同意个人信息处理规则" in text and 'role="alert"' in text
    assert Volunteer.objects.count() == 0
    ok = client.post("/join/", _form(community_a))
    assert ok.status_code == 200 and 'id="sign-up-done"' in ok.content.decode()
    # A repeat is answered like a new sign-up and flagged, never refused (tests/volunteers/test_sign_up.py).
    again = client.post("/join/", _form(community_a, phone="13800000002", id_number=Volunteer.objects.get().id_number))
    assert again.status_code == 200 and "该身份证号已报名" not in again.content.decode()
    assert Volunteer.objects.count() == 1 and Volunteer.objects.get().repeat_sign_ups == 1


def test_worker_approves_from_the_list_and_sees_masked_numbers(client, community_a, worker_a):
    client.post("/join/", _form(community_a))
    volunteer = Volunteer.objects.get()
    client.force_login(worker_a)
    page = client.get("/volunteers/").content.decode()
    assert "李志愿" in page and volunteer.phone not in page
    client.post(f"/volunteers/{volunteer.public_id}/review/", {"to_status": "approved"})
    volunteer.refresh_from_db()
    assert volunteer.status == "approved"
    detail = client.get(f"/volunteers/{volunteer.public_id}/").content.decode()
    assert volunteer.id_number not in detail and volunteer.phone not in detail
    outsider = make_user_with_role("other", "community_worker", "510104017002")
    client.force_login(outsider)
    assert client.get(f"/volunteers/{volunteer.public_id}/").status_code == 404
    assert "李志愿" not in client.get("/volunteers/").content.decode()


@pytest.fixture
def served(client, community_a, worker_a):
    """An approved volunteer who signed up on the page, rostered today, checked in and out."""
    client.post(
        "/join/", _form(community_a, availability=[f"{d}-{p}" for d in choices.WEEKDAYS for p in choices.DAY_PARTS])
    )
    volunteer = Volunteer.objects.get()
    services.volunteer_review(actor=worker_a, volunteer=volunteer, to_status="approved")
    now = timezone.now()
    post = services.post_create(actor=worker_a, community_code=community_a.code, name="1号门值守", group="safety")
    services.shift_create(
        actor=worker_a, post=post, starts_at=now - dt.timedelta(hours=3), ends_at=now + dt.timedelta(hours=1), needed=1
    )
    return volunteer, post


def _shift_day() -> str:
    return timezone.localtime(Shift.objects.get().starts_at).date().isoformat()


def test_roster_check_in_out_confirm_and_certificate(client, community_a, worker_a, served):
    volunteer, post = served
    client.force_login(worker_a)
    page = client.post(
        "/volunteers/posts/",
        # The shift's own day (begun three hours ago: yesterday, from midnight to 03:00 Beijing time).
        {"community_code": community_a.code, "day": _shift_day(), "action": "roster"},
    ).content.decode()
    assert 'id="roster-result"' in page and "已证明最优" in page
    assert "lp+" not in page and "min-cost" not in page and "cp-sat" not in page  # the solver's words stay out
    assert Assignment.objects.get().volunteer == volunteer
    qr = client.get(f"/volunteers/posts/{post.public_id}/qr/").content.decode()
    assert f"/checkin/{post.checkin_key}/" in qr and "<svg" in qr
    client.force_login(volunteer.user)
    assert "1号门值守" in client.get("/me/").content.decode()
    client.post(f"/checkin/{post.checkin_key}/", {"action": "in"})
    twice = client.post(f"/checkin/{post.checkin_key}/", {"action": "in"}, follow=True).content.decode()
    assert "请勿重复签到" in twice
    CheckIn.objects.update(checked_in_at=timezone.now() - dt.timedelta(hours=2))  # two hours on duty
    client.post(f"/checkin/{post.checkin_key}/", {"action": "out"})
    assert CheckIn.objects.get().status == "checked_out"
    client.force_login(worker_a)
    record = CheckIn.objects.get()
    assert client.post("/volunteers/checkins/", {"checkin": "²"}).status_code == 404  # no such record, not a 500
    client.post("/volunteers/checkins/", {"checkin": record.pk})
    volunteer.refresh_from_db()
    assert Decimal("1.99") <= volunteer.hours_total <= Decimal("2.01")
    services.hours_correct(
        actor=worker_a, volunteer=volunteer, hours=Decimal("10"), reason="补录", served_on=timezone.localdate()
    )
    cert = volunteer.certificates.get()
    client.force_login(volunteer.user)
    me = client.get("/me/").content.decode()
    assert f"/me/certificates/{cert.public_id}.pdf" in me
    pdf = client.get(f"/me/certificates/{cert.public_id}.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "志愿服务证书" in text and "李志愿" in text and "水井坊社区居委会" in text
    client.logout()
    check = client.get(f"/v/cert/{cert.public_id}/").content.decode()
    assert 'id="certificate-check"' in check and "李志愿" not in check and "李" in check
    assert "水井坊社区居委会" in check


def test_unit_report_and_hours_report_from_the_rollup(client, community_a, worker_a):
    unit = services.organisation_create(actor=worker_a, kind="unit", name="锦江区某局", community_code=community_a.code)
    volunteer = services.volunteer_review(
        actor=worker_a,
        volunteer=services.volunteer_sign_up(
            name="王报到", id_number=valid_id_number(), phone="13800000009", community_code=community_a.code,
            group="transport", password=PASSWORD, unit=unit, party_member=True, consent=True,
        )[0],
        to_status="approved",
    )  # fmt: skip
    services.hours_correct(
        actor=worker_a, volunteer=volunteer, hours=Decimal("12.5"), reason="补录", served_on=timezone.localdate()
    )
    client.force_login(worker_a)
    linkage = client.get("/volunteers/linkage/").content.decode()
    assert "锦江区某局" in linkage and "王报到" in linkage  # the party member who reported
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/volunteers/units/{unit.public_id}/report.xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[2][0] == "王报到" and rows[2][3] == 12.5 and "10小时" in rows[2][4]
    pdf = client.get(f"/volunteers/units/{unit.public_id}/report.pdf")
    assert "锦江区某局-志愿服务报表-" in unquote(pdf["Content-Disposition"])
    assert "王报到" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert AuditEvent.objects.filter(entity="unit_report", action="export").count() == 2
    report = client.get("/volunteers/hours/", {"area_code": community_a.code}).content.decode()
    assert 'id="hours-total">12.50<' in report and "王报到" in report


def test_aid_request_from_the_volunteer_page_reviewed_by_community_then_street(client, community_a, worker_a, served):
    volunteer, _post = served
    client.force_login(volunteer.user)
    client.post("/me/aid/", {"kind": "illness", "description": "家人住院，收入减少", "amount": "1500"})
    aid = AidRequest.objects.get()
    client.force_login(worker_a)
    page = client.get("/volunteers/aid/").content.decode()
    assert '<button name="to_status" value="community_approved">社区同意</button>' in page
    assert '<button name="to_status" value="rejected">不同意</button>' in page
    client.post("/volunteers/aid/", {"request": aid.public_id, "to_status": "approved"})
    aid.refresh_from_db()
    assert aid.status == "submitted"  # the community cannot approve for the street
    client.post("/volunteers/aid/", {"request": aid.public_id, "to_status": "community_approved"})
    street = make_user_with_role("street", "street_staff", community_a.code[:9])
    client.force_login(street)
    client.post("/volunteers/aid/", {"request": aid.public_id, "to_status": "approved"})
    aid.refresh_from_db()
    assert aid.status == "approved"


def test_training_attendance_certifies_for_posts_that_need_it(client, community_a, worker_a, served):
    volunteer, _post = served
    client.force_login(worker_a)
    client.post(
        "/volunteers/training/",
        {
            "community_code": community_a.code,
            "action": "session",
            "course": "protection",
            "starts_at": "2026-11-01T09:00",
        },
    )
    session = volunteer.attendances.model.session.field.related_model.objects.get()
    client.post(
        "/volunteers/training/",
        {"community_code": community_a.code, "session": session.public_id, "volunteers": [volunteer.public_id]},
    )
    assert volunteer.certifications.get().course.code == "protection"


def test_street_staff_land_on_the_first_community_of_their_street(client, community_a):
    street = make_user_with_role("street", "street_staff", community_a.code[:9])
    client.force_login(street)
    page = client.get("/volunteers/linkage/")
    assert page.status_code == 200 and "水井坊社区居委会" in page.content.decode()
    other = client.get("/volunteers/linkage/", {"community_code": "510104017002"})
    assert other.status_code == 200 and "崇德里社区居委会" in other.content.decode()
    assert client.get("/volunteers/linkage/", {"community_code": "510105001001"}).status_code == 404


def test_full_numbers_only_by_post_for_roles_that_call_and_audited(client, community_a, worker_a):
    volunteer, _ = services.volunteer_sign_up(
        name="孙志愿", id_number=valid_id_number(), phone="13800000077", community_code=community_a.code,
        group="safety", password=PASSWORD, consent=True,
    )  # fmt: skip
    client.force_login(worker_a)
    url = f"/volunteers/{volunteer.public_id}/"
    assert volunteer.phone not in client.get(url).content.decode()
    shown = client.post(url).content.decode()
    assert volunteer.phone in shown and volunteer.id_number in shown
    assert AuditEvent.objects.filter(action="view_full", entity="volunteer", row_ids=[volunteer.public_id]).exists()
    district = make_user_with_role("district", "district_staff", community_a.code[:6])
    client.force_login(district)
    assert client.get(url).status_code == 200 and client.post(url).status_code == 404


def test_review_buttons_say_what_they_do(client, community_a, worker_a, served):
    volunteer, _post = served
    client.force_login(worker_a)
    page = client.get(f"/volunteers/{volunteer.public_id}/").content.decode()
    assert '<button name="to_status" value="suspended">暂停</button>' in page  # approved: it can be paused
    client.post(f"/volunteers/{volunteer.public_id}/review/", {"to_status": "suspended"})
    page = client.get(f"/volunteers/{volunteer.public_id}/").content.decode()
    assert '<button name="to_status" value="approved">恢复</button>' in page and "已通过</button>" not in page


def test_street_staff_pick_a_community_by_name_for_posts_and_hours(client, community_a, community_b):
    street = make_user_with_role("street_pick", "street_staff", community_a.code[:9])
    client.force_login(street)
    page = client.get("/volunteers/posts/", {"community_code": community_b.code}).content.decode()
    assert f"{community_b.name} ·" in page and f'name="community_code" value="{community_b.code}"' in page
    page = client.get("/volunteers/posts/", {"community_code": community_a.code[:9]}).content.decode()
    assert f'name="community_code" value="{community_a.code}"' in page  # a street picked: its first community
    assert client.get("/volunteers/posts/", {"community_code": "510104018001"}).status_code == 404
    page = client.get("/volunteers/hours/", {"area_code": community_b.code}).content.decode()
    assert 'class="area-picker"' in page and f'name="area_code" value="{community_b.code}"' in page
