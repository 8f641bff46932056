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
        with c.cpu_breakdown("boarding", args.n):
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
    api_in_process(token=token, funded=funded, payments=args.payments, profile=args.profile)
    c.finish(args)


def api_in_process(*, token: str, funded: dt.date, payments: int, profile: bool) -> None:
    """One boarding at a time through django.test.Client (auth, DRF, service, response):
    wall and CPU time of this process (PostgreSQL's work is in the wall time only), the
    SQL of one boarding by shape, and with --profile where the CPU goes."""
    import json
    import statistics
    import time

    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    payloads = (
        c.term_loan_payload(n, funded_date=funded, number_of_payments=payments, prefix="PROC")
        for n in range(1, 10**6)
    )

    def post() -> None:
        response = client.post(
            "/api/v1/loans/onboard", json.dumps(next(payloads)), content_type="application/json"
        )
        assert response.status_code == 201, response.content[:300]

    post()  # warm
    walls, cpus = [], []
    for _ in range(30):
        wall, cpu = time.perf_counter(), time.process_time()
        post()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    c.note(
        f"in process, the whole API request: median {statistics.median(walls):.1f} ms wall, "
        f"{statistics.median(cpus):.1f} ms CPU of this process, over {len(walls)} loans "
        "(single thread)"
    )
    with c.count_queries() as queries:
        post()
    c.note(f"one boarding runs {len(queries)} SQL queries (and one COPY); by shape:")
    print(c.summarize_queries(queries, top=30), flush=True)
    if profile:
        with c.profile_by_area():
            for _ in range(10):
                post()
        with c.maybe_profile(True, sort="tottime"):
            for _ in range(5):
                post()


if __name__ == "__main__":
    main()
