import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from gongzhi.core.db import _copy_text, pg_array


def test_copy_text_leaves_values_that_need_escaping_or_nulls_to_psycopg():
    assert _copy_text([(1, "水井街1号", "")], 3) == "1\t水井街1号\t\n"
    for awkward in ("a\tb", "a\nb", "a\\b", "a\rb", None):
        assert _copy_text([(1, awkward, "")], 3) is None


AWKWARD_TEXT = ['a"b', "c\\d", "{e,f}", " g ", "NULL", "", "水井街1号", "x'y"]


def test_pg_array_writes_literals_for_each_kind_of_value():
    assert pg_array([1, 2, 30]) == "{1,2,30}"
    assert pg_array(["R:01AB", "T-1"]) == '{"R:01AB","T-1"}'
    assert pg_array([]) == "{}"
    assert pg_array([None, 1, True]) == "{NULL,1,t}"
    at = dt.datetime(2022, 9, 1, 8, 30, tzinfo=dt.UTC)
    assert pg_array([at, at]) == '{"2022-09-01T08:30:00+00:00","2022-09-01T08:30:00+00:00"}'
    assert pg_array(['a"b', "c\\d"]) == '{"a\\"b","c\\\\d"}'


@pytest.mark.django_db
def test_pg_array_round_trips_through_postgresql_or_is_unused_elsewhere():
    """On PostgreSQL the literal must come back as the same values; SQLite never sees one."""
    if connection.vendor != "postgresql":
        assert pg_array(AWKWARD_TEXT).count('"') >= 2 * len(AWKWARD_TEXT)
        return
    at = dt.datetime(2022, 9, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::text[], %s::bigint[], %s::timestamptz[]",
            [pg_array([*AWKWARD_TEXT, None]), pg_array([1, 2**40]), pg_array([at])],
        )
        texts, numbers, times = cursor.fetchone()
    assert texts == [*AWKWARD_TEXT, None]
    assert numbers == [1, 2**40]
    assert times == [at]


@pytest.mark.django_db(transaction=True)
def test_analyze_if_stale_analyses_only_changed_tables_and_only_on_postgresql():
    from gongzhi.core.db import analyze_if_stale
    from gongzhi.core.models import AuditEvent

    def flush_statistics():  # a backend's counts reach pg_stat_user_tables at most once a second
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_stat_force_next_flush()")
                cursor.execute("SELECT 1")

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_auditevent")
    AuditEvent.objects.bulk_create(
        [AuditEvent(actor_name="t", action="create", entity="x", area_code="5101") for _ in range(30)]
    )
    flush_statistics()
    done = analyze_if_stale(AuditEvent, at_least=10)
    if connection.vendor == "postgresql":
        assert done == [AuditEvent._meta.db_table]
        flush_statistics()
        assert analyze_if_stale(AuditEvent, at_least=10) == []  # fresh now
    else:
        assert done == []


@pytest.mark.django_db
def test_in_fixed_selects_like_in_and_writes_the_words_into_the_sql():
    from gongzhi.core.models import WorkflowEvent

    for flow, status in (("a", "pending"), ("b", "in_progress"), ("c", "closed")):
        WorkflowEvent.objects.create(flow=flow, to_status=status, actor_name="x", area_code="510104017001")
    chosen = WorkflowEvent.objects.filter(to_status__in_fixed=("pending", "in_progress"))
    assert sorted(chosen.values_list("flow", flat=True)) == ["a", "b"]
    sql = str(chosen.query)
    assert "IN ('pending', 'in_progress')" in sql


@pytest.mark.parametrize("values", [(), ("pending' OR 1=1 --",), ("Pending",), (1,), ("a" * 33,)])
def test_in_fixed_refuses_anything_but_lower_case_state_words(values):
    from gongzhi.core.models import WorkflowEvent

    with pytest.raises(ValueError):
        WorkflowEvent.objects.filter(to_status__in_fixed=values)


def _stored(model, pk) -> dict:
    row = model.objects.get(pk=pk)
    return {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields if f.primary_key is False}


