"""SIGKILL the server in the middle of a client's batched upload with retries; after a restart
nothing is lost and nothing is duplicated. Real gunicorn, real database (SQLite file, or a scratch
PostgreSQL database when the suite runs against PostgreSQL)."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.servers import wait_up

GONGZHI = str(Path(sys.executable).with_name("gongzhi"))
RESIDENTS = 600
SCRATCH_PG = "gongzhi_crash_test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server_env():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="gongzhi.config.settings.base", GONGZHI_LOG_LEVEL="ERROR")
    pg = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if pg:
        for sql in (f"DROP DATABASE IF EXISTS {SCRATCH_PG}", f"CREATE DATABASE {SCRATCH_PG}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{SCRATCH_PG}"
    else:
        env.pop("DATABASE_URL", None)
        env["GONGZHI_VAR_DIR"] = tempfile.mkdtemp(prefix="gongzhi-crash-")
    yield env
    if pg:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {SCRATCH_PG}"])


def _manage(env, *args) -> str:
    return subprocess.run([GONGZHI, *args], env=env, check=True, capture_output=True, text=True).stdout


SETUP = """
from django.contrib.auth import get_user_model
from gongzhi.core.services import api_token_create
from gongzhi.people.models import Resident
from gongzhi.testing import services
user = get_user_model().objects.get(username="collector")
city = get_user_model().objects.get(username="city")
round_ = services.round_create(actor=city, name="crash", area_code="5101", pool_size=10)
services.round_collector_assign(actor=city, round_=round_, user=user)
codes = ["R:" + p for p in Resident.objects.order_by("pk").values_list("public_id", flat=True)]
print(json.dumps({"round": round_.public_id, "key": api_token_create(user=user, name="t")[1], "codes": codes}))
"""

CHECK = """
from django.db.models import Count, F
from gongzhi.testing.models import Sample, Tube
print(json.dumps({
    "samples": Sample.objects.count(),
    "residents": Sample.objects.values("resident").distinct().count(),
    "tubes": Tube.objects.count(),
    "miscounted": Tube.objects.annotate(n=Count("samples")).exclude(n=F("sample_count")).count(),
}))
"""


def _start(env, port):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "gongzhi.config.wsgi:application",
            "--config",
            "python:gongzhi.config.gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "error",
        ],
        env=env,
        start_new_session=True,
    )


def test_sigkill_mid_upload_loses_and_duplicates_nothing(server_env):
    env = server_env
    _manage(env, "migrate", "--noinput")
    _manage(
        env, "demo", "--without-round", "--communities", "1", "--residents-per-community", str(RESIDENTS), "--seed", "3"
    )
    setup = json.loads(_manage(env, "shell", "-c", "import json\n" + SETUP).strip().splitlines()[-1])
    codes = setup["codes"][:RESIDENTS]
    batches = []
    for b in range(0, len(codes), 50):  # 5 tubes of 10 a batch
        events = []
        for t in range(b, b + 50, 10):
            barcode = f"K{t:08d}"
            events.append({"event_id": f"o{t}", "kind": "open", "barcode": barcode})
            events += [{"event_id": f"s{c}", "kind": "scan", "barcode": barcode, "code": c} for c in codes[t : t + 10]]
            events.append({"event_id": f"c{t}", "kind": "close", "barcode": barcode})
        batches.append(json.dumps({"batch_id": f"batch-{b}", "events": events}).encode())

    port = _free_port()
    server = _start(env, port)
    wait_up(port, tries=150)
    sent, attempts = [0], [0]

    def upload():
        headers = {"Authorization": f"Bearer {setup['key']}", "Content-Type": "application/json"}
        for body in batches:
            while True:  # retry until the server answered this batch
                attempts[0] += 1
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    conn.request("POST", f"/api/rounds/{setup['round']}/scans", body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    if response.status == 200:
                        sent[0] += 1
                        break
                except (OSError, http.client.HTTPException):  # refused, reset, or cut off mid-answer by the kill
                    pass
                time.sleep(0.05)

    client = threading.Thread(target=upload)
    client.start()
    while sent[0] < 3:
        time.sleep(0.005)
    os.killpg(server.pid, signal.SIGKILL)  # in the middle of the upload: master and workers at once
    server.wait()
    killed_at = sent[0]
    time.sleep(0.5)
    server = _start(env, port)
    try:
        wait_up(port, tries=150)
        client.join(timeout=120)
        assert not client.is_alive()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert sent[0] == len(batches)  # every batch was answered in the end
    assert killed_at < len(batches)  # the kill really fell in the middle
    assert attempts[0] > len(batches)  # and some batch had to be retried
    counts = json.loads(_manage(env, "shell", "-c", "import json\n" + CHECK).strip().splitlines()[-1])
    assert counts == {"samples": RESIDENTS, "residents": RESIDENTS, "tubes": RESIDENTS // 10, "miscounted": 0}
