"""The stock ledger (supplies.services.stock): every receipt, issue, transfer and count is a ledger line
with the balance after it, written with the balance in one transaction; the balance never goes below
zero, also with many people issuing at once (PostgreSQL: real parallel connections; on SQLite, which
has one writer, the same sequence one after another)."""

import threading
import time

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.core.errors import ApplicationError
from gongzhi.supplies import services
from gongzhi.supplies.models import StockBalance, StockMovement, SupplyPoint
from gongzhi.supplies.services import stock as stock_module
from tests.factories import make_user_with_role
from tests.supplies.factories import balance, ledger, ledger_sum, make_item, make_point, make_volunteer, receive

pytestmark = pytest.mark.django_db
POSTGRESQL = connection.vendor == "postgresql"
RECEIPT, ISSUE, OUT, IN, COUNT = "receipt", "issue", "transfer_out", "transfer_in", "count"


@pytest.fixture
def point(community_a):
    return make_point(community_a.code, name="水井坊社区分发点")


@pytest.fixture
def rice():
    return make_item("大米", unit="袋", kg="5")


def test_receipt_issue_and_count_write_ledger_lines_with_the_balance_after_each(worker_a, point, rice):
    first = services.stock_receive(actor=worker_a, point=point, item=rice, quantity=10, reason="区储备调入")
    assert (first.kind, first.quantity, first.balance_after) == (RECEIPT, 10, 10)
    assert first.actor == worker_a and first.actor_name == "worker_a" and first.community_code == point.community_code
    issued = services.stock_issue(actor=worker_a, point=point, item=rice, quantity="3", reason="发放")
    assert (issued.kind, issued.quantity, issued.balance_after) == (ISSUE, -3, 7)
    counted = services.stock_count(actor=worker_a, point=point, item=rice, counted=5, reason="盘点少2袋")
    assert (counted.kind, counted.quantity, counted.balance_after, counted.reason) == (COUNT, -2, 5, "盘点少2袋")
    more = services.stock_count(actor=worker_a, point=point, item=rice, counted="9")
    assert (more.quantity, more.balance_after) == (4, 9) and more.reason == "盘点"
    assert balance(point, rice) == 9 == ledger_sum(point, rice)
    assert ledger(point, rice) == [(RECEIPT, 10, 10), (ISSUE, -3, 7), (COUNT, -2, 5), (COUNT, 4, 9)]


def test_transfer_writes_both_lines_naming_the_other_point(worker_a, point, rice, community_a):
    store = make_point(community_a.code, kind=SupplyPoint.Kind.SUPERMARKET, name="红旗超市水井坊店")
    receive(worker_a, point, rice, 8)
    out, into = services.stock_transfer(actor=worker_a, source=point, target=store, item=rice, quantity=5)
    assert (out.kind, out.quantity, out.balance_after, out.reference) == (OUT, -5, 3, store.public_id)
    assert (into.kind, into.quantity, into.balance_after, into.reference) == (IN, 5, 5, point.public_id)
    assert (balance(point, rice), balance(store, rice)) == (3, 5)
    assert ledger_sum(point, rice) == 3 and ledger_sum(store, rice) == 5


def test_a_transfer_beyond_the_stock_writes_neither_line(worker_a, point, rice, community_a):
    store = make_point(community_a.code, kind=SupplyPoint.Kind.SUPERMARKET, name="超市")
    receive(worker_a, point, rice, 2)
    with pytest.raises(ApplicationError) as refused:
        services.stock_transfer(actor=worker_a, source=point, target=store, item=rice, quantity=3)
    assert refused.value.status == 409
    assert StockMovement.objects.count() == 1 and balance(point, rice) == 2
    assert not StockBalance.objects.filter(point=store).exists()


def test_an_issue_beyond_the_stock_is_refused_in_chinese_and_writes_nothing(worker_a, point, rice):
    receive(worker_a, point, rice, 2)
    with pytest.raises(ApplicationError) as refused:
        services.stock_issue(actor=worker_a, point=point, item=rice, quantity=3)
    assert refused.value.status == 409
    assert refused.value.message == "水井坊社区分发点的大米库存不足：现有2袋，需要3袋"
    assert refused.value.extra == {"item": rice.public_id, "held": 2, "wanted": 3}
    assert ledger(point, rice) == [(RECEIPT, 2, 2)] and balance(point, rice) == 2


