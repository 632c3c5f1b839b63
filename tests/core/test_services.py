"""core's writes: device tokens and the account names in logs."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core.models import ApiToken, AuditEvent
from gongzhi.core.services import account_label, api_token_create, api_token_user
from tests.factories import make_user_with_role

pytestmark = pytest.mark.django_db


def test_a_token_names_its_active_user_and_is_marked_used_at_most_once_a_minute(community_a):
    user = make_user_with_role("device_owner", "collector", community_a.code)
    token, key = api_token_create(user=user, name="采样手机1")
    assert AuditEvent.objects.filter(actor=user, action="token", row_ids=[token.public_id]).exists()
    assert api_token_user(key=key) == user
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None and abs((timezone.now() - first).total_seconds()) < 5
    assert api_token_user(key=key) == user
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first  # within the minute: not written again
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    assert api_token_user(key=key) == user
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - dt.timedelta(minutes=2)


def test_no_user_for_a_wrong_or_revoked_key_or_an_inactive_account(community_a):
    user = make_user_with_role("device_owner", "collector", community_a.code)
    token, key = api_token_create(user=user, name="t")
    assert api_token_user(key=key + "x") is None
    user.is_active = False
    user.save()
    assert api_token_user(key=key) is None
    user.is_active = True
    user.save()
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert api_token_user(key=key) is None


def test_a_volunteers_phone_login_is_named_masked_beside_their_name(django_user_model):
    staff = django_user_model(username="worker")
    volunteer = django_user_model(username="13912345678", first_name="李四")
    assert account_label(staff) == "worker"
    assert account_label(volunteer) == "李四 139****5678"
    assert account_label(None) == "system"
