import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Migrate, collect static files, and serve with gunicorn (one machine), with a Huey consumer beside it "
        "for background work (the outbox of core.events; periodic jobs). At city scale run consumers apart: "
        "`gongzhi run_huey` on worker machines sharing GONGZHI_REDIS_URL (docs/architecture.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-consumer", action="store_true", help="do not start a Huey consumer beside it")

    def handle(self, *args: Any, bind: str, workers: int, no_consumer: bool, **options: Any) -> None:
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
            "--access-logfile",
            "-",
        ]
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
