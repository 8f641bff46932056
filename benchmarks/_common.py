"""Shared helpers for the benchmarks: database reset, Django set-up, a gunicorn server,
concurrent HTTP clients, timing and the printed result lines.

The benchmarks run on a dedicated PostgreSQL database (``bench`` by default, override with
``BENCH_DATABASE_URL``). Each script drops and recreates it, migrates, does its work and
drops it again at the end (``--keep`` keeps it for a look afterwards). Run one benchmark
at a time: they share the database.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import http.client
import io
import json
import os
import pstats
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench"
VENV_BIN = REPO / ".venv" / "bin"


# --- environment and database --------------------------------------------------------------


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def bench_env() -> dict[str, str]:
    """The environment of the benchmark process and of the gunicorn server it starts."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="servicing.settings.base",
        DEBUG="1",
        DATABASE_URL=database_url(),
        LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    )
    # Celery eager and the local-memory cache unless a Redis is asked for explicitly.
    env.pop("REDIS_URL", None)
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    return env


def _split_url(url: str) -> tuple[dict, str]:
    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit(f"BENCH_DATABASE_URL needs a database name: {url}")
    server = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": urllib.parse.unquote(parts.username or "postgres"),
        "dbname": "postgres",
    }
    if parts.password:
        server["password"] = urllib.parse.unquote(parts.password)
    return server, name


def _admin(sql_for_name: Callable[[str], list[str]]) -> None:
    import psycopg2
    from psycopg2 import sql

    server, name = _split_url(database_url())
    conn = psycopg2.connect(**server)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            for statement in sql_for_name(name):
                cursor.execute(
                    sql.SQL(statement).format(
                        db=sql.Identifier(name), snapshot=sql.Identifier(f"{name}_snapshot")
                    )
                )
    finally:
        conn.close()


def reset_database() -> None:
    """Drop (if present) and create the dedicated benchmark database."""
    _admin(lambda name: ["DROP DATABASE IF EXISTS {db} WITH (FORCE)", "CREATE DATABASE {db}"])


def snapshot_database() -> None:
    """Keep a copy of the benchmark database (``<name>_snapshot``) for ``restore_snapshot``."""
    from django.db import connections

    connections.close_all()
    _admin(
        lambda name: [
            "DROP DATABASE IF EXISTS {snapshot} WITH (FORCE)",
            "CREATE DATABASE {snapshot} TEMPLATE {db}",
        ]
    )


def restore_snapshot() -> None:
    """The benchmark database as ``snapshot_database`` left it (a file copy: seconds)."""
    _admin(
        lambda name: [
            "DROP DATABASE IF EXISTS {db} WITH (FORCE)",
            "CREATE DATABASE {db} TEMPLATE {snapshot}",
        ]
    )


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    _admin(lambda name: ["DROP DATABASE IF EXISTS {db} WITH (FORCE)"])


def server_env() -> dict[str, str]:
    """The gunicorn server's environment: production settings (DEBUG off: no SQL kept
    per query, no debug pages), a throwaway secret, plain HTTP on loopback (production
    terminates TLS in front of it). The benchmark process itself keeps DEBUG on to
    count queries."""
    env = bench_env()
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
    )
    return env


def setup_django(*, reset: bool = True) -> None:
    """Environment, fresh database, ``django.setup()`` and ``migrate``."""
    env = bench_env()
    if "REDIS_URL" not in env:
        os.environ.pop("REDIS_URL", None)
    os.environ.update(env)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    os.chdir(REPO)
    if reset:
        reset_database()
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    note(
        f"database {_split_url(database_url())[1]} migrated in "
        f"{time.perf_counter() - started:.1f} s"
    )


def finish(args) -> None:
    if getattr(args, "keep", False):
        note(f"kept database {_split_url(database_url())[1]} (--keep)")
        return
    drop_database()
    note("benchmark database dropped")


# --- arguments, timing, printing ----------------------------------------------------------


def parser(description: str, *, default_n: int) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--n", type=int, default=default_n, help=f"scale (default {default_n})")
    p.add_argument("--keep", action="store_true", help="keep the benchmark database")
    p.add_argument("--profile", action="store_true", help="cProfile the measured part")
    return p


def note(message: str) -> None:
    print(f"  .. {message}", flush=True)


def load_note() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return ""
    return f"[{os.cpu_count()} CPUs, load avg {one:.1f}/{five:.1f}]"


def report_rate(name: str, count: int, unit: str, seconds: float, target: float) -> bool:
    """``boarding: 1000 loans in 8.3 s = 120.5 loans/s (target >= 100) MET``"""
    rate = count / seconds if seconds else float("inf")
    met = rate >= target
    print(
        f"{name}: {count} {unit} in {seconds:.1f} s = {rate:.1f} {unit}/s "
        f"(target >= {target:g}) {'MET' if met else 'MISSED'} {load_note()}",
        flush=True,
    )
    return met


