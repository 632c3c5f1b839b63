import datetime as dt

import pytest
from django.db import connection

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
