"""Two app servers, one database: the city deployment's part that runs on one machine (docs/deploy.md).
Two real `gongzhi serve` processes on two ports share one database: a scan batch sent to one is
seen by the other (its replay answered from the stored batch, the coverage counted), and the
reverse.

The servers get a scratch database of their own (a temporary SQLite file, or a scratch PostgreSQL
database when the suite runs against PostgreSQL), as tests/core/test_consumer.py does, rather than
the pytest test database: that one holds the test's rows in a transaction other processes cannot see
and, on SQLite, lives in this process's memory."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.servers import wait_up

GONGZHI = str(Path(sys.executable).with_name("gongzhi"))
SCRATCH_PG = "gongzhi_two_servers_test"

SETUP = """
import json
from django.contrib.auth import get_user_model
from gongzhi.core.services import api_token_create
from gongzhi.people.models import Resident
from gongzhi.testing import services
User = get_user_model()
city, worker, collector = (User.objects.get(username=n) for n in ("city", "worker", "collector"))
community = worker.role_assignments.get().area_code
round_ = services.round_create(actor=city, name="two servers", area_code=community, pool_size=10)
services.round_collector_assign(actor=city, round_=round_, user=collector)
people = Resident.objects.filter(community_code=community).order_by("pk")
codes = ["R:" + p for p in people.values_list("public_id", flat=True)[:20]]
print(json.dumps({
    "round": round_.public_id,
    "collector": api_token_create(user=collector, name="collector")[1],
    "city": api_token_create(user=city, name="city")[1],
    "codes": codes,
}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env, *args) -> str:
    done = subprocess.run([GONGZHI, *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def env():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="gongzhi.config.settings.base", GONGZHI_LOG_LEVEL="ERROR")
    env["GONGZHI_VAR_DIR"] = tempfile.mkdtemp(prefix="gongzhi-two-servers-")
    env.pop("GONGZHI_REDIS_URL", None)
    env.pop("GONGZHI_REPLICA_URL", None)
    pg = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if pg:
        for sql in (f"DROP DATABASE IF EXISTS {SCRATCH_PG}", f"CREATE DATABASE {SCRATCH_PG}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{SCRATCH_PG}"
    else:
        env.pop("DATABASE_URL", None)
    yield env
    shutil.rmtree(env["GONGZHI_VAR_DIR"], ignore_errors=True)
    if pg:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {SCRATCH_PG}"])


def _call(port: int, method: str, path: str, key: str, body: dict | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    answer = conn.getresponse()
    return answer.status, json.loads(answer.read())


def _batch(batch_id: str, barcode: str, codes: list[str]) -> dict:
    events = [{"event_id": f"o{barcode}", "kind": "open", "barcode": barcode}]
    events += [{"event_id": f"s{c}", "kind": "scan", "barcode": barcode, "code": c} for c in codes]
    events.append({"event_id": f"c{barcode}", "kind": "close", "barcode": barcode})
    return {"batch_id": batch_id, "events": events}


def test_two_servers_on_two_ports_share_one_database(env):
    _manage(env, "migrate", "--noinput")
    _manage(env, "demo", "--without-round", "--communities", "1", "--residents-per-community", "60", "--seed", "5")
    setup = json.loads(_manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
    ports, servers = [_free_port(), _free_port()], []
    try:
        for port in ports:  # one after the other: each migrates and collects the static files first
            server = subprocess.Popen(
                [GONGZHI, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-consumer"],
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            servers.append(server)
            wait_up(port, server)
        a, b = ports
        scans = f"/api/rounds/{setup['round']}/scans"
        coverage = f"/api/rounds/{setup['round']}/coverage"
        first, second = setup["codes"][:10], setup["codes"][10:20]

        status, on_a = _call(a, "POST", scans, setup["collector"], _batch("two-servers-1", "TWOSRV0001", first))
        assert status == 200
        assert sum(1 for o in on_a["outcomes"] if o["event_id"].startswith("s") and o["code"] == "ok") == 10
        # The same batch sent again, to the other server: answered from the batch the first one stored.
        status, on_b = _call(b, "POST", scans, setup["collector"], _batch("two-servers-1", "TWOSRV0001", first))
        assert status == 200 and on_b == on_a
        for port in ports:
            assert _call(port, "GET", coverage, setup["city"])[1]["sampled"] == 10

        status, _ = _call(b, "POST", scans, setup["collector"], _batch("two-servers-2", "TWOSRV0002", second))
        assert status == 200
        for port in ports:
            assert _call(port, "GET", coverage, setup["city"])[1]["sampled"] == 20
        assert all(s.poll() is None for s in servers)  # both still serving
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)


def test_serve_writes_no_access_log_when_told(monkeypatch):
    """The benchmark's servers (bench/bench_ingest.py --servers N) run without the per-request line."""
    from django.core.management import call_command

    from gongzhi.core.management.commands import serve

    commands: list[list[str]] = []
    monkeypatch.setattr(serve, "call_command", lambda *args, **kwargs: None)
    monkeypatch.setattr(serve.subprocess, "call", lambda cmd: commands.append(cmd) or 0)
    for flags in ({}, {"no_access_log": True}):
        with pytest.raises(SystemExit):
            call_command("serve", bind="127.0.0.1:8000", no_consumer=True, **flags)
    logged, quiet = commands
    assert "--access-logfile" in logged and "--access-logfile" not in quiet
    assert [a for a in logged if a not in ("--access-logfile", "-")] == quiet
