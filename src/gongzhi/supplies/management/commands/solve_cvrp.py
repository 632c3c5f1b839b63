"""`gongzhi solve-cvrp FILE.vrp --seconds S [--seed N]`: the delivery-route solver on a CVRPLIB file.

Prints the routes in CVRPLIB's .sol format on standard output, the last line `Cost <integer>`
(rounded Euclidean distances, as the benchmarks' best-known costs). Exit 0 with routes; 2 when the
file cannot be used, with the reason on standard error."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongzhi.supplies import routing
from gongzhi.supplies.messages import SUPPLIES

EXIT_BAD_INPUT = 2


class Command(BaseCommand):
    help = _("求解配送路线（CVRPLIB 格式的 .vrp 文件），按 .sol 格式输出路线和总距离")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--seconds", type=float, default=10.0, help="search time in seconds")
        parser.add_argument("--seed", type=int, default=0, help="random seed (the same seed, the same search)")

    def handle(self, *args, file, seconds, seed, **options):
        try:
            data = routing.cvrp_read(file)
            routes = routing.cvrp_solve(data, seconds, seed)
        except routing.RoutingInputError as exc:
            raise CommandError(SUPPLIES.of(exc.problem), returncode=EXIT_BAD_INPUT) from exc
        self.stdout.write(routing.sol_text(routes), ending="")
