"""Payment throughput over HTTP: N payments posted to POST /api/v1/loans/{n}/payments on a
gunicorn server by concurrent clients, spread over N / per-loan loans (monthly, 360
installments). Payments on different loans run concurrently; a loan's own payments are
kept on one client, so they arrive in order and serialize on the loan's row lock anyway.

Target (issue): >= 300 payments/s.

    .venv/bin/python benchmarks/bench_payments.py [--n 10000] [--per-loan 10] [--workers 4]
        [--floor]
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

BUSINESS_DATE = dt.date(2026, 6, 1)
TARGET = 300  # payments/s


def main() -> None:
    p = c.parser(__doc__.splitlines()[0], default_n=10_000)
    c.server_options(p)
    p.add_argument("--per-loan", type=int, default=10, help="payments per loan")
    p.add_argument("--check", type=int, default=20, help="loans whose balances are rebuilt")
    p.add_argument(
        "--floor",
        action="store_true",
        help="also post the same requests with a zero amount (refused 400 by the service "
        "before its transaction): the rate of everything but the payment's own work",
    )
    args = p.parse_args()
    clients = args.clients or 2 * args.workers
    loans_needed = max(1, -(-args.n // args.per_loan))

    c.setup_django()
    c.seed_configuration()
    c.set_business_date(BUSINESS_DATE)
    token = c.api_token("bench-payments")
    from dateutil.relativedelta import relativedelta

    # One month old: the first installment is billed today, about 30 accrual rows.
    funded = BUSINESS_DATE - relativedelta(months=1)
    template = c.board(c.term_loan_payload(0, funded_date=funded, prefix="TPL"))
    with c.stopwatch() as t:
        numbers = c.clone_loans(template, loans_needed + 2 * args.workers)
    c.note(f"copied the boarded loan {len(numbers)} times in {t[0]:.1f} s")
    warm_numbers, numbers = numbers[: 2 * args.workers], numbers[2 * args.workers :]

    def payment(number: str, k: int) -> tuple[str, dict]:
        body = {
            "amount": c.money(random.choice(("150.00", "200.00", "250.00", "1580.17"))),
            "effective_date": BUSINESS_DATE.isoformat(),
            "payment_date": BUSINESS_DATE.isoformat(),
            "instrument": random.choice(("ach", "check", "wire", "card")),
            "external_reference": f"BENCH-{number}-{k}",
        }
        if k % 3 == 0:
            body["hierarchy"] = "system"
        return f"/api/v1/loans/{number}/payments", body

    random.seed(42)
    # Round-robin over loans: consecutive requests hit different loans.
    requests = [payment(numbers[i % len(numbers)], i // len(numbers)) for i in range(args.n)]
    worker_class = "gthread" if args.threads > 1 else "sync"
    with c.Server(workers=args.workers, threads=args.threads, worker_class=worker_class) as srv:
        c.post_all(srv.port, [payment(n, 0) for n in warm_numbers], token=token, clients=4)
        c.note(f"posting {args.n} payments on {len(numbers)} loans with {clients} clients")
        with c.cpu_breakdown("payment", args.n):
            results, seconds = c.post_all(
                srv.port, requests, token=token, clients=clients, key=lambda i, _r: i % len(numbers)
            )
        if args.floor:
            refused = [(path, {**body, "amount": "0.00"}) for path, body in requests]
            with c.cpu_breakdown("refused request", len(refused)):
                floor, floor_seconds = c.post_all(
                    srv.port, refused, token=token, clients=clients, ok_status=400
                )
            c.note(
                f"floor (the same requests refused 400 before the payment's work: HTTP, "
                f"auth, the loan's read, DRF validation): {floor.statuses} in "
                f"{floor_seconds:.1f} s = {len(refused) / floor_seconds:.1f} requests/s"
            )

    from loans.ledger import cached_balances, rebuild_balances
    from loans.models import LedgerEntry, Loan

    posted = LedgerEntry.objects.filter(
        kind="payment", external_reference__startswith="BENCH-", reversed_by__isnull=True
    ).count()
    c.note(results.describe())
    c.note(f"{posted} payment rows in force in the database")
    bad = 0
    for loan in Loan.objects.filter(
        loan_number__in=random.sample(numbers, min(args.check, len(numbers)))
    ):
        if rebuild_balances(loan) != cached_balances(loan):
            bad += 1
            c.note(f"BUG: loan {loan.loan_number}: cached balances differ from the ledger")
    c.note(f"rebuilt {min(args.check, len(numbers))} loans' balances: {bad} mismatches")
    for error in results.errors:
        c.note(f"error: {error}")
    c.report_rate("payments", results.statuses.get(201, 0), "payments", seconds, TARGET)
    in_process(numbers[:10], profile=args.profile)
    api_in_process(numbers[10:30], token=token, profile=args.profile)
    c.finish(args)


def in_process(numbers: list[str], *, profile: bool) -> None:
    """The service alone (no HTTP, no DRF) on loans already paid on: time, SQL, profile."""
    import statistics
    import time
    from decimal import Decimal

    from loans.models import Loan
    from loans.services.payments import post_payment

    loans = list(Loan.objects.filter(loan_number__in=numbers))
    samples = []
    for loan in loans:
        t0 = time.perf_counter()
        post_payment(loan, amount=Decimal("150.00"), effective_date=BUSINESS_DATE)
        samples.append((time.perf_counter() - t0) * 1000)
    c.note(
        f"in process, post_payment alone: median {statistics.median(samples):.0f} ms "
        f"over {len(samples)} loans (single thread)"
    )
    with c.count_queries() as queries:
        post_payment(loans[0], amount=Decimal("150.00"), effective_date=BUSINESS_DATE)
    c.note(f"one post_payment runs {len(queries)} SQL queries; by shape:")
    print(c.summarize_queries(queries), flush=True)
    if profile:
        with c.maybe_profile(True):
            for loan in loans[:5]:
                post_payment(loan, amount=Decimal("150.00"), effective_date=BUSINESS_DATE)


def api_in_process(numbers: list[str], *, token: str, profile: bool) -> None:
    """The whole request (auth, idempotency, DRF, service) through django.test.Client."""
    import json
    import statistics
    import time
    import uuid

    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")

    def post(number: str) -> None:
        response = client.post(
            f"/api/v1/loans/{number}/payments",
            json.dumps({"amount": "150.00", "effective_date": BUSINESS_DATE.isoformat()}),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        assert response.status_code == 201, response.content[:300]

    samples = []
    for number in numbers:
        t0 = time.perf_counter()
        post(number)
        samples.append((time.perf_counter() - t0) * 1000)
    c.note(
        f"in process, the whole API request: median {statistics.median(samples):.1f} ms "
        f"over {len(samples)} loans (single thread)"
    )
    with c.count_queries() as queries:
        post(numbers[0])
    c.note(f"one API payment runs {len(queries)} SQL queries; by shape:")
    print(c.summarize_queries(queries), flush=True)
    if profile:
        with c.maybe_profile(True, sort="tottime"):
            for number in numbers[:5]:
                post(number)


if __name__ == "__main__":
    main()
