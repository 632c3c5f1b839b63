import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gongzhi.command.services import figures_refresh
from gongzhi.core.errors import ApplicationError
from gongzhi.demo import communities, loader, users
from gongzhi.demo.appeals import demo_appeals_create
from gongzhi.demo.notices import demo_notices_create
from gongzhi.demo.population import MAX_RESIDENTS_PER_COMMUNITY
from gongzhi.demo.reservoir import demo_reservoir_create
from gongzhi.demo.supplies import demo_supplies_create
from gongzhi.demo.testing_round import demo_round_for
from gongzhi.demo.zones import demo_zones_create
from gongzhi.people.models import Resident
from gongzhi.places.models import Area
from gongzhi.places.services import areas_load


class Command(BaseCommand):
    help = (
        "Fill real communities with a demo population (grids, buildings, households, residents, "
        "vulnerability tags) and create the demo logins (admin, city, district, street, worker, "
        f"worker2, grid, leader, collector, lab, volunteer; password {users.DEMO_PASSWORD}). Same seed, same "
        "city. Communities that already have grids are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--communities",
            type=int,
            default=None,
            metavar="N",
            help="the first N communities in code order (of --street/--district "
            f"when given; default {communities.DEFAULT_COMMUNITIES} of the city, "
            "all of a street or district)",
        )
        parser.add_argument("--street", metavar="CODE", help="communities of this 9-digit street")
        parser.add_argument("--district", metavar="CODE", help="communities of this 6-digit district")
        parser.add_argument("--seed", type=int, default=loader.DEFAULT_SEED, help=f"default {loader.DEFAULT_SEED}")
        parser.add_argument(
            "--residents-per-community",
            type=int,
            default=None,
            metavar="N",
            help="a fixed head count (default: 2,000-8,000 drawn from the seed; "
            f"at most {MAX_RESIDENTS_PER_COMMUNITY:,})",
        )
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            metavar="YYYY-MM-DD",
            help="the day ages refer to (default: 1 January of this year)",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any resident is already registered"
        )
        parser.add_argument(
            "--without-round",
            action="store_true",
            help="no demo round of mass testing (by default one over the street, partly sampled and resulted)",
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        if options["if_empty"] and Resident.objects.exists():
            if self.verbosity < 1:
                return
            self.stdout.write(
                "已有居民数据，跳过演示数据生成（--if-empty）。"
                " Residents already exist: demo load skipped (--if-empty)."
            )
            self._print_logins(users.demo_logins())
            return
        if options["street"] and options["district"]:
            raise CommandError("give --street or --district, not both")
        per_community = options["residents_per_community"]
        if per_community is not None and not 0 <= per_community <= MAX_RESIDENTS_PER_COMMUNITY:
            raise CommandError(f"--residents-per-community must be in 0..{MAX_RESIDENTS_PER_COMMUNITY}")
        if not Area.objects.filter(level=Area.Level.COMMUNITY).exists():
            counts = areas_load()
            if self.verbosity >= 1:
                self.stdout.write(f"areas loaded: {counts['created']} created")
        try:
            chosen = communities.demo_communities_select(
                street=options["street"], district=options["district"], count=options["communities"]
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.extra}") from exc
        result = loader.demo_city_load(
            communities=chosen,
            seed=options["seed"],
            residents_per_community=per_community,
            as_of=options["as_of"],
            on_community=self._report_community,
        )
        logins = users.demo_users_create(communities=chosen)
        if chosen and result.communities:
            demo_reservoir_create(
                community_code=chosen[0].code,
                worker=get_user_model().objects.get(username="worker"),
                password=users.DEMO_PASSWORD,
            )
            if not options["without_round"]:
                demo_round_for(chosen)
                demo_zones_create()  # the round's positive pool proposed zones
            demo_supplies_create(communities=chosen)
            demo_appeals_create(communities=chosen)
            demo_notices_create(communities=chosen)
            figures_refresh()  # the command view's figures, without waiting for the queue's minute
            logins = users.demo_logins()
        if self.verbosity < 1:
            return
        seconds = max(result.seconds, 1e-9)
        self.stdout.write(
            f"demo: {len(result.communities)} communities loaded, {len(result.skipped)} skipped; "
            f"{result.grids:,} grids, {result.buildings:,} buildings, "
            f"{result.households:,} households, {result.residents:,} residents, "
            f"{result.tags:,} tags in {result.seconds:.1f} s "
            f"({result.residents / seconds:,.0f} residents/s, {result.rows / seconds:,.0f} rows/s)"
        )
        if result.id_conflicts:
            self.stdout.write(
                f"{result.id_conflicts} generated ID numbers were already registered; those residents were left out"
            )
        self._print_logins(logins)

    def _report_community(self, area, counts):
        if self.verbosity < 1:
            return
        if counts is None:
            self.stdout.write(f"  {area.name} ({area.code}): 已有网格，跳过 (already has grids, skipped)")
        else:
            self.stdout.write(
                f"  {area.name} ({area.code}): {counts['grids']} grids, "
                f"{counts['buildings']} buildings, {counts['households']:,} households, "
                f"{counts['residents']:,} residents"
            )

    def _print_logins(self, logins):
        if not logins:
            return
        self.stdout.write(f"demo logins (password for all: {users.DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<10} {login.role:<17} {login.area}")
