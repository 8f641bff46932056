import time

from django.core.management.base import BaseCommand, CommandError

from servicing.business_date import get_business_date
from servicing.cob import run_cob
from servicing.errors import DomainError
from servicing.management.commands.set_business_date import iso_date
from servicing.models import JobRun

SHOWN_FAILURES = 10


class Command(BaseCommand):
    help = (
        "Run close of business for each date from the current business date through "
        "--through (default: the business date), one date after the other; the business "
        "date ends on the day after. A date left unfinished is resumed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--through", type=str, help="YYYY-MM-DD, the last date to close")

    def handle(self, *args, **options):
        through = iso_date(options["through"]) if options["through"] else get_business_date()
        clock = {"last": time.monotonic()}

        def report(job: JobRun) -> None:
            now = time.monotonic()
            self.stdout.write(
                f"{job.business_date}  {job.get_state_display()}: {job.done} done, "
                f"{job.failed} failed of {job.total} in {now - clock['last']:.1f}s (job #{job.pk})"
            )
            for error in job.errors.order_by("id")[:SHOWN_FAILURES]:
                self.stdout.write(f"    {error.item_ref}: {error.message}")
            if job.failed > SHOWN_FAILURES:
                self.stdout.write(f"    ... all {job.failed} on /ops/jobs/{job.pk}/")
            clock["last"] = now

        try:
            run_cob(through, on_date=report)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Business date is now {get_business_date()}")
