from django.core.management.base import BaseCommand

from servicing.business_date import get_business_date


class Command(BaseCommand):
    help = "Print the business date (YYYY-MM-DD)."

    def handle(self, *args, **options):
        self.stdout.write(get_business_date().isoformat())