def report_latency(name: str, samples_ms: list[float], target_ms: float) -> bool:
    """``replay: median 42.0 ms over 7 runs (min 40.1, max 51.3) (target <= 50 ms) MET``"""
    median = statistics.median(samples_ms)
    met = median <= target_ms
    print(
        f"{name}: median {median:.1f} ms over {len(samples_ms)} runs "
        f"(min {min(samples_ms):.1f}, p90 {percentile(samples_ms, 90):.1f}, "
        f"max {max(samples_ms):.1f}) (target <= {target_ms:g} ms) "
        f"{'MET' if met else 'MISSED'} {load_note()}",
        flush=True,
    )
    return met


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


@contextlib.contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as t: ...`` then ``t[0]`` is the elapsed seconds."""
    box: list[float] = []
    started = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - started)


@contextlib.contextmanager
def maybe_profile(enabled: bool, *, top: int = 35, sort: str = "cumulative") -> Iterator[None]:
    if not enabled:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(top)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
        print(out.getvalue())


AREAS = (  # (label, path fragment), first match wins
    ("loans/engine (pure math)", "/loans/engine/"),
    ("loans/services", "/loans/services/"),
    ("loans/api (serializers, views)", "/loans/api/"),
    ("loans (ledger, selectors, models...)", "/loans/"),
    ("servicing (bulk, activity, auth...)", "/servicing/"),
    ("rest_framework", "/rest_framework/"),
    ("django ORM", "/django/db/"),
    ("django (request, middleware...)", "/django/"),
    ("builtins (Decimal ops, isinstance... from any caller)", "~"),
)


@contextlib.contextmanager
def profile_by_area() -> Iterator[None]:
    """cProfile, then own time summed by area of the code (the engine, services, DRF,
    the ORM, the database driver...): where the CPU goes, in a few lines."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        totals: dict[str, float] = {}
        for (path, _line, name), (_cc, _nc, own, _cum, _callers) in pstats.Stats(
            profiler
        ).stats.items():
            if "psycopg2" in name or "psycopg2" in path:
                area = "psycopg2 (waiting for PostgreSQL)"
            else:
                area = next((label for label, part in AREAS if part in path), "other")
            totals[area] = totals.get(area, 0.0) + own
        whole = sum(totals.values()) or 1.0
        print("  own time by area (profiled, so slower than real):", flush=True)
        for area, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
            share = 100 * seconds / whole
            print(f"    {seconds * 1000:8.1f} ms {share:5.1f} %  {area}", flush=True)


