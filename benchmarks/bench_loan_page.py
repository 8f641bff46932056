"""Agent loan page: server time of GET /loans/<n>/<tab>/ for a monthly loan of 360
installments with about --n (default 500) transactions (daily accruals and monthly
payments: about 16 months of history), via django.test.Client logged in as an agent.

Median of --requests (default 20) requests per tab (summary, schedule, transactions),
full page and the htmx tab fragment, after two warm-up requests.

Target (issue): <= 150 ms.

    .venv/bin/python benchmarks/bench_loan_page.py [--n 500] [--requests 20] [--profile]
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
TARGET_MS = 150
# The transactions tab hides daily accrual rows by default; "transactions?accruals=show"
# renders all 500 rows.
TABS = ("summary", "schedule", "transactions", "transactions?accruals=show")


def build_loan(target_rows: int):
    """Board, then pay on time month after month until the ledger has ``target_rows``."""
    from django.db.models import Count

    from loans.services.payments import post_payment

    c.set_business_date(FUNDED)
    loan = c.board(c.term_loan_payload(1, funded_date=FUNDED, prefix="PAGE"))
    rows = list(loan.schedule_versions.get().installments.order_by("number"))
    for row in rows:
        c.set_business_date(row.due_date)
        post_payment(loan, amount=row.total, effective_date=row.due_date, instrument="ach")
        if loan.ledger_entries.count() + 31 >= target_rows:
            break
    # Top up to the target with the business date's own extra payments.
    day = row.due_date + dt.timedelta(days=1)
    c.set_business_date(day)
    while loan.ledger_entries.count() < target_rows:
        post_payment(loan, amount=Decimal("25.00"), effective_date=day, instrument="card")
    kinds = dict(
        loan.ledger_entries.values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    c.note(f"loan {loan.loan_number}: {loan.ledger_entries.count()} ledger rows {kinds}")
    return loan


def agent_client():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    user = get_user_model().objects.create_user(username="bench-agent")
    user.groups.add(Group.objects.get_or_create(name="agent")[0])
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def main() -> None:
    p = c.parser(__doc__.splitlines()[0], default_n=500)
    p.add_argument("--requests", type=int, default=20, help="requests per tab")
    args = p.parse_args()

    c.setup_django()
    c.seed_configuration()
    with c.stopwatch() as t:
        loan = build_loan(args.n)
    c.note(f"built the loan in {t[0]:.0f} s")
    client = agent_client()
    results = {}
    for tab in TABS:
        name, _, query = tab.partition("?")
        path = f"/loans/{loan.loan_number}/{name}/" + (f"?{query}" if query else "")
        for label, headers in (("page", {}), ("htmx", {"HTTP_HX_REQUEST": "true"})):
            for _ in range(2):
                response = client.get(path, **headers)
                if response.status_code != 200:
                    raise SystemExit(f"GET {path} -> {response.status_code}")
            samples = []
            for _ in range(args.requests):
                t0 = time.perf_counter()
                response = client.get(path, **headers)
                samples.append((time.perf_counter() - t0) * 1000)
            with c.count_queries() as queries:
                response = client.get(path, **headers)
            c.note(
                f"{tab} {label}: {len(response.content) // 1024} KiB, "
                f"{len(queries)} queries ({sum(float(q['time']) for q in queries) * 1000:.0f} ms)"
            )
            results[(tab, label)] = samples
            if args.profile and label == "page":
                with c.maybe_profile(True, top=25):
                    client.get(path, **headers)
    for (tab, label), samples in results.items():
        c.report_latency(f"loan page {tab} ({label})", samples, TARGET_MS)
    c.finish(args)


if __name__ == "__main__":
    main()
