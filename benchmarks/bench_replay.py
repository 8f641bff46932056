"""Backdated payment replay: a monthly loan of 360 installments boarded 10 years before the
business date, with --n (default 120) on-time payments posted through
``loans.services.payments.post_payment``, except the middle one, which went missing.
Then that payment is posted backdated (its due date + 3 days, ahead of half of the
payments), which replays the loan and re-posts every later payment whose split changes.

Each measured run posts the backdated payment inside an outer transaction that is rolled
back afterwards, so every run starts from the same loan (a fresh copy); the COMMIT itself
is therefore not in those figures. A last run commits for real and is printed apart.

Target (issue): <= 50 ms per backdated post_payment.

    .venv/bin/python benchmarks/bench_replay.py [--n 120] [--runs 7] [--profile]
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

FUNDED = dt.date(2026, 1, 15)
TARGET_MS = 50


def main() -> None:
    p = c.parser(__doc__.splitlines()[0], default_n=120)
    p.add_argument("--runs", type=int, default=7, help="measured runs (median printed)")
    p.add_argument("--amount", default="", help="the backdated payment (default: the missed one)")
    args = p.parse_args()

    c.setup_django()
    from dateutil.relativedelta import relativedelta
    from django.db import transaction

    from loans.models import LedgerEntry
    from loans.services.payments import post_payment

    c.seed_configuration()
    c.set_business_date(FUNDED)
    with c.stopwatch() as t:
        loan = c.board(c.term_loan_payload(1, funded_date=FUNDED, prefix="REPLAY"))
    c.note(f"boarded {loan.loan_number} in {t[0]:.2f} s")
    rows = list(loan.schedule_versions.get().installments.order_by("number")[: args.n])
    # The borrower's payment for the middle installment went missing: every later payment
    # pays the oldest dues first, so each one's split is shifted. Found and posted backdated
    # to its due date + 3 days, it makes the replay re-post every later payment.
    missed = rows[len(rows) // 2]
    started = time.perf_counter()
    for k, row in enumerate(rows, start=1):
        c.set_business_date(row.due_date)
        if row is not missed:
            post_payment(loan, amount=row.total, effective_date=row.due_date, instrument="ach")
        if k % 20 == 0:
            c.note(
                f"{k} due dates, on-time payments posted ({time.perf_counter() - started:.0f} s)"
            )
    business_date = max(rows[-1].due_date, FUNDED + relativedelta(years=10))
    c.set_business_date(business_date)
    c.note(
        f"{len(rows) - 1} on-time payments posted in {time.perf_counter() - started:.0f} s "
        f"(installment {missed.number} missed); business date {business_date}"
    )
    backdated = missed.due_date + dt.timedelta(days=3)
    amount = Decimal(args.amount) if args.amount else missed.total

    def once():
        return post_payment(loan, amount=amount, effective_date=backdated, instrument="wire")

    def in_rolled_back_transaction(fn):
        outer = transaction.atomic()
        outer._from_testcase = True  # lets the service's durable block nest, as TestCase does
        with outer:
            t0 = time.perf_counter()
            result = fn()
            elapsed = (time.perf_counter() - t0) * 1000
            transaction.set_rollback(True)
        return elapsed, result

    # First run also brings the loan up to the business date (inline catch-up): not timed.
    with c.stopwatch() as t:
        from loans.services.catch_up import catch_up

        loan = catch_up(loan)
    c.note(f"inline catch-up to {business_date} took {t[0]:.2f} s (not measured)")
    in_rolled_back_transaction(once)  # warm-up
    samples = []
    for _ in range(args.runs):
        ms, _entry = in_rolled_back_transaction(once)
        samples.append(ms)
    with c.count_queries() as queries:
        in_rolled_back_transaction(once)
    c.note(f"one backdated post_payment runs {len(queries)} SQL queries; by shape:")
    print(c.summarize_queries(queries), flush=True)
    if args.profile:
        with c.maybe_profile(True):
            in_rolled_back_transaction(once)

    later = LedgerEntry.objects.filter(loan=loan, kind="payment", effective_date__gt=backdated)
    c.note(
        f"backdated {amount} effective {backdated} ahead of {later.count()} of "
        f"{len(rows)} payments; ledger has {loan.ledger_entries.count()} rows"
    )
    c.report_latency("replay (backdated post_payment, rolled back)", samples, TARGET_MS)
    t0 = time.perf_counter()
    once()
    committed = (time.perf_counter() - t0) * 1000
    replayed = LedgerEntry.objects.filter(loan=loan, replayed_from__isnull=False).count()
    c.note(f"one committed run: {committed:.1f} ms ({replayed} payments re-posted as replayed)")
    c.finish(args)


if __name__ == "__main__":
    main()
