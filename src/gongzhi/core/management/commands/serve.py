import ipaddress
import subprocess
import sys
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

LOCAL_NAMES = frozenset({"localhost", "testserver"})


def _is_local_host(host: str) -> bool:
    host = host.strip().lower().removeprefix("[").removesuffix("]")
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_is_local(bind: str) -> bool:
    """Whether gunicorn's --bind address (`host:port`, `[::1]:port`, `unix:PATH`) takes connections
    from this machine only. An empty host (`:8000`) is every interface."""
    if bind.startswith("unix:"):
        return True
    host = bind.rsplit(":", 1)[0] if bind.count(":") == 1 or bind.startswith("[") else bind
    return bool(host) and _is_local_host(host)


def hosts_are_local(hosts: Iterable[str]) -> bool:
    """Whether every host name Django answers for (ALLOWED_HOSTS) is this machine's."""
    return all(_is_local_host(host) for host in hosts)


def refuse_development_key(bind: str) -> None:
    """The development key is in the source for anyone to read: with it anyone can forge sessions
    and password-reset links. It may serve this machine only."""
    if settings.SECRET_KEY != settings.DEVELOPMENT_SECRET_KEY:
        return
    if bind_is_local(bind) and hosts_are_local(settings.ALLOWED_HOSTS):
        return
    raise CommandError(
        "refusing to serve with the published development secret key: "
        f"--bind {bind} or GONGZHI_ALLOWED_HOSTS ({','.join(settings.ALLOWED_HOSTS)}) reach beyond this machine. "
        "Set GONGZHI_SECRET_KEY to a long random value, made once and kept "
        "(python3 -c 'import secrets; print(secrets.token_urlsafe(50))'); "
        "docs/deploy.md lists the production settings."
    )


class Command(BaseCommand):
    help = (
        "Migrate, collect static files, and serve with gunicorn (one machine), with a Huey consumer beside it "
        "for background work (the outbox of core.events; periodic jobs). At city scale run consumers apart: "
        "`gongzhi run_huey` on worker machines sharing GONGZHI_REDIS_URL (docs/deploy.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-consumer", action="store_true", help="do not start a Huey consumer beside it")
        parser.add_argument(
            "--no-access-log", action="store_true", help="write no line per request (the benchmarks' servers)"
        )

    def handle(
        self, *args: Any, bind: str, workers: int, no_consumer: bool, no_access_log: bool = False, **options: Any
    ) -> None:
        refuse_development_key(bind)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        consumer = None
        if not no_consumer:
            consumer = subprocess.Popen([sys.executable, "-m", "gongzhi.cli", "run_huey", "--quiet"])
            self.stdout.write(f"background consumer started (pid {consumer.pid})")
        # Worker class, threads and the rest: config/gunicorn.py (the benchmarks use it too).
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "gongzhi.config.wsgi:application",
            "--config",
            "python:gongzhi.config.gunicorn",
            "--bind",
            bind,
            "--workers",
            str(workers),
        ]
        if not no_access_log:
            cmd += ["--access-logfile", "-"]
        self.stdout.write(f"serving at http://{bind}/")
        try:
            code = subprocess.call(cmd)
        finally:
            if consumer is not None:
                consumer.terminate()
                try:
                    consumer.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    consumer.kill()
        raise SystemExit(code)
