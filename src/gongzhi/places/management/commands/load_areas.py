from django.core.management.base import BaseCommand

from gongzhi.places.services import areas_load


class Command(BaseCommand):
    help = "Load Chengdu's official area codes (city, 20 districts, 261 streets, 3,047 communities). Idempotent."

    def handle(self, *args, **options):
        counts = areas_load()
        self.stdout.write(
            f"areas: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged"
        )
