"""The admin asks for the capability its rows need: audit and workflow events for `audit.read`, over
the areas where it is held, whatever view permissions an operator gave a staff account. django-axes'
login records (every login of the city, with addresses and usernames) are for superusers only."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from gongzhi.core import roles
from gongzhi.core.models import AuditEvent, WorkflowEvent
from gongzhi.core.services import audit_record
from tests.factories import GridFactory, make_user_with_role

pytestmark = pytest.mark.django_db

AXES_PAGES = ["/admin/axes/accessattempt/", "/admin/axes/accesslog/", "/admin/axes/accessfailurelog/"]


def _staff(user):
    """An operator's doing: the account may log in to the admin and holds every view permission."""
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return get_user_model().objects.get(pk=user.pk)


def _event(code: str) -> AuditEvent:
    return audit_record(
        actor=None, action=AuditEvent.Action.VIEW_FULL, entity="resident", row_ids=["r1"], area_codes=[code]
    )


def _step(code: str) -> WorkflowEvent:
    return WorkflowEvent.objects.create(
        flow="recall", row_key="x", to_status="open", actor_name="system", area_code=code
    )


def _listed(page: str, model: str) -> set[int]:
    return {int(pk) for pk in re.findall(rf"/admin/core/{model}/(\d+)/change/", page)}


@pytest.fixture
def events(community_a, community_b):
    return {
        "a": (_event(community_a.code), _step(community_a.code)),
        "b": (_event(community_b.code), _step(community_b.code)),
    }


@pytest.fixture(params=["collector", "grid_worker"])
def without_audit(request, community_a):
    if request.param == "collector":
        return _staff(make_user_with_role("collector_staff", roles.COLLECTOR, community_a.code))
    grid = GridFactory()
    return _staff(make_user_with_role("grid_staff", roles.GRID_WORKER, community_a.code, grid=grid))


def test_staff_without_audit_read_get_no_audit_rows_and_no_login_records(client, events, without_audit):
    client.force_login(without_audit)
    index = client.get("/admin/").content.decode()
    assert "/admin/core/auditevent/" not in index and "/admin/core/workflowevent/" not in index
    assert "/admin/axes/" not in index
    audit, step = events["a"]
    for url in (
        "/admin/core/auditevent/",
        "/admin/core/workflowevent/",
        f"/admin/core/auditevent/{audit.pk}/change/",
        f"/admin/core/workflowevent/{step.pk}/change/",
    ):
        assert client.get(url).status_code == 403, url
    for url in AXES_PAGES:
        assert client.get(url).status_code == 403, url
    request = RequestFactory().get("/admin/")
    request.user = without_audit
    for model in (AuditEvent, WorkflowEvent):
        model_admin = admin.site.get_model_admin(model)
        assert not model_admin.has_view_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.get_queryset(request).exists()


def test_audit_read_over_a_community_shows_only_its_events(client, events, worker_a):
    client.force_login(_staff(worker_a))
    (audit_a, step_a), (audit_b, step_b) = events["a"], events["b"]
    assert _listed(client.get("/admin/core/auditevent/").content.decode(), "auditevent") == {audit_a.pk}
    assert _listed(client.get("/admin/core/workflowevent/").content.decode(), "workflowevent") == {step_a.pk}
    assert client.get(f"/admin/core/auditevent/{audit_a.pk}/change/").status_code == 200
    # Another community's event is answered as a missing one: back to the admin's index.
    assert client.get(f"/admin/core/auditevent/{audit_b.pk}/change/", follow=True).redirect_chain[-1][0] == "/admin/"
    assert client.get(f"/admin/core/workflowevent/{step_b.pk}/change/", follow=True).redirect_chain[-1][0] == "/admin/"
    for url in AXES_PAGES:
        assert client.get(url).status_code == 403, url


def test_superusers_see_every_event_and_the_login_records(client, events):
    client.force_login(get_user_model().objects.create_superuser("root_admin", password="x-long-password-1"))
    listed = _listed(client.get("/admin/core/auditevent/").content.decode(), "auditevent")
    assert {events["a"][0].pk, events["b"][0].pk} <= listed
    assert "/admin/axes/accessattempt/" in client.get("/admin/").content.decode()
    for url in AXES_PAGES:
        assert client.get(url).status_code == 200, url


def test_the_household_admin_never_shows_the_door_key(client, community_a, worker_a):
    from tests.factories import BuildingFactory, HouseholdFactory

    household = HouseholdFactory(building=BuildingFactory(grid=GridFactory(community=community_a)))
    client.force_login(_staff(worker_a))
    page = client.get(f"/admin/places/household/{household.pk}/change/")
    assert page.status_code == 200 and household.address in page.content.decode()
    assert household.door_key not in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "/admin/people/resident/?id_number__startswith=5101",
        "/admin/people/resident/?phone=13800001234",
        "/admin/people/resident/?birth_date__year=1950",
        "/admin/people/resident/?household__door_key__startswith=a",
        "/admin/places/household/?door_key__startswith=a",
        "/admin/core/auditevent/?detail__icontains=1380",
    ],
)
def test_the_admin_takes_no_filter_it_does_not_offer(client, community_a, query):
    """A lookup in the query string that lists the row only when a guess is right would confirm a
    hidden number or door key digit by digit (found by a review acting as district staff)."""
    from tests.factories import HouseholdFactory, ResidentFactory

    ResidentFactory(household=HouseholdFactory())
    district = _staff(make_user_with_role("district_staff", roles.DISTRICT_STAFF, "510104"))
    client.force_login(district)
    assert client.get(query).status_code == 400
    assert client.get("/admin/places/area/?level__exact=community").status_code == 200  # offered: as before