def test_an_issue_of_an_item_never_held_leaves_no_balance_row(worker_a, point, rice):
    with pytest.raises(ApplicationError) as refused:
        services.stock_issue(actor=worker_a, point=point, item=rice, quantity=1)
    assert refused.value.status == 409 and "现有0袋" in refused.value.message
    assert not StockBalance.objects.exists() and not StockMovement.objects.exists()


@pytest.mark.parametrize(
    ("quantity", "words"),
    [
        (0, "数量须大于0"),
        (-1, "数量须大于0"),
        ("1.5", "数量须为整数，不是“1.5”"),
        (1.5, "数量须为整数，不是“1.5”"),
        ("abc", "数量须为整数，不是“abc”"),
        ("", "数量须为整数，不是“”"),
        (None, "数量须为整数，不是“”"),
        ("NaN", "数量须为整数，不是“NaN”"),
        ("Infinity", "数量须为整数，不是“Infinity”"),
        (10**7, "数量10000000过大（一次最多1000000）"),
    ],
)
def test_bad_quantities_are_refused_422_and_write_nothing(worker_a, point, rice, quantity, words):
    receive(worker_a, point, rice, 5)
    for write in (
        lambda: services.stock_receive(actor=worker_a, point=point, item=rice, quantity=quantity),
        lambda: services.stock_issue(actor=worker_a, point=point, item=rice, quantity=quantity),
    ):
        with pytest.raises(ApplicationError) as refused:
            write()
        assert (refused.value.status, refused.value.message) == (422, words)
    assert ledger(point, rice) == [(RECEIPT, 5, 5)]


def test_a_million_units_is_the_most_one_line_may_move(worker_a, point, rice):
    assert services.stock_receive(actor=worker_a, point=point, item=rice, quantity=" 1000000 ").balance_after == 10**6
    with pytest.raises(ApplicationError) as refused:
        services.stock_receive(actor=worker_a, point=point, item=rice, quantity=1_000_001)
    assert refused.value.status == 422 and balance(point, rice) == 10**6


def test_a_count_may_be_zero_and_a_count_equal_to_the_books_writes_nothing(worker_a, point, rice):
    receive(worker_a, point, rice, 4)
    assert services.stock_count(actor=worker_a, point=point, item=rice, counted=4) is None
    assert ledger(point, rice) == [(RECEIPT, 4, 4)]
    emptied = services.stock_count(actor=worker_a, point=point, item=rice, counted="0", reason="全部霉变")
    assert (emptied.kind, emptied.quantity, emptied.balance_after) == (COUNT, -4, 0)
    assert balance(point, rice) == 0 == ledger_sum(point, rice)
    assert services.stock_count(actor=worker_a, point=point, item=rice, counted=0) is None
    for bad in (-1, "1.5", "x"):
        with pytest.raises(ApplicationError) as refused:
            services.stock_count(actor=worker_a, point=point, item=rice, counted=bad)
        assert refused.value.status == 422
    assert StockMovement.objects.count() == 2


def test_a_transfer_to_the_same_point_is_refused(worker_a, point, rice):
    receive(worker_a, point, rice, 3)
    with pytest.raises(ApplicationError) as refused:
        services.stock_transfer(actor=worker_a, source=point, target=point, item=rice, quantity=1)
    assert (refused.value.status, refused.value.message) == (422, "调出和调入不能是同一个物资点")
    assert ledger(point, rice) == [(RECEIPT, 3, 3)]


def test_street_staff_keep_the_stock_of_their_communities_points(point, rice, community_a):
    street = make_user_with_role("street", "street_staff", community_a.code[:9])
    reserve = make_point(community_a.code[:9], kind=SupplyPoint.Kind.RESERVE, name="锦江区街道储备库")
    receive(street, reserve, rice, 20)
    services.stock_transfer(actor=street, source=reserve, target=point, item=rice, quantity=6)
    assert (balance(reserve, rice), balance(point, rice)) == (14, 6)


