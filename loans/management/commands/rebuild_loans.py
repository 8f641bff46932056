"""``manage.py rebuild_loans L0000001 ...`` or ``--all``: projections rebuilt from the ledger."""

from django.core.management.base import BaseCommand, CommandError

from loans.models import Loan
from loans.services.rebuild import rebuild_loan


class Command(BaseCommand):
    help = "Rebuild loans' cached balances, installments and DPD from their ledgers."

    def add_arguments(self, parser):
        parser.add_argument("loan_numbers", nargs="*")
        parser.add_argument("--all", action="store_true", help="every loan")

    def handle(self, *args, loan_numbers, all, **options):
        if not loan_numbers and not all:
            raise CommandError("Name loan numbers or pass --all.")
        loans = Loan.objects.order_by("pk")
        if not all:
            loans = loans.filter(loan_number__in=loan_numbers)
            missing = set(loan_numbers) - set(loans.values_list("loan_number", flat=True))
            if missing:
                raise CommandError(f"No such loan: {', '.join(sorted(missing))}")
        corrected = 0
        for loan in loans.iterator():
            result = rebuild_loan(loan)
            if result.changed:
                corrected += 1
                for field, (before, after) in result.changed.items():
                    self.stdout.write(f"{result.loan_number}: {field} {before} -> {after}")
        self.stdout.write(f"{loans.count()} loan(s) rebuilt, {corrected} corrected.")
