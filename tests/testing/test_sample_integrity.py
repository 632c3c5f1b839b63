"""Samples and tubes carry no foreign-key constraints in the database (migrations 0009 and 0012,
docs/decisions.md):
what those constraints guarded is guarded by Django's delete rules and by the ingest, which writes a
sample only for a round, resident and collector it has just read. Each guard is tried here on both
databases."""

import pytest
from django.db import connection
from django.db.models import ProtectedError

from gongzhi.testing import services
from gongzhi.testing.collection import CLOSE, OPEN, SCAN, Event
from gongzhi.testing.models import Round, Sample, Tube
from tests.factories import ResidentFactory, make_user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def sampled(community_a, worker_a):
    """A round of community A with one closed tube of three residents, scanned by collector c1."""
    collector = make_user_with_role("c1", "collector", community_a.code)
    round_ = services.round_create(actor=worker_a, name="第一轮", area_code=community_a.code, pool_size=3)
    residents = ResidentFactory.create_batch(3)
    events = [Event("o", OPEN, "TUBE000001")]
    events += [Event(f"s{i}", SCAN, "TUBE000001", "R:" + r.public_id) for i, r in enumerate(residents)]
    events.append(Event("c", CLOSE, "TUBE000001"))
    outcomes = services.scan_batch_ingest(round_=round_, collector=collector, events=events)
    assert [o.status for o in outcomes] == ["ok"] * 5
    return round_, residents, collector


@pytest.mark.parametrize("model", [Sample, Tube])
def test_the_database_holds_no_foreign_key_constraint_on_samples_or_tubes(sampled, model):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    assert [name for name, c in constraints.items() if c["foreign_key"]] == []


def test_a_sampled_resident_cannot_be_deleted(sampled):
    _round, residents, _collector = sampled
    with pytest.raises(ProtectedError):
        residents[0].delete()
    assert Sample.objects.filter(resident=residents[0]).count() == 1


def test_deleting_a_collector_keeps_the_samples_and_tubes_without_their_collector(sampled):
    round_, _residents, collector = sampled
    assert Sample.objects.filter(round=round_, collector=collector).count() == 3
    assert Tube.objects.get(round=round_).collector_id == collector.pk
    collector.delete()
    assert list(Sample.objects.filter(round=round_).values_list("collector_id", flat=True)) == [None] * 3
    assert Tube.objects.get(round=round_).collector_id is None


def test_a_round_with_samples_cannot_be_deleted_so_none_is_left_without_its_round(sampled):
    round_, _residents, _collector = sampled
    with pytest.raises(ProtectedError):  # its tubes are its samples' (PROTECT); retention drops whole partitions
        round_.delete()
    assert (Sample.objects.count(), Tube.objects.count(), Round.objects.count()) == (3, 1, 1)


def test_a_scan_of_a_resident_who_is_not_there_writes_no_sample(sampled, community_a):
    round_, _residents, collector = sampled
    events = [Event("o2", OPEN, "TUBE000002"), Event("s", SCAN, "TUBE000002", "R:NOSUCHRESIDENT")]
    outcomes = services.scan_batch_ingest(round_=round_, collector=collector, events=events)
    assert outcomes[1].status == "error"
    assert Sample.objects.filter(round=round_).count() == 3
