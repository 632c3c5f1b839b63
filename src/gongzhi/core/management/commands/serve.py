import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, collect static files and serve with gunicorn (one machine)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, bind, workers, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        # Threads let a worker answer "busy, retry" (503) at once while another request holds the
        # database; sync workers would leave callers waiting in the socket queue instead.
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "gongzhi.config.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--access-logfile",
            "-",
        ]
        self.stdout.write(f"serving at http://{bind}/")
        raise SystemExit(subprocess.call(cmd))
