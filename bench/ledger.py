"""Throughput and latency of ``charge()`` against a raw-driver baseline.

    python bench/ledger.py [--quick] [--seconds 3.5] [--rounds 2] [--no-pg] [--pg URL]
                           [--show-sql] [--json results.json]

One round trip is ``with charge(service, 1): pass``: a hold and a capture, each
in its own write transaction. It is measured on a SQLite file and on
PostgreSQL (skipped with a message when unreachable), with 1 and 8 worker
processes (each builds its own app with ``host.create_app``), on one hot
account and on 8 accounts (a bench addon declares 8 services; with 8 workers
each has its own account, with 1 it goes round the 8).

The baseline ``raw`` issues the same statements as ``charge()`` straight
through ``sqlite3`` / ``psycopg2``, with the same transaction boundaries
(``BEGIN IMMEDIATE`` on SQLite, ``BEGIN`` on PostgreSQL, where the account's
conditional ``UPDATE`` locks it); at start-up both are captured and compared
statement by statement, and a warning is printed when ``charge()`` changed.
On SQLite the pages a round trip appends to the WAL are counted too, for
``charge()`` and for ``minimal``. The
implementations run in alternating slices (raw, charge(), charge(), raw, …)
so a noisy neighbour hits both. At the end ``ledger.verify()`` must find no
discrepancy (the baseline writes real journal entries too) and every hold
must be captured in full.

The baseline ``minimal`` is the least a two-phase ledger can do, in raw SQL
on tables of its own: a conditional ``UPDATE`` of the account and an
``INSERT`` of the hold, then an ``UPDATE`` of the hold and of the account and
one journal ``INSERT`` (no lots, no free/paid split, no expiry, no keys).

On the hot rows two more figures, against ``charge()`` on the hot account
(one lot): ``lots``, ``charge()`` on an account holding 10,000 live lots
(half expiring on different days, a third free), and ``refused``,
``charge()`` on an account with no credit (``InsufficientCreditError``).

Each charge starts with empty per-context caches, as if it ran in a job of
its own. The enabled addons are those the process kept: the hold checks in
its own statement that the database's counter of their changes
(``host.state_version``) has not moved, on both sides.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import json
import logging
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import peewee  # noqa: E402

from bench import common  # noqa: E402

HOT = "widget"
LOTS = "lots"  # an account holding LOT_COUNT live lots
LOT_COUNT = 10_000
EMPTY = "empty"  # an account with no credit: every charge is refused
SERVICES = tuple(f"bench{i}" for i in range(8))
GRANT = 10**8  # credits per account; a run spends well under a million
WORKERS = (1, 8)
TARGET_RATIO = 0.5
TARGET_LOTS_RATIO = 0.8
TARGET_SQLITE_RATE = 1000.0


# -- the services -------------------------------------------------------------


def _addons():
    from addons.iap.testing import ServiceAddon

    # ``bench0`` … ``bench7``: many accounts without many addons.
    return [
        ServiceAddon(HOT, title="Widgets"),
        ServiceAddon("bench_services", keys=(*SERVICES, LOTS, EMPTY), title="Bench services"),
    ]


def _config(url: str) -> dict:
    return common.app_config(
        url, HOST_EXTRA_ADDONS=_addons(), HOST_BUILTIN_ADDONS=("addons.iap.plugin",)
    )


# -- the raw baseline -----------------------------------------------------------

SCALE = 10**6  # DecimalAsIntegerField(places=6)
TTL = dt.timedelta(seconds=900)
# The ledger's own prepared statements: the baseline sends the very SQL text
# charge() sends, straight through the driver.
STATEMENTS = (
    "RESERVE_FAST",
    "INSERT_HOLD",
    "SETTLE_DRAWING",
    "CLOSE_DRAWN_HOLD",
    "INSERT_DRAWN_ENTRY",
)


class RawLedger:
    """hold + capture of ``charge(service, 1)`` written against the driver.

    Same statements (the ledger's compiled SQL), same order, same transactions,
    same checks. Build it inside an app context bound to the same database.
    """

    def __init__(self, backend: str, url: str):
        from addons.iap import ledger
        from host import state_version

        self.backend = backend
        self.log: list | None = None
        self.sql = {name: getattr(ledger, name).sql() for name in STATEMENTS}
        # The counter of changes to the enabled addons, as a process keeps it.
        self._version = state_version.current()
        if backend == "sqlite":
            import sqlite3

            from host.db import parse_database_url

            path = parse_database_url(url).database
            self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
            for pragma in (
                "journal_mode = wal",
                "foreign_keys = 1",
                "busy_timeout = 30000",
                "synchronous = normal",
            ):
                self.conn.execute(f"PRAGMA {pragma}")
            self.begin = "BEGIN IMMEDIATE"
        else:
            base, _, query = url.partition("?schema=")
            self.conn = common.pg_connect(base, schema=query or None)
            self.begin = "BEGIN"
        self.cur = self.conn.cursor()
        self._accounts: dict = {}

    def close(self) -> None:
        self.conn.close()

    def _x(self, name: str, **params):
        sql = self.sql.get(name, name)
        if self.log is not None:
            self.log.append((sql, params))
        self.cur.execute(sql, params)
        return self.cur

    def _stamp(self, when: dt.datetime):
        """A time as charge() passes it: on SQLite the text sqlite3 would write."""
        return when.isoformat(" ") if self.backend == "sqlite" else when

    def _insert(self, name: str, **params) -> int:
        cur = self._x(name, **params)
        return cur.fetchone()[0] if self.backend != "sqlite" else cur.lastrowid

    def _account(self, service: str) -> tuple[int, bool]:
        """(id, follow_up) of the service's account, read once, as charge() keeps them."""
        account = self._accounts.get(service)
        if account is None:
            row = self._x(
                "SELECT id, alert_enabled OR topup_enabled FROM iap_account WHERE service = "
                + (":service" if self.backend == "sqlite" else "%(service)s"),
                service=service,
            ).fetchone()
            account = self._accounts[service] = (row[0], bool(row[1]))
        return account

    def charge(self, service: str, credit: int = 1) -> None:
        amount = credit * SCALE
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        account_id, follow_up = self._account(service)
        # -- hold
        self._x(self.begin)
        try:
            reserved = self._x(
                "RESERVE_FAST",
                amount=amount,
                account=account_id,
                service=service,
                now=self._stamp(now),
                no_trial=True,
                follow_up=follow_up,
                state=self._version,
                unchecked=False,
            ).rowcount
            if reserved != 1:
                raise RuntimeError(f"{service}: not enough credits")
            hold_id = self._insert(
                "INSERT_HOLD",
                account=account_id,
                amount=amount,
                expires_at=self._stamp(now + TTL),
                description="",
                reference=None,
                now=self._stamp(now),
            )
            self._x("COMMIT")
        except BaseException:
            self._x("ROLLBACK")
            raise
        # -- capture (the body of the with block did nothing)
        self._x(self.begin)
        try:
            now = self._stamp(dt.datetime.now(dt.UTC).replace(tzinfo=None))
            settled = self._x(
                "SETTLE_DRAWING",
                rest=0,
                amount=amount,
                spent=amount,
                account=account_id,
                hold=hold_id,
            ).rowcount
            if settled != 1:
                raise RuntimeError(f"{service}: the lot drawn from does not cover the capture")
            closed = self._x(
                "CLOSE_DRAWN_HOLD",
                amount=amount,
                now=now,
                hold=hold_id,
                account=account_id,
                held=amount,
            ).rowcount
            if closed != 1:
                raise RuntimeError(f"hold {hold_id} was closed or expired")
            # charge() carries them from the hold it placed.
            description, reference = "", None
            self._x(
                "INSERT_DRAWN_ENTRY",
                account=account_id,
                amount=-amount,
                spent=amount,
                hold=hold_id,
                description=description,
                reference=reference,
                now=now,
            )
            self._x("COMMIT")
        except BaseException:
            self._x("ROLLBACK")
            raise


MINIMAL_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS bench_min_account (
        id INTEGER PRIMARY KEY, service VARCHAR(64) NOT NULL UNIQUE,
        available BIGINT NOT NULL CHECK (available >= 0),
        held BIGINT NOT NULL CHECK (held >= 0))""",
    """CREATE TABLE IF NOT EXISTS bench_min_hold (
        id {serial} PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES bench_min_account (id),
        amount BIGINT NOT NULL, state VARCHAR(16) NOT NULL, expires_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS bench_min_journal (
        id {serial} PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES bench_min_account (id),
        hold_id INTEGER REFERENCES bench_min_hold (id), amount BIGINT NOT NULL,
        created_at TIMESTAMP NOT NULL)""",
)


class MinimalLedger(RawLedger):
    """The least a two-phase ledger can do, in raw SQL on tables of its own:
    hold = a conditional UPDATE of the account + an INSERT of the hold;
    capture = an UPDATE of the hold + an UPDATE of the account + one journal
    INSERT. Same transactions and driver settings as ``raw``; no lots, no
    free/paid split, no expiry sweep, no idempotency."""

    def setup(self, services) -> None:
        serial = "INTEGER" if self.backend == "sqlite" else "SERIAL"
        self._x(self.begin)
        for statement in MINIMAL_SCHEMA:
            self._x(statement.format(serial=serial))
        for i, service in enumerate(services, start=1):
            self._x(
                "INSERT INTO bench_min_account (id, service, available, held) "
                "VALUES (%(id)s, %(service)s, %(amount)s, 0)"
                if self.backend != "sqlite"
                else "INSERT INTO bench_min_account (id, service, available, held) "
                "VALUES (:id, :service, :amount, 0)",
                id=i,
                service=service,
                amount=GRANT * SCALE,
            )
        self._x("COMMIT")

    def _p(self, sql: str) -> str:
        return sql if self.backend == "sqlite" else re.sub(r":(\w+)", r"%(\1)s", sql)

    def charge(self, service: str, credit: int = 1) -> None:
        amount = credit * SCALE
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        account = self._accounts.get(service)
        if account is None:
            account = self._x(
                self._p("SELECT id FROM bench_min_account WHERE service = :service"),
                service=service,
            ).fetchone()[0]
            self._accounts[service] = account
        self._x(self.begin)
        try:
            if (
                self._x(
                    self._p(
                        "UPDATE bench_min_account SET available = available - :amount, "
                        "held = held + :amount WHERE id = :account AND available >= :amount"
                    ),
                    amount=amount,
                    account=account,
                ).rowcount
                != 1
            ):
                raise RuntimeError(f"{service}: not enough credits")
            hold_id = self._insert(
                self._p(
                    "INSERT INTO bench_min_hold (account_id, amount, state, expires_at) "
                    "VALUES (:account, :amount, 'held', :expires)"
                    + ("" if self.backend == "sqlite" else " RETURNING id")
                ),
                account=account,
                amount=amount,
                expires=now + TTL,
            )
            self._x("COMMIT")
        except BaseException:
            self._x("ROLLBACK")
            raise
        self._x(self.begin)
        try:
            if (
                self._x(
                    self._p(
                        "UPDATE bench_min_hold SET state = 'captured' "
                        "WHERE id = :hold AND state = 'held'"
                    ),
                    hold=hold_id,
                ).rowcount
                != 1
            ):
                raise RuntimeError(f"hold {hold_id} was closed")
            self._x(
                self._p(
                    "UPDATE bench_min_account SET held = held - :amount "
                    "WHERE id = :account AND held >= :amount"
                ),
                amount=amount,
                account=account,
            )
            self._x(
                self._p(
                    "INSERT INTO bench_min_journal (account_id, hold_id, amount, created_at) "
                    "VALUES (:account, :hold, :amount, :now)"
                ),
                account=account,
                hold=hold_id,
                amount=-amount,
                now=now,
            )
            self._x("COMMIT")
        except BaseException:
            self._x("ROLLBACK")
            raise


@functools.cache
def _charge_api() -> tuple:
    # Imported once: an import statement in ``charge_once`` cost the
    # harness 2-3 µs a round trip, counted against ``charge()``.
    from addons.iap.charging import charge
    from host import request_cache

    return charge, request_cache


def charge_once(service: str) -> None:
    charge, request_cache = _charge_api()
    # As if each charge ran in a job of its own: the per-context caches
    # (enabled addons, services) start empty.
    cache = request_cache()
    if cache is not None:
        cache.clear()
    with charge(service, 1):
        pass


def charge_lots(service: str) -> None:
    """charge() on the account with LOT_COUNT live lots (``service`` ignored)."""
    charge_once(LOTS)


def charge_refused(service: str) -> None:
    """charge() refused: the account with no credit (``service`` ignored)."""
    from addons.iap import InsufficientCreditError

    try:
        charge_once(EMPTY)
    except InsufficientCreditError:
        return
    raise RuntimeError("the empty account paid")


# Each implementation, its baselines and the target against each.
BASELINE = {
    "charge()": (("raw", TARGET_RATIO), ("minimal", TARGET_RATIO)),
    "lots": (("charge()", TARGET_LOTS_RATIO),),
    # A refusal should be the cheap path: at least as fast as an accepted charge.
    "refused": (("charge()", 1.0),),
}


# -- worker processes ---------------------------------------------------------


def _implementations(app, backend: str, raw: RawLedger, minimal: MinimalLedger) -> dict:
    impls = {
        "raw": (raw.charge, contextlib.nullcontext),
        "minimal": (minimal.charge, contextlib.nullcontext),
        "charge()": (charge_once, contextlib.nullcontext),
        "lots": (charge_lots, contextlib.nullcontext),
        "refused": (charge_refused, contextlib.nullcontext),
    }
    return impls


def _worker(conn, backend: str, url: str, index: int) -> None:
    try:
        from host import create_app

        app = create_app(_config(url))
        app.app_context().push()
        raw = RawLedger(backend, url)
        minimal = MinimalLedger(backend, url)
        impls = _implementations(app, backend, raw, minimal)
        for service in (HOT, SERVICES[index % len(SERVICES)]):
            for run, context in impls.values():
                with context():
                    run(service)
        conn.send(("ready", None))
        while True:
            message = conn.recv()
            if message[0] == "stop":
                break
            _, impl, services, start_at, end_at = message
            run, context = impls[impl]
            latencies = []
            with context():
                while (wait := start_at - time.monotonic()) > 0:
                    time.sleep(wait)
                i, count = 0, len(services)
                cpu = time.process_time()
                began = now = time.monotonic()
                while now < end_at:
                    run(services[i % count])
                    i += 1
                    after = time.monotonic()
                    latencies.append(after - now)
                    now = after
                cpu = time.process_time() - cpu
            conn.send(("done", (latencies, began, now, cpu)))
        raw.close()
        minimal.close()
        common.close_app(app)
    except BaseException:
        conn.send(("error", traceback.format_exc()))


class Pool:
    def __init__(self, backend: str, url: str, size: int):
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.pipes, self.procs = [], []
        for index in range(size):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, backend, url, index), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)
        for pipe in self.pipes:
            self._expect(pipe, "ready")

    @staticmethod
    def _expect(pipe, kind: str):
        if not pipe.poll(120):
            raise RuntimeError("a worker did not answer within 120 s")
        got, payload = pipe.recv()
        if got == "error":
            raise RuntimeError(f"worker failed:\n{payload}")
        if got != kind:
            raise RuntimeError(f"worker said {got!r}, expected {kind!r}")
        return payload

    def run(self, impl: str, plans: list[tuple[str, ...]], seconds: float) -> dict:
        """Run ``plans[i]`` (a list of services) on worker ``i`` for ``seconds``."""
        start_at = time.monotonic() + 0.05
        end_at = start_at + seconds
        for pipe, services in zip(self.pipes, plans, strict=False):
            pipe.send(("run", impl, services, start_at, end_at))
        results = [self._expect(pipe, "done") for pipe in self.pipes[: len(plans)]]
        latencies = [x for r in results for x in r[0]]
        began = min(r[1] for r in results)
        ended = max(r[2] for r in results)
        cpu = sum(r[3] for r in results)
        return {"ops": len(latencies), "elapsed": ended - began, "latencies": latencies, "cpu": cpu}

    def close(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(("stop",))
            except (BrokenPipeError, OSError):
                pass
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.terminate()


def _summary(slices: list[dict]) -> dict:
    ops = sum(s["ops"] for s in slices)
    elapsed = sum(s["elapsed"] for s in slices)
    latencies = sorted(x for s in slices for x in s["latencies"])
    return {
        "ops": ops,
        "rate": ops / elapsed if elapsed else float("nan"),
        "p50_ms": common.percentile(latencies, 0.50) * 1000,
        "p99_ms": common.percentile(latencies, 0.99) * 1000,
        # The workers' own CPU time (on SQLite the database's too, in process;
        # not PostgreSQL's backends): what the load moves least.
        "cpu_us": sum(s["cpu"] for s in slices) / ops * 1e6 if ops else float("nan"),
    }


# -- one backend ------------------------------------------------------------


def _shapes(orm_log: list, raw_log: list) -> dict:
    orm = [common.statement_shape(sql) for sql, _ in orm_log]
    raw = [common.statement_shape(sql) for sql, _ in raw_log]
    return {"orm": orm, "raw": raw, "same": orm == raw}


def _prepare(backend: str, url: str, show_sql: bool) -> dict:
    """Enable the services, fund the accounts, compare the statement lists."""
    from addons.iap import ledger
    from host import create_app
    from host.db import db

    app = create_app(_config(url))
    with app.app_context():
        registry = app.extensions["host"]
        registry.enable("widget")
        registry.enable("bench_services")
        for service in (HOT, *SERVICES):
            ledger.grant(service, GRANT, reason="bench funds")
        _fund_with_lots(LOTS, LOT_COUNT)
        minimal = MinimalLedger(backend, url)
        minimal.setup((HOT, *SERVICES, LOTS))
        minimal.close()
        for service in (HOT, *SERVICES, LOTS):
            # Warms the caches; each account's first capture names the lot
            # it draws from, which the raw baseline relies on.
            charge_once(service)
        with common.capture_statements(db.obj) as orm_log:
            charge_once(HOT)
        raw = RawLedger(backend, url)
        raw._account(HOT)  # kept, as charge() keeps it
        raw.log = []
        raw.charge(HOT)
        shapes = {"charge()": _shapes(orm_log, raw.log)}
        raw.close()
        if backend == "sqlite":
            shapes["charge()"]["wal_pages"] = _wal_pages(url, lambda: charge_once(HOT))
            minimal = MinimalLedger(backend, url)
            shapes["charge()"]["minimal_wal_pages"] = _wal_pages(url, lambda: minimal.charge(HOT))
            minimal.close()
    common.close_app(app)
    if show_sql:
        print(f"  statements charge() sent on {backend}:")
        for sql, params in orm_log:
            print(f"    {sql}  {params}")
    return shapes


def _wal_pages(url: str, round_trip, count: int = 100) -> float:
    """Pages a round trip appends to SQLite's write-ahead log (what its
    commits write, and what a checkpoint later copies and syncs), with
    automatic checkpoints off while it counts (100 round trips stay under
    the 1,000 pages at which the minimal ledger's connection would checkpoint)."""
    from host.db import db, parse_database_url

    path = parse_database_url(url).database + "-wal"
    page = db.execute_sql("PRAGMA page_size").fetchone()[0]
    db.execute_sql("PRAGMA wal_autocheckpoint = 0")
    try:
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        before = os.path.getsize(path)
        for _ in range(count):
            round_trip()
        frames = (os.path.getsize(path) - max(before, 32)) / (page + 24)
    finally:
        db.execute_sql("PRAGMA wal_autocheckpoint = 1000")
    return frames / count


def _fund_with_lots(service: str, count: int) -> None:
    """GRANT credits in ``count`` lots (a shop selling many small packs): half
    expire on different days, half never; one journal entry for all."""
    from decimal import Decimal

    from addons.iap import ledger
    from addons.iap.models import Lot
    from host import db, utcnow, write_transaction

    each = Decimal(GRANT) / count
    now = utcnow()
    with write_transaction():
        account = ledger._lock_account(service)
        rows = [
            {
                "account": account.id,
                "kind": "promotion",
                "free": i % 3 == 0,
                "amount": each,
                "remaining": each,
                "expires_at": now + dt.timedelta(days=30, minutes=i) if i % 2 else None,
                "reason": "bench lot",
                "created_at": now,
            }
            for i in range(count)
        ]
        for start in range(0, count, 500):
            Lot.insert_many(rows[start : start + 500]).execute()
        ledger._lower_next_expiry(account, now + dt.timedelta(days=30, minutes=1))
        ledger._move(account, each * count, Decimal(0))
        ledger._journal(account, "promotion", each * count, description=f"{count} bench lots")
    # PostgreSQL's autovacuum would have analyzed the table after so many new
    # rows; without statistics it guesses 3 lots and sorts all 10,000.
    db.execute_sql("ANALYZE iap_lot")


def _verify(url: str) -> list[str]:
    """``ledger.verify()``, plus what it does not look at: every bench hold
    ends captured in full, and the journal's spending matches the holds'."""
    from addons.iap import ledger
    from addons.iap.models import Entry, Hold
    from host import create_app

    app = create_app(_config(url))
    with app.app_context():
        problems = [str(p) for p in ledger.verify()]
        states = {
            row.state: row.n
            for row in Hold.select(Hold.state, peewee.fn.COUNT(Hold.id).alias("n")).group_by(
                Hold.state
            )
        }
        if set(states) != {"captured"}:
            problems.append(f"holds by state: {states} (only captured expected)")
        partial = Hold.select().where(Hold.captured != Hold.amount).count()
        if partial:
            problems.append(f"{partial} holds captured for another amount than held")
        spent = Entry.select(peewee.fn.SUM(Entry.spent)).scalar() or 0
        captured = Hold.select(peewee.fn.SUM(Hold.captured)).scalar() or 0
        if spent != captured:
            problems.append(f"the journal spent {spent}, the holds captured {captured}")
        holds = sum(states.values())
    common.close_app(app)
    print(f"  {holds} holds in the database, all checked")
    return problems


def _plans(workers: int, accounts: str) -> list[tuple[str, ...]]:
    if accounts == "hot":
        return [(HOT,)] * workers
    if workers == 1:
        return [SERVICES]
    return [(SERVICES[i % len(SERVICES)],) for i in range(workers)]


def run_backend(backend: str, label: str, url: str, args) -> dict:
    print(f"\n== {label}")
    shapes = _prepare(backend, url, args.show_sql)
    for impl, shape in shapes.items():
        count = len(shape["orm"])
        if shape["same"]:
            print(f"  {impl}: one round trip = {count} statements, the same as its baseline raw")
            if "wal_pages" in shape:
                print(
                    f"  {impl}: one round trip appends {shape['wal_pages']:.1f} pages to the WAL;"
                    f" minimal {shape['minimal_wal_pages']:.1f}"
                )
        else:
            print(f"  WARNING: raw no longer sends what {impl} sends:")
            print(f"    {impl}: {shape['orm']}")
            print(f"    raw: {shape['raw']}")
    pool = Pool(backend, url, max(WORKERS))
    rows = []
    print(
        f"  {'workers':>7} {'accounts':<8} {'impl':<9} {'rt/s':>7} {'(× base)':>8}"
        f" {'p50 ms':>8} {'(× base)':>8} {'p99 ms':>8} {'(× base)':>8} {'cpu µs':>7}"
    )
    try:
        for workers in WORKERS:
            for accounts in ("hot", "many"):
                # "lots" (one account, 10,000 lots) is compared with charge() on
                # the hot account (one lot): only in the hot rows.
                more = ["lots", "refused"] if accounts == "hot" else []
                impls = ["raw", "minimal", "charge()", *more]
                plans = _plans(workers, accounts)
                slices = {impl: [] for impl in impls}
                # raw, minimal, charge(), …, then back: drift on a noisy machine hits all.
                for impl in (impls + impls[::-1]) * args.rounds:
                    slices[impl].append(pool.run(impl, plans, args.seconds / 2 / args.rounds))
                stats = {impl: _summary(slices[impl]) for impl in impls}
                row = {"backend": backend, "workers": workers, "accounts": accounts}
                for impl in impls:
                    mine = stats[impl]
                    bases = BASELINE.get(impl, ())
                    for base_name, _ in bases:
                        row[f"{impl} / {base_name}"] = mine["rate"] / stats[base_name]["rate"]
                    base = stats[bases[0][0]] if bases else None
                    versus = {key: "" for key in ("rate", "p50_ms", "p99_ms")}
                    if base:
                        for key in versus:
                            versus[key] = f"({common.ratio(mine[key], base[key]).strip()})"
                    extra = "".join(f"  {row[f'{impl} / {b}']:.2f}× {b}" for b, _ in bases[1:])
                    print(
                        f"  {workers:>7} {accounts:<8} {impl:<9} {mine['rate']:>7.0f}"
                        f" {versus['rate']:>8} {mine['p50_ms']:>8.2f} {versus['p50_ms']:>8}"
                        f" {mine['p99_ms']:>8.2f} {versus['p99_ms']:>8}"
                        f" {mine['cpu_us']:>7.0f}{extra}"
                    )
                    row[impl] = mine
                rows.append(row)
    finally:
        pool.close()
    problems = _verify(url)
    if problems:
        print(f"  ledger.verify(): {len(problems)} DISCREPANCIES")
        for problem in problems:
            print(f"    {problem}")
    else:
        print("  ledger.verify(): no discrepancy")
    return {"backend": backend, "statements": shapes, "rows": rows, "verify": problems}


def _targets(results: list[dict]) -> None:
    print("\n== targets")
    for result in results:
        for row in result["rows"]:
            for impl, bases in BASELINE.items():
                for base, target in bases:
                    value = row.get(f"{impl} / {base}")
                    if value is None:
                        continue
                    print(
                        f"  {result['backend']:<10} {row['workers']} worker(s) {row['accounts']:<4}"
                        f" {impl:<8}: {value:.2f}× {base} (target ≥ {target}×): "
                        f"{'met' if value >= target else 'NOT MET'}"
                    )
        if result["backend"] == "sqlite":
            one = next(r for r in result["rows"] if r["workers"] == 1 and r["accounts"] == "hot")
            rate = one["charge()"]["rate"]
            print(
                f"  sqlite     1 worker  hot  charge(): {rate:.0f} round trips/s "
                f"(target ≥ {TARGET_SQLITE_RATE:.0f}): "
                f"{'met' if rate >= TARGET_SQLITE_RATE else 'NOT MET'}"
            )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="0.3 s per measurement: a smoke run")
    parser.add_argument(
        "--seconds", type=float, default=3.5, help="per measurement and implementation"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternations: each slice is seconds / 2 / rounds"
    )
    parser.add_argument("--pg", default=None, help="PostgreSQL URL (default: TEST_DATABASE_URL)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--dir", default=None, help="where the SQLite file goes (default: tmp)")
    parser.add_argument("--show-sql", action="store_true", help="print the statements sent")
    parser.add_argument("--json", default=None, help="write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.rounds = 0.3, 1

    logging.basicConfig(level=logging.WARNING)
    started = time.monotonic()
    print(
        f"charge() round trips, {args.seconds:g} s per measurement and implementation, "
        f"{dt.datetime.now():%Y-%m-%d %H:%M}\n{common.machine()}"
    )
    results = []
    directory = tempfile.mkdtemp(prefix="bench-ledger-", dir=args.dir)
    os.environ.setdefault("HOST_INSTANCE_PATH", os.path.join(directory, "instance"))
    try:
        path = os.path.join(directory, "ledger.db")
        results.append(run_backend("sqlite", f"SQLite file {path}", f"sqlite:///{path}", args))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    if args.no_pg:
        print("\n== PostgreSQL skipped (--no-pg)")
    else:
        base = common.pg_base_url(args.pg)
        why = common.pg_unreachable(base)
        if why:
            print(f"\n== PostgreSQL skipped: {common.redact_url(base)} unreachable ({why})")
        else:
            with common.pg_schema(base, "bench_ledger") as (url, schema):
                label = f"PostgreSQL {common.redact_url(base)} schema {schema}"
                results.append(run_backend("postgresql", label, url, args))
    _targets(results)
    print(
        f"\ntotal {time.monotonic() - started:.0f} s; "
        f"load average now {common.load_average()} (other processes skew the figures)"
    )
    if args.json:
        for result in results:
            for row in result["rows"]:
                for key, value in row.items():
                    if isinstance(value, dict):
                        row[key] = {k: round(v, 3) for k, v in value.items()}
        with open(args.json, "w") as fh:
            json.dump({"seconds": args.seconds, "results": results}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
