"""Production settings: the published development key never serves the public, TLS turns on secure
cookies and HSTS, and `check --deploy` is clean with the settings docs/deploy.md writes down."""

import importlib
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gongzhi.core.management.commands import serve

DEPLOYMENT_DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


@pytest.fixture
def started(monkeypatch):
    """Records what `serve` would run instead of migrating and starting gunicorn."""
    calls: list[object] = []
    monkeypatch.setattr(serve, "call_command", lambda *args, **kwargs: calls.append(args[0]))
    monkeypatch.setattr(serve.subprocess, "call", lambda cmd: calls.append("gunicorn") or 0)
    return calls


@pytest.mark.parametrize(
    ("bind", "hosts"),
    [
        ("0.0.0.0:8000", ["127.0.0.1", "localhost", "testserver"]),
        (":8000", ["127.0.0.1"]),
        ("10.1.2.3:8000", ["127.0.0.1"]),
        ("127.0.0.1:8000", ["gz.example.cn"]),
        ("unix:/run/gongzhi.sock", ["gz.example.cn", "127.0.0.1"]),
        ("localhost:8000", ["*"]),
    ],
)
def test_serve_refuses_the_development_key_when_not_local(settings, started, bind, hosts):
    settings.SECRET_KEY = settings.DEVELOPMENT_SECRET_KEY
    settings.ALLOWED_HOSTS = hosts
    with pytest.raises(CommandError, match="GONGZHI_SECRET_KEY"):
        call_command("serve", bind=bind, no_consumer=True)
    assert started == []  # nothing migrated, nothing served


@pytest.mark.parametrize("bind", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "unix:/tmp/gz.sock"])
def test_serve_starts_with_the_development_key_on_this_machine_only(settings, started, bind):
    settings.SECRET_KEY = settings.DEVELOPMENT_SECRET_KEY
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]
    with pytest.raises(SystemExit) as stopped:
        call_command("serve", bind=bind, no_consumer=True)
    assert stopped.value.code == 0 and started == ["migrate", "collectstatic", "gunicorn"]


def test_serve_starts_in_public_with_an_own_key(settings, started):
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.ALLOWED_HOSTS = ["gz.example.cn"]
    with pytest.raises(SystemExit):
        call_command("serve", bind="0.0.0.0:8000", no_consumer=True)
    assert started == ["migrate", "collectstatic", "gunicorn"]


def _clean_environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGZHI_", "DJANGO_", "DATABASE_URL"))}
    env["GONGZHI_VAR_DIR"] = str(tmp_path / "var")
    return env


def test_the_gongzhi_command_exits_non_zero_with_a_clear_message(tmp_path):
    env = _clean_environment(tmp_path) | {"GONGZHI_ALLOWED_HOSTS": "gz.example.cn"}
    done = subprocess.run(
        [sys.executable, "-m", "gongzhi.cli", "serve", "--bind", "0.0.0.0:8000", "--no-consumer"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "GONGZHI_SECRET_KEY" in done.stderr
    assert not (tmp_path / "var" / "gongzhi.sqlite3").exists()  # refused before migrating


@pytest.fixture
def reload_settings(monkeypatch):
    from gongzhi.config.settings import base

    def load(**env: str):
        for name in ("GONGZHI_TLS", "GONGZHI_SECURE_COOKIES", "GONGZHI_CSRF_TRUSTED_ORIGINS"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(base)

    yield load
    monkeypatch.undo()
    importlib.reload(base)


@pytest.mark.parametrize(
    "env",
    [
        {"GONGZHI_TLS": "1"},
        {"GONGZHI_SECURE_COOKIES": "1"},  # the earlier name
        {"GONGZHI_CSRF_TRUSTED_ORIGINS": "https://gz.example.cn"},
    ],
)
def test_tls_turns_on_secure_cookies_hsts_and_the_proxy_header(reload_settings, env):
    tls = reload_settings(**env)
    assert tls.SESSION_COOKIE_SECURE and tls.CSRF_COOKIE_SECURE
    assert tls.SECURE_HSTS_SECONDS >= 31536000
    assert tls.SECURE_HSTS_INCLUDE_SUBDOMAINS and tls.SECURE_HSTS_PRELOAD
    assert tls.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert tls.SECURE_SSL_REDIRECT


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"GONGZHI_CSRF_TRUSTED_ORIGINS": "http://10.0.0.5:8000"},
        {"GONGZHI_TLS": "0", "GONGZHI_CSRF_TRUSTED_ORIGINS": "https://gz.example.cn"},
    ],
)
def test_without_tls_cookies_are_not_secure_only(reload_settings, env):
    plain = reload_settings(**env)
    assert not plain.SESSION_COOKIE_SECURE and not plain.CSRF_COOKIE_SECURE
    assert not plain.SECURE_SSL_REDIRECT and not getattr(plain, "SECURE_PROXY_SSL_HEADER", None)
    assert not getattr(plain, "SECURE_HSTS_SECONDS", 0)


def _documented_environment() -> dict[str, str]:
    """The `NAME=value` lines of the production block in docs/deploy.md; a generated value
    (`$(...)`) is generated here."""
    text = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- production environment -->\s*```(?:sh|bash)?\n(.*?)```", text, re.S)
    assert block, "docs/deploy.md lists the production environment in a marked block"
    env = {}
    for line in block.group(1).splitlines():
        match = re.match(r"^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$", line.strip())
        if match:
            name, value = match.groups()
            value = value.strip().strip("'\"")
            env[name] = secrets.token_urlsafe(50) if value.startswith("$(") else value
    return env


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    documented = _documented_environment()
    assert {"GONGZHI_SECRET_KEY", "GONGZHI_ALLOWED_HOSTS", "GONGZHI_TLS"} <= set(documented)
    env = _clean_environment(tmp_path) | documented | {"GONGZHI_VAR_DIR": str(tmp_path / "var")}
    done = subprocess.run(
        [sys.executable, "-m", "gongzhi.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues (0 silenced)" in done.stdout


def test_every_environment_variable_the_code_reads_is_in_the_settings_table():
    """docs/deploy.md's "Every setting" table names each variable read from the environment."""
    source = Path(serve.__file__).resolve().parents[3]  # src/gongzhi
    read = set()
    for path in source.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r'os\.environ\.(?:get|setdefault)\(\s*"([A-Z][A-Z0-9_]*)"', text))
        read |= set(re.findall(r'_switch\("([A-Z][A-Z0-9_]*)"\)', text))
    assert {"DATABASE_URL", "GONGZHI_REPLICA_URL", "GONGZHI_TLS", "GONGZHI_THREADS"} <= read
    doc = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    table = doc.split("## Every setting", 1)[1].split("\n## ", 1)[0]
    assert [name for name in sorted(read) if f"`{name}`" not in table] == []
