"""The CPU cost of one scan batch through the whole request path, in process (django.test.Client: the
middleware, token authentication, reading the events, the rules, the writes and the answer; no
network, no other process), on SQLite: the figure to compare two checkouts on the same machine at
the same moment, where the HTTP benchmark's clients and server share the cores and add noise.

    .venv/bin/python bench/bench_scan_batch.py                      # this checkout
    PYTHONPATH=/path/to/other/checkout/src .venv/bin/python bench/bench_scan_batch.py   # another

Prints the median and the fastest 500-event batch (10 tubes of 10 residents with their opens and
closes: 410 scans, 41 tubes) over 80 batches after 10 warm-up ones. Never touches the project's
own database.
"""

import argparse
import json
import os
import statistics
import tempfile
import time

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--communities", type=int, default=8)
ARGS.add_argument("--per-community", type=int, default=5000)
ARGS.add_argument("--batches", type=int, default=90)
ARGS = ARGS.parse_args()
os.environ.update(
    DJANGO_SETTINGS_MODULE="gongzhi.config.settings.base",
    GONGZHI_LOG_LEVEL="ERROR",
    GONGZHI_VAR_DIR=tempfile.mkdtemp(prefix="gongzhi-bench-scan-batch-"),
)
os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

import gongzhi  # noqa: E402
from gongzhi.core.services import api_token_create  # noqa: E402
from gongzhi.people.models import Resident  # noqa: E402
from gongzhi.testing import services  # noqa: E402

WARM_UP = 10


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("demo", communities=ARGS.communities, residents_per_community=ARGS.per_community, seed=7, verbosity=0)
    users = get_user_model().objects
    collector, city = users.get(username="collector"), users.get(username="city")
    round_ = services.round_create(actor=city, name="bench", area_code="5101", pool_size=10)
    if hasattr(services, "round_collector_assign"):  # checkouts before issue 9 had no assignments
        services.round_collector_assign(actor=city, round_=round_, user=collector)
    key = api_token_create(user=collector, name="bench")[1]
    codes = ["R:" + p for p in Resident.objects.order_by("pk").values_list("public_id", flat=True)]
    bodies, events, tube = [], [], 0
    for i in range(0, len(codes), 10):
        tube += 1
        barcode = f"T{tube:09d}"
        events.append({"event_id": f"o{barcode}", "kind": "open", "barcode": barcode})
        events += [
            {"event_id": f"s{barcode}{j}", "kind": "scan", "barcode": barcode, "code": code}
            for j, code in enumerate(codes[i : i + 10])
        ]
        events.append({"event_id": f"c{barcode}", "kind": "close", "barcode": barcode})
        if len(events) + 12 > 500:
            bodies.append(json.dumps({"batch_id": f"b{tube}", "events": events}))
            events = []
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = f"/api/rounds/{round_.public_id}/scans"
    times = []
    for body in bodies[: ARGS.batches]:
        started = time.perf_counter()
        response = client.post(url, body, content_type="application/json")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
    kept = times[WARM_UP:]
    median = statistics.median(kept)
    print(f"code: {os.path.dirname(gongzhi.__file__)}")
    print(
        f"500-event batches (410 scans): {len(kept)} timed, median {median * 1000:.2f} ms,"
        f" fastest {min(kept) * 1000:.2f} ms; {410 / median:,.0f} scans/s on one core at the median"
    )


if __name__ == "__main__":
    main()