@pytest.mark.django_db
def test_insert_one_stores_what_save_stores_json_foreign_keys_and_times_included(worker_a):
    from gongzhi.core.db import insert_one
    from gongzhi.core.models import WorkflowEvent

    at = dt.datetime(2022, 9, 5, 8, 30, 15, 123456, tzinfo=dt.UTC)
    fields = dict(
        flow="appeal",
        row_key="01ABC",
        row_keys=["管1", 'a"b\\c'],
        from_status="",
        to_status="pending",
        actor=worker_a,
        actor_name="王*明",
        area_code="510104017001",
        at=at,
        detail={"渠道": "household", "n": 3, "none": None, "nested": {"x": [1, 2]}},
    )
    saved, inserted = WorkflowEvent(**fields), WorkflowEvent(**fields)
    saved.save()
    insert_one(inserted)
    assert inserted.pk is not None and inserted.pk != saved.pk
    assert _stored(WorkflowEvent, inserted.pk) == _stored(WorkflowEvent, saved.pk)
    # the instance is now a stored row: a later save updates it, never inserts a second one
    inserted.reason = "更正"
    inserted.save()
    assert WorkflowEvent.objects.count() == 2
    assert WorkflowEvent.objects.get(pk=inserted.pk).reason == "更正"


@pytest.mark.django_db
def test_insert_one_sets_auto_now_and_defaults_as_save_does(community_a):
    from gongzhi.core.db import insert_one
    from gongzhi.places.models import Grid

    before = timezone.now()
    grid = Grid(community=community_a, community_code=community_a.code, number=7, name="第七网格")
    insert_one(grid)
    stored = Grid.objects.get(pk=grid.pk)
    assert stored.public_id == grid.public_id and len(stored.public_id) == 26
    assert stored.updated_at >= before and stored.created_at >= before
    assert stored.updated_at == grid.updated_at


@pytest.mark.django_db
def test_insert_one_refuses_a_stored_row_and_an_unsaved_relation(community_a):
    from django.contrib.auth import get_user_model

    from gongzhi.core.db import insert_one
    from gongzhi.core.models import WorkflowEvent

    event = WorkflowEvent.objects.create(flow="x", to_status="pending", actor_name="x", area_code="5101")
    with pytest.raises(ValueError):
        insert_one(event)
    unsaved = WorkflowEvent(flow="x", to_status="pending", actor=get_user_model()(username="new"), area_code="5101")
    with pytest.raises(ValueError):
        insert_one(unsaved)
    assert WorkflowEvent.objects.count() == 1


@pytest.mark.django_db
def test_in_turn_gives_each_statements_rows_in_order_in_one_round_trip_on_postgresql(community_a):
    from django.test.utils import CaptureQueriesContext

    from gongzhi.core.db import in_turn
    from gongzhi.places.models import Area

    statements = [
        ("SELECT code FROM places_area WHERE code = %s", [community_a.code]),
        ("UPDATE places_area SET name = %s WHERE code = %s", ["水井坊社区（改）", community_a.code]),
        ("SELECT name FROM places_area WHERE code IN (%s, %s) ORDER BY code", [community_a.code, "510104017002"]),
        ("SELECT code FROM places_area WHERE code = %s", ["000000000000"]),
    ]
    with CaptureQueriesContext(connection) as sent:
        found = in_turn(statements)
    other = Area.objects.get(code="510104017002").name
    assert found == [[(community_a.code,)], [], [("水井坊社区（改）",), (other,)], []]
    assert Area.objects.get(code=community_a.code).name == "水井坊社区（改）"
    assert len(sent) == (1 if connection.vendor == "postgresql" else 4)


@pytest.mark.django_db
def test_insert_together_stores_each_row_as_insert_one_does(worker_a, community_a):
    from gongzhi.core.db import insert_one, insert_together
    from gongzhi.core.models import WorkflowEvent
    from gongzhi.places.models import Grid

    fields = dict(flow="appeal", row_key="01ABC", to_status="pending", actor=worker_a, actor_name="王*明")
    fields |= dict(area_code="510104017001", detail={"渠道": "household", "%s": "100%"})
    alone, grid, together = (
        WorkflowEvent(**fields),
        Grid(community=community_a, number=8, name="第八网格"),
        WorkflowEvent(**fields),
    )
    grid.community_code = community_a.code
    insert_one(alone)
    insert_together(grid, together)
    assert None not in (grid.pk, together.pk) and together.pk != alone.pk
    assert not grid._state.adding and not together._state.adding
    assert Grid.objects.get(pk=grid.pk).name == "第八网格"
    stored = {pk: _stored(WorkflowEvent, pk) for pk in (alone.pk, together.pk)}
    assert stored[together.pk] | {"at": None} == stored[alone.pk] | {"at": None}
    with pytest.raises(ValueError, match="new instance"):
        insert_together(WorkflowEvent(**fields), together)
    assert WorkflowEvent.objects.count() == 2  # the refused pair wrote neither