@pytest.mark.parametrize("who", ["worker_b", "volunteer", "grid_worker", "building_leader", "anonymous"])
def test_an_actor_without_supplies_stock_on_the_point_is_refused_403(who, worker_a, worker_b, point, rice, community_a):
    from django.contrib.auth.models import AnonymousUser

    from tests.factories import BuildingFactory, GridFactory

    receive(worker_a, point, rice, 5)
    grid = GridFactory(community=community_a)
    actor = {
        "worker_b": lambda: worker_b,  # a community worker of another community
        "volunteer": lambda: make_volunteer(community_a.code),
        "grid_worker": lambda: make_user_with_role("g", "grid_worker", community_a.code, grid=grid),
        "building_leader": lambda: make_user_with_role(
            "b", "building_leader", community_a.code, building=BuildingFactory(grid=grid)
        ),
        "anonymous": AnonymousUser,
    }[who]()
    store = make_point(community_a.code, kind=SupplyPoint.Kind.SUPERMARKET, name="超市")
    writes = [
        lambda: services.stock_receive(actor=actor, point=point, item=rice, quantity=1),
        lambda: services.stock_issue(actor=actor, point=point, item=rice, quantity=1),
        lambda: services.stock_count(actor=actor, point=point, item=rice, counted=0),
        lambda: services.stock_transfer(actor=actor, source=point, target=store, item=rice, quantity=1),
    ]
    for write in writes:
        with pytest.raises(ApplicationError) as refused:
            write()
        assert (refused.value.status, refused.value.message) == (403, "您不能管理这个物资点的库存")
    assert ledger(point, rice) == [(RECEIPT, 5, 5)] and balance(point, rice) == 5


def test_a_community_worker_may_not_touch_the_streets_reserve(worker_a, rice, community_a):
    reserve = make_point(community_a.code[:9], kind=SupplyPoint.Kind.RESERVE, name="街道储备库")
    with pytest.raises(ApplicationError) as refused:
        services.stock_receive(actor=worker_a, point=reserve, item=rice, quantity=1)
    assert refused.value.status == 403 and not StockMovement.objects.exists()


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["receive", "issue", "count", "transfer"]), st.integers(min_value=0, max_value=30)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_the_ledger_sums_to_the_balance_after_any_sequence(worker_a, point, community_a, operations):
    item = make_item()  # a fresh item per example: its lines are this example's only
    other = SupplyPoint.objects.get_or_create(
        community_code=community_a.code, name="对面超市", defaults={"kind": SupplyPoint.Kind.SUPERMARKET}
    )[0]
    expected = 0
    for kind, n in operations:
        try:
            if kind == "receive":
                services.stock_receive(actor=worker_a, point=point, item=item, quantity=n)
                expected += n
            elif kind == "issue":
                services.stock_issue(actor=worker_a, point=point, item=item, quantity=n)
                expected -= n
            elif kind == "transfer":
                services.stock_transfer(actor=worker_a, source=point, target=other, item=item, quantity=n)
                expected -= n
            else:
                services.stock_count(actor=worker_a, point=point, item=item, counted=n)
                expected = n
        except ApplicationError as refused:
            # 0 units (422), or more than held (409): refused exactly then
            assert (refused.status == 422 and n == 0) or (refused.status == 409 and n > expected)
        else:
            assert n > 0 or kind == "count"
    lines = ledger(point, item)
    assert balance(point, item) == expected == ledger_sum(point, item) >= 0
    running = 0
    for _kind, quantity, after in lines:
        running += quantity
        assert after == running >= 0 and quantity != 0
    assert balance(other, item) == ledger_sum(other, item)


# Many people at once. PostgreSQL: each thread its own connection, started together. SQLite has a single
# writer (its in-memory test database refuses a second one outright), so there the same requests are made
# one after another: the outcome to hold is the same.


def _at_once(n, work):
    """Run `work(i)` in n threads with their own connections, started together; returns (results, errors)."""
    results, errors = [], []
    start = threading.Barrier(n)

    def run(i):
        try:
            start.wait()
            results.append(work(i))
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    return results, errors


