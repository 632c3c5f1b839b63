"""The stock ledger under contention: --connections threads, each with its own database connection,
issue one unit at a time from the same stock through `services.stock_issue` until it is refused.

    .venv/bin/python bench/bench_stock_ledger.py                 # PostgreSQL (the default here)
    .venv/bin/python bench/bench_stock_ledger.py --sqlite

Afterwards: the balance equals the sum of the ledger, it never went negative (a database constraint,
and every line's balance_after is checked), exactly the stock held was issued, and every refusal came
after the stock ran out. The limit it is compared with, in the same run: the same statements (the
conditional UPDATE, the read of the balance, the ledger INSERT, one transaction per movement) sent by
psycopg directly from the same number of connections.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--sqlite", action="store_true")
ARGS.add_argument("--connections", type=int, default=16)
ARGS.add_argument("--stock", type=int, default=8000)
ARGS.add_argument("--repeat", type=int, default=3)
ARGS = ARGS.parse_args()

PG_DB = "gongzhi_bench_stock"
if ARGS.sqlite:
    os.environ.pop("DATABASE_URL", None)
    os.environ["GONGZHI_VAR_DIR"] = tempfile.mkdtemp(prefix="gongzhi-bench-stock-")
else:
    for sql in (f"DROP DATABASE IF EXISTS {PG_DB}", f"CREATE DATABASE {PG_DB}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
os.environ["DJANGO_SETTINGS_MODULE"] = "gongzhi.config.settings.base"
sys.argv = sys.argv[:1]

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402

from gongzhi.core.errors import ApplicationError  # noqa: E402
from gongzhi.core.models import RoleAssignment  # noqa: E402
from gongzhi.places.services import areas_load  # noqa: E402
from gongzhi.supplies import services  # noqa: E402
from gongzhi.supplies.models import Item, StockBalance, StockMovement, SupplyPoint  # noqa: E402

CODE = "510104017001"


def service_run(worker, point, item) -> tuple[float, int, int]:
    services.stock_receive(actor=worker, point=point, item=item, quantity=ARGS.stock)
    issued, refused = [0] * ARGS.connections, [0] * ARGS.connections
    start = threading.Barrier(ARGS.connections + 1)

    def issue(n: int) -> None:
        start.wait()
        try:
            while True:
                try:
                    services.stock_issue(actor=worker, point=point, item=item, quantity=1, reason="bench")
                    issued[n] += 1
                except ApplicationError:
                    refused[n] += 1
                    return
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(n,)) for n in range(ARGS.connections)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - began, sum(issued), sum(refused)


def raw_run(point, item) -> float:
    """The same statements from psycopg directly: the limit of this database for this contention."""
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as c:
        c.execute("UPDATE supplies_stockbalance SET quantity = %s WHERE point_id = %s AND item_id = %s",
                  (ARGS.stock, point.pk, item.pk))  # fmt: skip
    start = threading.Barrier(ARGS.connections + 1)

    def issue() -> None:
        with psycopg.connect(os.environ["DATABASE_URL"]) as c:
            start.wait()
            while True:
                with c.transaction():
                    row = c.execute(
                        "UPDATE supplies_stockbalance SET quantity = quantity - 1 "
                        "WHERE point_id = %s AND item_id = %s AND quantity - 1 >= 0 RETURNING quantity",
                        (point.pk, item.pk),
                    ).fetchone()
                    if row is None:
                        return
                    after = row[0]
                    c.execute(
                        "INSERT INTO supplies_stockmovement (point_id, item_id, community_code, kind, quantity, "
                        "balance_after, reference, reason, actor_name, created_at) "
                        "VALUES (%s, %s, %s, 'issue', -1, %s, 'raw', '', '', now())",
                        (point.pk, item.pk, CODE, after),
                    )

    threads = [threading.Thread(target=issue) for _ in range(ARGS.connections)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - began


def main():
    call_command("migrate", verbosity=0)
    areas_load()
    worker = get_user_model().objects.create_user(username="worker")
    RoleAssignment.objects.create(user=worker, role="community_worker", area_code=CODE)
    item = Item.objects.create(name="大米", category="grain", unit="袋", kg_per_unit=5)
    point = SupplyPoint.objects.create(kind="distribution", name="分发点", community_code=CODE)
    database = "SQLite" if ARGS.sqlite else "PostgreSQL"
    rates, raw_rates = [], []
    for run in range(ARGS.repeat):
        seconds, issued, refused = service_run(worker, point, item)
        held = StockBalance.objects.get(point=point, item=item).quantity
        ledger = sum(StockMovement.objects.filter(point=point, item=item).values_list("quantity", flat=True))
        negative = StockMovement.objects.filter(point=point, item=item, balance_after__lt=0).count()
        assert issued == ARGS.stock and refused == ARGS.connections, (issued, refused)
        assert held == 0 == ledger and negative == 0, (held, ledger, negative)
        rates.append(issued / seconds)
        print(
            f"run {run + 1}: {issued} issued by {ARGS.connections} connections in {seconds:.2f} s "
            f"({issued / seconds:,.0f} movements/s); {refused} refused once empty; "
            f"balance {held} = ledger sum {ledger}"
        )
        if not ARGS.sqlite:
            raw = raw_run(point, item)
            raw_rates.append(ARGS.stock / raw)
            StockMovement.objects.filter(reference="raw").delete()
            StockBalance.objects.filter(point=point, item=item).update(quantity=0)
    print(f"{database}: service median {statistics.median(rates):,.0f} movements/s", end="")
    if raw_rates:
        limit = statistics.median(raw_rates)
        print(f"; raw statements median {limit:,.0f}/s; ratio {statistics.median(rates) / limit:.2f}")
    else:
        print()


if __name__ == "__main__":
    main()
