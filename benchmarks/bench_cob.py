"""Close of business at portfolio scale: N open loans generated in PostgreSQL, one COB
date timed end to end, and the set-based close against a per-loan ORM loop.

The portfolio: template loans boarded through the onboarding service (a mix of products,
day counts, frequencies, rates, funded dates and due days, so a few percent bill on any
date) copied in SQL to N loans (``_common.clone_loans``). Then:
1. the same ``--sample`` quiet loans closed for the business date twice, each run rolled
   back: set-based (``loans.cob.close_loans``, the step's chunk function) and a per-loan ORM loop
   (lock, the same ``accrue_day``, ``LedgerEntry.objects.create``, ``loan.save()``);
2. ``servicing.cob.run_cob`` for the business date over all N loans: chunks fanned out
   as Celery tasks to ``--workers`` worker processes (Redis), or eagerly in this process
   with ``--workers 0``.

Targets (issue): 1,000,000 loans for one date in <= 60 s; >= 50x the per-loan loop.

    .venv/bin/python benchmarks/bench_cob.py [--n 1000000] [--payments 24] [--workers 2]
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c

BUSINESS_DATE = dt.date(2026, 6, 15)
TARGET_SECONDS = 60
TARGET_RATIO = 50
DAY_COUNTS = ("30/360", "ACT/360", "ACT/365", "ACT/ACT")
MIX = (  # product, frequency, share of templates
    ("TERM", "monthly"),
    ("TERM", "monthly"),
    ("CRE", "monthly"),
    ("TERM", "biweekly"),
    ("CRE", "quarterly"),
    ("TERM", "weekly"),
)


def main() -> None:
    p = c.parser(__doc__.splitlines()[0], default_n=1_000_000)
    p.add_argument("--payments", type=int, default=24, help="installments per loan")
    p.add_argument("--templates", type=int, default=48, help="loans boarded, then copied")
    p.add_argument("--sample", type=int, default=10_000, help="loans of the ORM comparison")
    p.add_argument("--workers", type=int, default=2, help="Celery workers (0: eager)")
    p.add_argument("--chunk", type=int, default=5000, help="COB_CHUNK_SIZE")
    args = p.parse_args()
    redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    if args.workers:
        os.environ["BENCH_REDIS_URL"] = redis
    os.environ["COB_CHUNK_SIZE"] = str(args.chunk)
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0" if args.workers else "1"

    c.setup_django()
    c.seed_configuration()
    c.set_business_date(BUSINESS_DATE)
    with c.stopwatch() as t:
        total = generate(args.n, args.templates, args.payments)
    c.note(f"generated {total} open loans in {t[0]:.0f} s")

    compare_with_orm_loop(args.sample, args.chunk, profile=args.profile)
    run_one_date(total, args.workers)
    c.finish(args)


# --- the portfolio ------------------------------------------------------------------------


def generate(n: int, templates: int, payments: int) -> int:
    from django.db import connection

    from loans.models import Loan

    per_template = max(1, n // templates)
    with c.stopwatch() as t:
        boarded = [board_template(k, payments) for k in range(templates)]
    c.note(f"boarded {templates} templates through the service in {t[0]:.1f} s")
    with c.stopwatch() as t:
        for k, template in enumerate(boarded):
            c.clone_loans(template, per_template - 1, prefix=f"G{k:02d}")
    with connection.cursor() as cursor:
        # Each copy's carry names its own schedule version.
        cursor.execute(
            "UPDATE loans_loan l SET carry = jsonb_set(l.carry, '{version}', to_jsonb(sv.id)) "
            "FROM loans_scheduleversion sv WHERE sv.loan_id = l.id AND sv.is_current "
            "AND l.carry IS NOT NULL"
        )
        cursor.execute("VACUUM ANALYZE")
    c.note(f"copied them to {per_template * templates} loans in {t[0]:.0f} s")
    return Loan.objects.filter(status=Loan.Status.OPEN).count()


def board_template(k: int, payments: int):
    product, frequency = MIX[k % len(MIX)]
    funded = BUSINESS_DATE - dt.timedelta(days=1 + k % 9)
    steps = {"monthly": 30, "biweekly": 14, "quarterly": 91, "weekly": 7}[frequency]
    # Due days spread over the period: about 1/30 of monthly loans bill on any date.
    first = funded + dt.timedelta(days=steps - (k * 7) % min(steps, 28))
    if first <= BUSINESS_DATE:
        first += dt.timedelta(days=steps)
    payload = c.term_loan_payload(
        k,
        funded_date=funded,
        number_of_payments=payments,
        amount=f"{50_000 + 7_919 * k}.00",
        rate=f"{4.5 + (k * 0.37) % 8:.6f}",
        prefix="TPL",
    )
    payload.update(
        product_code=product,
        day_count=DAY_COUNTS[k % len(DAY_COUNTS)],
        payment_frequency=frequency,
        first_payment_date=first.isoformat(),
    )
    return c.board(payload)


# --- set-based against a per-loan ORM loop ----------------------------------------------


def quiet_sample(size: int) -> list[int]:
    """Loans that accrue and bill nothing tomorrow (what both loops can close)."""
    from loans.models import Loan

    tomorrow = BUSINESS_DATE + dt.timedelta(days=1)
    ids = (
        Loan.objects.filter(status=Loan.Status.OPEN)
        .exclude(next_due_date=tomorrow)
        .order_by("?")
        .values_list("pk", flat=True)[:size]
    )
    return sorted(ids)


def compare_with_orm_loop(size: int, chunk: int, *, profile: bool = False) -> None:
    from django.db import transaction

    from loans.cob import close_loans
    from loans.models import Loan

    sample = quiet_sample(size)
    with transaction.atomic(), c.maybe_profile(profile, sort="tottime"):
        with c.stopwatch() as t:
            for start in range(0, len(sample), chunk):
                # The COB step's own chunk function: SQL, then Python, then the engine.
                assert not close_loans(sample[start : start + chunk], BUSINESS_DATE)
        closed = Loan.objects.filter(pk__in=sample, last_closed_date=BUSINESS_DATE).count()
        transaction.set_rollback(True)
    set_based = t[0]
    with transaction.atomic():
        with c.stopwatch() as t:
            orm_loop(sample, BUSINESS_DATE)
        transaction.set_rollback(True)
    loop = t[0]
    ratio = loop / set_based
    c.note(
        f"sample of {len(sample)} quiet loans ({closed} closed): set-based {set_based:.2f} s "
        f"({len(sample) / set_based:,.0f} loans/s), per-loan ORM loop {loop:.2f} s "
        f"({len(sample) / loop:,.0f} loans/s)"
    )
    verdict = "MET" if ratio >= TARGET_RATIO else "MISSED"
    print(
        f"cob set-based vs per-loan ORM loop: {ratio:.0f}x faster "
        f"(target >= {TARGET_RATIO}x) {verdict} {c.load_note()}",
        flush=True,
    )


def orm_loop(ids: list[int], business_date: dt.date) -> None:
    """The naive close: per loan, lock, the same engine arithmetic, create and save."""
    from django.db import transaction

    from loans.engine.replay import accrue_day
    from loans.models import LedgerEntry, Loan
    from loans.services.replay import opening_from_json

    tomorrow = business_date + dt.timedelta(days=1)
    for pk in ids:
        with transaction.atomic():
            loan = Loan.objects.select_for_update().get(pk=pk)
            opening = opening_from_json(loan.carry)
            sums = dict(opening.period_sums)
            amount, posted = accrue_day(
                sums,
                opening.period_posted,
                loan.principal_balance,
                business_date,
                opening.window,
                opening.rate,
                loan.day_count,
                loan.payment_frequency,
            )
            LedgerEntry.objects.create(
                loan=loan,
                kind=LedgerEntry.Kind.INTEREST_ACCRUAL,
                effective_date=business_date,
                business_date=business_date,
                actor_label="system",
                amount=amount,
                interest=amount,
            )
            loan.interest_balance += amount
            loan.carry = {
                **loan.carry,
                "date": tomorrow.isoformat(),
                "sums": [[b, str(v)] for b, v in sorted(sums.items())],
                "posted": str(posted),
                "accrued": str(opening.accrued + amount),
            }
            loan.last_closed_date = business_date
            loan.save()


# --- one COB date end to end ---------------------------------------------------------------


def run_one_date(total: int, workers: int) -> None:
    from servicing.cob import run_cob

    procs = start_workers(workers) if workers else []
    try:
        started = time.perf_counter()
        jobs = run_cob(BUSINESS_DATE)
        seconds = time.perf_counter() - started
    finally:
        peaks = [peak_rss_mb(proc.pid) for proc in procs]
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
    job = jobs[-1]
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    c.note(
        f"job #{job.pk} {job.state}: {job.done} done, {job.failed} failed of {job.total}; "
        f"peak memory: this process {own:.0f} MB"
        + (f", workers {', '.join(f'{p:.0f}' for p in peaks)} MB" if peaks else "")
    )
    rate = total / seconds
    if total >= 1_000_000:
        verdict = "MET" if seconds <= TARGET_SECONDS else "MISSED"
    else:  # a smaller run says what its rate would take for the target's million
        verdict = f"(1,000,000 at this rate: {1_000_000 / rate:.0f} s)"
    print(
        f"cob: {total:,} loans closed for {BUSINESS_DATE} in {seconds:.1f} s = {rate:,.0f} "
        f"loans/s with {workers or 'no'} worker(s) (target <= {TARGET_SECONDS} s for "
        f"1,000,000) {verdict} {c.load_note()}",
        flush=True,
    )


def start_workers(count: int) -> list[subprocess.Popen]:
    env = c.bench_env()
    env.update(CELERY_TASK_ALWAYS_EAGER="0", COB_CHUNK_SIZE=os.environ["COB_CHUNK_SIZE"])
    procs = []
    for k in range(count):
        procs.append(
            subprocess.Popen(  # noqa: S603 (our own venv's celery, fixed arguments)
                [
                    str(c.VENV_BIN / "celery"),
                    "-A",
                    "servicing.celery",
                    "worker",
                    "--pool=solo",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=WARNING",
                    f"--hostname=bench{k}@%h",
                    f"--logfile=var/bench-worker-{k}.log",
                ],
                env=env,
                cwd=c.REPO,
            )
        )
    time.sleep(3)  # the workers connect to Redis
    return procs


def peak_rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    line = next((ln for ln in status.splitlines() if ln.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1]) / 1024


if __name__ == "__main__":
    main()
