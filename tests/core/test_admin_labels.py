"""The admin speaks Chinese: apps and the columns of its lists by their Chinese names, not the
field names of the code."""

import re

import pytest
from django.contrib.auth import get_user_model

from gongzhi.core.models import AuditEvent
from gongzhi.core.services import audit_record
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, areas):
    client.force_login(get_user_model().objects.create_superuser("root_admin", password="x-long-password-1"))
    return client


def headers(page: str) -> list[str]:
    """The column headers of the change list's own table (not the navigation sidebar's)."""
    table = page[page.index('id="result_list"') :]
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, re.S)]


def test_the_admins_apps_and_columns_are_in_chinese(admin_client):
    resident = ResidentFactory()
    audit_record(
        actor=None,
        action=AuditEvent.Action.VIEW_FULL,
        entity="resident",
        row_ids=[resident.public_id],
        area_codes=[resident.community_code],
    )
    index = admin_client.get("/admin/").content.decode()
    for app in ("居民", "区域", "平台"):
        assert f">{app}<" in index, app
    columns = headers(admin_client.get("/admin/people/resident/").content.decode())
    assert "姓名" in columns and "社区代码" in columns and "编号" in columns
    columns = headers(admin_client.get("/admin/places/household/").content.decode())
    assert "门牌地址" in columns
    columns = headers(admin_client.get("/admin/core/auditevent/").content.decode())
    assert {"时间", "操作人姓名", "操作", "对象", "区域", "条数"} <= set(columns)
    assert not any(re.search(r"[A-Za-z]{3,}", c) for c in columns), columns
