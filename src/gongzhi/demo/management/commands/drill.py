import os
import warnings
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gongzhi.appeals.models import Appeal
from gongzhi.demo.drill import report
from gongzhi.demo.drill.play import Drill
from gongzhi.notices.models import Notice
from gongzhi.places.models import Area
from gongzhi.places.services import areas_load
from gongzhi.supplies.models import Item
from gongzhi.testing.models import Round
from gongzhi.zones.models import Zone

ACTIVITY = ((Round, "rounds"), (Zone, "zones"), (Item, "supplies"), (Appeal, "requests"), (Notice, "notices"))


class Command(BaseCommand):
    help = (
        "Play an outbreak on simulated time through every module (演练): seeded infections, a city-wide "
        "round, positive pools, recalls, zones, notices, the sealed buildings' orders and requests, "
        "allocation, routes, volunteers, SLA escalations, release. Builds the population (scale 1 = all of "
        "Chengdu, 21 M residents) or reuses it, on a database with no rounds, zones, supplies, requests "
        "or notices yet. Writes the report (Markdown and an ECharts page) to --out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=0.1, help="share of the city's communities (default 0.1)")
        parser.add_argument("--seed", type=int, default=1, help="the outbreak's seed (default 1)")
        parser.add_argument(
            "--residents-per-community", type=int, default=None, metavar="N", help="default 6,892 (21 M / 3,047)"
        )
        parser.add_argument(
            "--out", default="", metavar="DIR", help="where the report goes (default: the var directory)"
        )

    def handle(self, *args, **options):
        if not 0 < options["scale"] <= 1:
            raise CommandError("--scale must be in (0, 1]")
        if options["residents_per_community"] is not None and not 1 <= options["residents_per_community"] <= 20000:
            raise CommandError("--residents-per-community must be in 1..20000")
        found = [name for model, name in ACTIVITY if model.objects.exists()]
        if found:
            raise CommandError(
                "演练只能在没有业务数据的数据库上进行（可复用人口）。"
                f" The drill plays on a database without {', '.join(found)} yet (a population may be reused):"
                " give it its own database (GONGZHI_VAR_DIR or DATABASE_URL)."
            )
        if not Area.objects.filter(level=Area.Level.COMMUNITY).exists():
            areas_load()
        # the residents' pages answer in process: whitenoise's note on the static root is noise here
        warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
        drill = Drill(
            scale=options["scale"],
            seed=options["seed"],
            residents_per_community=options["residents_per_community"],
            say=self._say if options["verbosity"] >= 1 else (lambda text: None),
        )
        outcome = drill.run()
        out = Path(options["out"] or Path(settings.VAR_DIR) / "drill")
        paths = write_report(outcome, out)
        self.stdout.write(f"drill finished in {outcome.wall_seconds / 60:.1f} min; report: {paths[0]} and {paths[1]}")

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()


def write_report(outcome, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    text = (
        report.kpi_markdown(outcome.kpi)
        + "\n"
        + report.system_markdown(outcome.system, outcome.wall_seconds, outcome.vendor)
    )
    stem = f"drill-scale-{outcome.kpi['scale']}-seed-{outcome.kpi['seed']}-{outcome.vendor}"
    markdown = out / f"{stem}.md"
    markdown.write_text(text, encoding="utf-8")
    echarts = Path(__file__).resolve().parents[3] / "core" / "static" / "vendor" / "echarts" / "echarts.min.js"
    page = out / f"{stem}.html"
    page.write_text(
        report.html_page(text, outcome.series, outcome.kpi, os.path.relpath(echarts, out)), encoding="utf-8"
    )
    (out / "drill-report.js").write_text(report.CHART_SCRIPT, encoding="utf-8")
    return markdown, page
