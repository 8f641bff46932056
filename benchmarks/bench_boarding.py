"""Boarding throughput over HTTP: N monthly loans of 360 installments posted to
POST /api/v1/loans/onboard on a gunicorn server by concurrent clients.

Target (issue): >= 100 loans/s.

    .venv/bin/python benchmarks/bench_boarding.py [--n 1000] [--workers 4] [--clients 8]
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

BUSINESS_DATE = dt.date(2026, 6, 1)
TARGET = 100  # loans/s


def main() -> None:
    p = c.parser(__doc__.splitlines()[0], default_n=1000)
    c.server_options(p)
    p.add_argument("--payments", type=int, default=360, help="installments per loan")
    args = p.parse_args()
    clients = args.clients or 2 * args.workers

    c.setup_django()
    c.seed_configuration()
    c.set_business_date(BUSINESS_DATE)
    token = c.api_token("bench-boarding")
    funded = BUSINESS_DATE - dt.timedelta(days=1)  # one day of catch-up, as an LOS boards
    requests = [
        (
            "/api/v1/loans/onboard",
            c.term_loan_payload(n, funded_date=funded, number_of_payments=args.payments),
        )
        for n in range(1, args.n + 1)
    ]
    worker_class = "gthread" if args.threads > 1 else "sync"
    with c.Server(workers=args.workers, threads=args.threads, worker_class=worker_class) as srv:
        # Warm every worker (imports, URL resolver, first connection) off the clock.
        warm = [
            ("/api/v1/loans/onboard", c.term_loan_payload(n, funded_date=funded, prefix="WARM"))
            for n in range(1, 2 * args.workers + 1)
        ]
        c.post_all(srv.port, warm, token=token, clients=args.workers)
        c.note(f"posting {args.n} loans with {clients} clients")
        results, seconds = c.post_all(srv.port, requests, token=token, clients=clients)

    from loans.models import Installment, Loan

    boarded = Loan.objects.filter(application_number__startswith="BENCH-").count()
    installments = Installment.objects.filter(
        schedule_version__loan__application_number__startswith="BENCH-"
    ).count()
    c.note(results.describe())
    c.note(f"{boarded} loans and {installments} installments in the database")
    for error in results.errors:
        c.note(f"error: {error}")
    c.report_rate("boarding", results.statuses.get(201, 0), "loans", seconds, TARGET)
    c.finish(args)


if __name__ == "__main__":
    main()
