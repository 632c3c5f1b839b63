from django.core.management.base import BaseCommand, CommandError

from gongzhi.testing import pooling


class Command(BaseCommand):
    help = (
        "The Dorfman-optimal pool size for a prevalence, its expected tests per person, and the break-even prevalence."
    )

    def add_arguments(self, parser):
        parser.add_argument("--prevalence", type=float, required=True, help="e.g. 0.01 for 1 %%")
        parser.add_argument("--zone", choices=sorted(pooling.GUIDELINE_POOL_SIZE), default=None)

    def handle(self, *args, prevalence, zone, **options):
        if not 0.0 <= prevalence <= 1.0:
            raise CommandError("prevalence must be between 0 and 1")
        best = pooling.optimal_pool_size(prevalence)
        self.stdout.write(f"optimal pool size: {best.pool_size}")
        self.stdout.write(f"expected tests per person: {best.tests_per_person:.4f}")
        self.stdout.write(f"break-even prevalence: {pooling.break_even_prevalence():.4f}")
        self.stdout.write(
            f"suggested for a round ({zone or 'ordinary'} area): {pooling.suggested_pool_size(prevalence, zone)}"
        )
