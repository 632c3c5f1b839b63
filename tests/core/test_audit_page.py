"""The audit log reads in words: entities named as people call them, rows by name, areas by name."""

import pytest

from gongzhi.core.models import AuditEvent
from gongzhi.core.services import audit_record
from tests.factories import ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db


def test_the_audit_log_names_entities_rows_and_areas(client, community_a, worker_a):
    resident = ResidentFactory(name="审计测试居民")
    audit_record(
        actor=worker_a,
        action=AuditEvent.Action.VIEW_FULL,
        entity="recall",
        row_ids=[resident.public_id],
        area_codes=[community_a.code],
    )
    audit_record(
        actor=worker_a,
        action=AuditEvent.Action.CREATE,
        entity="something_new",
        row_ids=["X1"],
        area_codes=[community_a.code],
    )
    client.force_login(make_user_with_role("street_auditor", "street_staff", community_a.code[:9]))
    page = client.get("/audit/").content.decode()
    assert "阳性复核名单" in page and "审计测试居民" in page and community_a.name in page
    assert resident.public_id not in page and ">recall<" not in page
    assert "something_new" in page and "X1" in page  # an entity nobody registered is shown as recorded


def test_volunteer_entities_are_named_too(client, community_a, worker_a):
    from gongzhi.volunteers import services as volunteer_services

    post = volunteer_services.post_create(
        actor=worker_a, community_code=community_a.code, name="审计岗位", group="safety"
    )
    client.force_login(make_user_with_role("street_auditor2", "street_staff", community_a.code[:9]))
    page = client.get("/audit/").content.decode()
    assert "审计岗位" in page and post.public_id not in page


def test_the_platform_is_named_as_such(client, community_a):
    audit_record(
        actor=None, action=AuditEvent.Action.CREATE, entity="recall", row_ids=[], area_codes=[community_a.code]
    )
    client.force_login(make_user_with_role("street_auditor3", "street_staff", community_a.code[:9]))
    page = client.get("/audit/").content.decode()
    assert "<td>系统</td>" in page and "<td>system</td>" not in page