@contextlib.contextmanager
def count_queries() -> Iterator[list]:
    """Yields a list that ends up holding the captured queries (DEBUG or not)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # under DEBUG the log is capped (9,000): a full log captures nothing
    box: list = []
    with CaptureQueriesContext(connection) as ctx:
        yield box
    box.extend(ctx.captured_queries)


def summarize_queries(queries: list[dict], *, top: int = 12) -> str:
    """Group captured SQL by its shape (numbers and quoted literals blanked)."""
    import re

    shapes: dict[str, list[float]] = {}
    for q in queries:
        shape = re.sub(r"'[^']*'|\b\d+(\.\d+)?\b", "?", q["sql"])
        shape = re.sub(r"\(\?(, \?)+\)", "(?...)", shape)
        shapes.setdefault(shape[:160], []).append(float(q.get("time") or 0))
    rows = sorted(shapes.items(), key=lambda kv: -len(kv[1]))[:top]
    lines = [f"    {len(v):5d} x {sum(v) * 1000:8.1f} ms  {k}" for k, v in rows]
    return "\n".join(lines)


# --- configuration and payloads ----------------------------------------------------------


def seed_configuration() -> None:
    """The demo investor LENDER and products (TERM, ...), as ``seed_demo`` makes them."""
    from loans.demo import seed_configuration as seed

    seed(io.StringIO())


def set_business_date(day: dt.date) -> None:
    from servicing.business_date import set_business_date as set_date

    set_date(day)


def term_loan_payload(
    n: int,
    *,
    funded_date: dt.date,
    number_of_payments: int = 360,
    amount: str = "250000.00",
    rate: str = "6.500000",
    prefix: str = "BENCH",
) -> dict:
    """A monthly TERM loan as the LOS posts it (JSON strings), unique per ``n``."""
    from dateutil.relativedelta import relativedelta

    return {
        "application_number": f"{prefix}-APP-{n:07d}",
        "product_code": "TERM",
        "borrower": {
            "borrower_id": f"{prefix}-B-{n:07d}",
            "kind": "individual",
            "first_name": "Bench",
            "last_name": f"Borrower{n}",
            "email": f"bench{n}@example.com",
            "phone": "555-0100",
            "address": {
                "line1": f"{n} Main St",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62701",
            },
        },
        "funded_amount": amount,
        "funded_date": funded_date.isoformat(),
        "interest_rate": rate,
        "day_count": "30/360",
        "payment_frequency": "monthly",
        "first_payment_date": (funded_date + relativedelta(months=1)).isoformat(),
        "number_of_payments": number_of_payments,
        "schedule_type": "equated",
    }


def board(payload: dict, *, actor=None):
    """Board through the service (setup path, no HTTP)."""
    from loans.api.onboarding import OnboardingInput
    from loans.services.onboarding import onboard_loan

    data = OnboardingInput(data=payload)
    data.is_valid(raise_exception=True)
    return onboard_loan(data.validated_data, actor=actor)


def api_token(name: str, scopes: Iterable[str] = ("onboarding", "payments", "read")) -> str:
    from servicing.api.auth import create_api_client

    _, token = create_api_client(name=name, scopes=list(scopes))
    return token


def money(value) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


# --- gunicorn server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``gunicorn servicing.wsgi`` on a free port, with the benchmark environment."""

    def __init__(self, *, workers: int, threads: int = 1, worker_class: str = "sync"):
        self.workers = workers
        self.threads = threads
        self.worker_class = worker_class
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = REPO / "var" / f"bench-gunicorn-{self.port}.log"

    def __enter__(self) -> Server:
        from django.db import connections

        connections.close_all()  # the server's workers open their own
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [
            str(VENV_BIN / "gunicorn"),
            "servicing.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--backlog",
            "2048",
            "--timeout",
            "120",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own fixed command line)
                command, cwd=REPO, env=server_env(), stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_healthy()
        note(
            f"gunicorn pid {self.process.pid} on :{self.port}, {self.workers} {self.worker_class}"
            f" workers x {self.threads} threads, DEBUG off (log {self.log.relative_to(REPO)})"
        )
        return self

    def _wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise SystemExit(f"gunicorn did not answer /healthz in {timeout:.0f} s; see {self.log}")

    def __exit__(self, *exc) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def server_options(p: argparse.ArgumentParser) -> None:
    cpus = os.cpu_count() or 2
    p.add_argument("--workers", type=int, default=min(4, max(2, cpus * 2)), help="gunicorn workers")
    p.add_argument("--threads", type=int, default=1, help="threads per worker (gthread if > 1)")
    p.add_argument(
        "--clients", type=int, default=0, help="concurrent HTTP clients (0: 2 x workers)"
    )


# --- concurrent HTTP clients --------------------------------------------------------------


@dataclass
class HttpResults:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, ms: float, error: str | None) -> None:
        with self.lock:
            self.latencies_ms.append(ms)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if error and len(self.errors) < 10:
                self.errors.append(error)

    def describe(self) -> str:
        lat = self.latencies_ms
        if not lat:
            return "no requests"
        return (
            f"statuses {dict(sorted(self.statuses.items()))}; latency median "
            f"{statistics.median(lat):.0f} ms, p90 {percentile(lat, 90):.0f} ms, "
            f"p99 {percentile(lat, 99):.0f} ms, max {max(lat):.0f} ms"
        )


def post_all(
    port: int,
    requests: list[tuple[str, dict]],
    *,
    token: str,
    clients: int,
    ok_status: int = 201,
    key: Callable[[int, tuple[str, dict]], int] | None = None,
) -> tuple[HttpResults, float]:
    """POST every (path, body) with ``clients`` threads, each on its own keep-alive
    connection. Request i goes to client ``key(i, request) % clients`` (default i), in
    order: e.g. a key by loan keeps a loan's requests on one client.

    Returns the results and the wall time of the whole batch.
    """
    results = HttpResults()
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    shares: list[list[tuple[str, dict]]] = [[] for _ in range(clients)]
    for i, request in enumerate(requests):
        shares[(key(i, request) if key else i) % clients].append(request)

    def run(share: list[tuple[str, dict]]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for path, body in share:
            data = json.dumps(body).encode()
            started = time.perf_counter()
            error = None
            try:
                conn.request("POST", path, body=data, headers=headers)
                response = conn.getresponse()
                text = response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()  # sync workers close after each response: reconnect
                if status != ok_status:
                    error = f"{status} {path}: {text[:300]!r}"
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                status, error = 0, f"{type(exc).__name__}: {exc}"
            results.add(status, (time.perf_counter() - started) * 1000, error)
        conn.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(run, shares))
    return results, time.perf_counter() - started


# --- where the machine's CPU goes during a timed batch --------------------------------------


