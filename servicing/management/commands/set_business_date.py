import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from servicing.business_date import set_business_date
from servicing.errors import DomainError


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Set the business date. Refuses a date behind any loan's last closed date."

    def add_arguments(self, parser):
        parser.add_argument("date", type=str, help="YYYY-MM-DD")

    def handle(self, *args, **options):
        new_date = iso_date(options["date"])
        try:
            set_business_date(new_date)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Business date set to {new_date.isoformat()}")
