"""`gongzhi serve` runs the web server and a Huey consumer beside it: a lab's positive result, recorded
over HTTP, opens its recalls in the consumer after the commit, with SqliteHuey (the embedded default)
and with RedisHuey (GONGZHI_REDIS_URL). Real gunicorn, real consumer processes, a real database (SQLite
file, or a scratch PostgreSQL database when the suite runs against PostgreSQL)."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.servers import wait_up

GONGZHI = str(Path(sys.executable).with_name("gongzhi"))
SCRATCH_PG = "gongzhi_consumer_test"

SETUP = """
import json
from django.contrib.auth import get_user_model
from gongzhi.core.services import api_token_create
from gongzhi.people.models import Resident
from gongzhi.places.services import role_assignment_create
from gongzhi.testing import collection, services
User = get_user_model()
worker, collector = User.objects.get(username="worker"), User.objects.get(username="collector")
community = worker.role_assignments.get().area_code
lab = User.objects.create_user("lab_for_test", password="lab-password-2022")
role_assignment_create(user=lab, role="lab", area_code="5101")
round_ = services.round_create(actor=worker, name="consumer", area_code=community, pool_size=10)
people = Resident.objects.filter(community_code=community).order_by("pk")
codes = ["R:" + p for p in people.values_list("public_id", flat=True)[:10]]
events = [collection.Event("o", "open", "CONSUMER01")]
events += [collection.Event(f"s{i}", "scan", "CONSUMER01", c) for i, c in enumerate(codes)]
services.scan_batch_ingest(round_=round_, collector=collector, events=events)
print(json.dumps({"round": round_.public_id, "key": api_token_create(user=lab, name="lab")[1]}))
"""

CHECK = """
import json
from gongzhi.core.models import OutboxMessage
from gongzhi.testing.models import Recall
print(json.dumps({"recalls": Recall.objects.count(), "pending": OutboxMessage.objects.filter(done_at=None).count()}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env, *args) -> str:
    return subprocess.run([GONGZHI, *args], env=env, check=True, capture_output=True, text=True).stdout


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(params=["sqlite-huey", "redis-huey"])
def env(request):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="gongzhi.config.settings.base", GONGZHI_LOG_LEVEL="ERROR")
    env["GONGZHI_VAR_DIR"] = tempfile.mkdtemp(prefix="gongzhi-consumer-")
    pg = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if pg:
        for sql in (f"DROP DATABASE IF EXISTS {SCRATCH_PG}", f"CREATE DATABASE {SCRATCH_PG}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{SCRATCH_PG}"
    else:
        env.pop("DATABASE_URL", None)
    if request.param == "redis-huey":
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/14").flushdb()
        env["GONGZHI_REDIS_URL"] = "redis://127.0.0.1:6379/14"
    else:
        env.pop("GONGZHI_REDIS_URL", None)
    yield env
    if pg:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {SCRATCH_PG}"])


def test_serve_delivers_a_positive_pool_to_the_recalls_through_its_consumer(env):
    _manage(env, "migrate", "--noinput")
    _manage(env, "demo", "--without-round", "--communities", "1", "--residents-per-community", "60", "--seed", "5")
    setup = _last_json(_manage(env, "shell", "-c", SETUP))
    port = _free_port()
    server = subprocess.Popen(
        [GONGZHI, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_up(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        body = json.dumps({"results": [{"barcode": "CONSUMER01", "result": "positive"}]})
        headers = {"Authorization": f"Bearer {setup['key']}", "Content-Type": "application/json"}
        conn.request("POST", f"/api/rounds/{setup['round']}/results", body=body, headers=headers)
        answer = conn.getresponse()
        assert answer.status == 200, answer.read()
        assert json.loads(answer.read())[0]["status"] == "ok"
        state = {}
        for _ in range(60):  # the consumer polls its queue; a minute is far more than it needs
            state = _last_json(_manage(env, "shell", "-c", CHECK))
            if state["recalls"] == 10 and state["pending"] == 0:
                break
            time.sleep(0.5)
        assert state == {"recalls": 10, "pending": 0}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