def _cpu_seconds_by_group() -> dict[str, float]:
    """Cumulative user+system CPU seconds of this machine's live processes, grouped as
    the benchmark client (this process), gunicorn, postgres and everything else."""
    tick = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    groups: dict[str, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        if int(entry) == me:
            group = "client"
        elif "gunicorn" in cmdline:
            group = "gunicorn"
        elif cmdline.startswith("postgres") or stat.split()[1] == "(postgres)":
            group = "postgres"
        else:
            group = "other"
        groups[group] = groups.get(group, 0.0) + seconds
    return groups


def _machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all CPUs, from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def cpu_breakdown(label: str, count: int) -> Iterator[None]:
    """Print the CPU each process group used per request over the block, and the rest of
    the machine's busy time ("other": processes that exited within the block, such as a
    PostgreSQL backend replaced when its connection aged out, the kernel's own work)."""
    before, busy_before = _cpu_seconds_by_group(), _machine_busy_seconds()
    started = time.perf_counter()
    yield
    after, busy = _cpu_seconds_by_group(), _machine_busy_seconds() - busy_before
    wall = time.perf_counter() - started
    used = {
        g: max(0.0, after.get(g, 0.0) - before.get(g, 0.0))
        for g in ("client", "gunicorn", "postgres")
    }
    used["other"] = max(0.0, busy - sum(used.values()))
    parts = ", ".join(f"{g} {seconds * 1000 / count:.2f}" for g, seconds in used.items())
    note(
        f"CPU per {label} (ms): {parts}; total {busy * 1000 / count:.2f} ms "
        f"({busy / wall:.2f} of {os.cpu_count()} CPUs busy)"
    )


# --- fast setup: copies of a freshly boarded loan ------------------------------------------


def _columns(model, replace: dict[str, str], alias: str) -> tuple[str, str]:
    """(insert column list, select list) of ``model`` without ``id``; ``replace`` maps a
    column to an SQL expression used instead of ``alias.column``."""
    cols = [f.column for f in model._meta.concrete_fields if f.column != "id"]
    select = [replace.get(col, f'{alias}."{col}"') for col in cols]
    return ", ".join(f'"{col}"' for col in cols), ", ".join(select)


def clone_loans(template, count: int, *, prefix: str = "C") -> list[str]:
    """Copy a freshly boarded loan ``count`` times in SQL (loan row, schedule version and
    installments, ledger rows): boarding 1,000 loans through the service takes minutes,
    copying them seconds. Copies share the template's borrower. Returns loan numbers.

    Only for a loan with no reversed or replayed rows and one schedule version (a loan
    just boarded), which is what the payment benchmark needs.
    """
    from django.db import connection, transaction

    from loans.models import Installment, LedgerEntry, Loan, ScheduleVersion

    if template.schedule_versions.count() != 1 or template.tiers.exists():
        raise ValueError("clone_loans copies a plain loan with one schedule version")
    if template.ledger_entries.filter(reversal_of__isnull=False).exists() or (
        template.ledger_entries.filter(replayed_from__isnull=False).exists()
    ):
        raise ValueError("clone_loans copies a loan without reversals or replays")
    loan_cols, loan_sel = _columns(
        Loan,
        {
            "loan_number": f"'{prefix}' || lpad(g::text, 8, '0')",
            "application_number": f"'{prefix}-APP-' || lpad(g::text, 8, '0')",
        },
        "t",
    )
    sv_cols, sv_sel = _columns(ScheduleVersion, {"loan_id": "n.id"}, "s")
    inst_cols, inst_sel = _columns(Installment, {"schedule_version_id": "nsv.id"}, "i")
    led_cols, led_sel = _columns(LedgerEntry, {"loan_id": "n.id"}, "e")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO loans_loan ({loan_cols}) SELECT {loan_sel} "
            "FROM loans_loan t, generate_series(1, %s) g WHERE t.id = %s RETURNING id",
            [count, template.pk],
        )
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"INSERT INTO loans_scheduleversion ({sv_cols}) SELECT {sv_sel} "
            "FROM loans_scheduleversion s, loans_loan n "
            "WHERE s.loan_id = %s AND n.id = ANY(%s)",
            [template.pk, ids],
        )
        cursor.execute(
            f"INSERT INTO loans_installment ({inst_cols}) SELECT {inst_sel} "
            "FROM loans_installment i JOIN loans_scheduleversion tsv "
            "ON tsv.id = i.schedule_version_id AND tsv.loan_id = %s "
            "JOIN loans_scheduleversion nsv ON nsv.version = tsv.version "
            "AND nsv.loan_id = ANY(%s)",
            [template.pk, ids],
        )
        cursor.execute(
            f"INSERT INTO loans_ledgerentry ({led_cols}) SELECT {led_sel} "
            "FROM loans_ledgerentry e, loans_loan n WHERE e.loan_id = %s AND n.id = ANY(%s)",
            [template.pk, ids],
        )
        cursor.execute("ANALYZE")
    return list(
        Loan.objects.filter(pk__in=ids).order_by("pk").values_list("loan_number", flat=True)
    )