def _one_after_another(n, work):
    results, errors = [], []
    for i in range(n):
        try:
            results.append(work(i))
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_sixteen_people_issuing_one_unit_each_from_ten_leave_exactly_zero(worker_a, point, rice):
    receive(worker_a, point, rice, 10)
    issue = lambda i: services.stock_issue(actor=worker_a, point=point, item=rice, quantity=1)  # noqa: E731
    results, errors = (_at_once if POSTGRESQL else _one_after_another)(16, issue)
    assert len(results) == 10 and len(errors) == 6
    assert all(isinstance(e, ApplicationError) and e.status == 409 and "库存不足" in e.message for e in errors)
    assert balance(point, rice) == 0 == ledger_sum(point, rice)
    afters = sorted(StockMovement.objects.filter(kind=ISSUE).values_list("balance_after", flat=True))
    assert afters == list(range(10))  # each issue saw its own balance: 9, 8, ... 0, no two the same


@pytest.mark.django_db(transaction=True)
def test_two_people_issuing_the_last_unit_at_once_exactly_one_gets_it(worker_a, community_a, point, rice):
    other = make_user_with_role("worker_a2", "community_worker", community_a.code)
    receive(worker_a, point, rice, 1)
    people = [worker_a, other]
    issue = lambda i: services.stock_issue(actor=people[i], point=point, item=rice, quantity=1)  # noqa: E731
    results, errors = (_at_once if POSTGRESQL else _one_after_another)(2, issue)
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ApplicationError) and errors[0].status == 409
    assert "现有0袋，需要1袋" in errors[0].message
    assert balance(point, rice) == 0 == ledger_sum(point, rice)


@pytest.mark.parametrize(("counted", "issued"), [(3, True), (0, False)])
@pytest.mark.django_db(transaction=True)
def test_an_issue_racing_a_count_waits_for_it_and_is_decided_on_the_counted_figure(
    monkeypatch, worker_a, point, rice, counted, issued
):
    receive(worker_a, point, rice, 10)
    if not POSTGRESQL:
        services.stock_count(actor=worker_a, point=point, item=rice, counted=counted)
        _issue_or_refusal(worker_a, point, rice)
    else:
        # The count holds the balance's lock while it computes; the issue is started then, and must wait for it.
        holding, release = threading.Event(), threading.Event()
        move = stock_module._move

        def slow_move(**kwargs):
            if kwargs["kind"] == COUNT:
                holding.set()
                assert release.wait(20)
            return move(**kwargs)

        monkeypatch.setattr(stock_module, "_move", slow_move)
        outcome = {}

        def count():
            try:
                outcome["count"] = services.stock_count(actor=worker_a, point=point, item=rice, counted=counted)
            finally:
                connection.close()

        def issue():
            try:
                outcome["issue"] = _issue_or_refusal(worker_a, point, rice)
            finally:
                connection.close()

        counter = threading.Thread(target=count)
        counter.start()
        assert holding.wait(20)
        issuer = threading.Thread(target=issue)
        issuer.start()
        _wait_until_a_session_waits_for_a_lock()
        assert "issue" not in outcome  # it waits for the count
        release.set()
        counter.join(30)
        issuer.join(30)
        assert outcome["count"].balance_after == counted
    kinds = [k for k, _q, _a in ledger(point, rice)]
    assert balance(point, rice) == ledger_sum(point, rice) == (counted - 1 if issued else 0)
    assert kinds == ([RECEIPT, COUNT, ISSUE] if issued else [RECEIPT, COUNT])
    assert all(after >= 0 for _k, _q, after in ledger(point, rice))


def _issue_or_refusal(actor, point, item):
    try:
        return services.stock_issue(actor=actor, point=point, item=item, quantity=1)
    except ApplicationError as refused:
        assert refused.status == 409 and "现有0袋" in refused.message
        return refused


def _wait_until_a_session_waits_for_a_lock(timeout=10.0):
    """PostgreSQL: until another session of this database is blocked on a lock (the issue behind the count)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("the issue never waited for the count's lock")
