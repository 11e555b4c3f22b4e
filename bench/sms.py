"""A mass SMS to 10,000 contacts through the real code of ``addons/sms``, stage by stage,
next to a raw ``executemany`` insert of the same 10,000 rows.

    python bench/sms.py [--contacts 10000] [--chunk 500] [--chatter] [--cold] [--raw-runs 3]
                        [--profile [N]] [--write bench/README_sms.md] [--json FILE] [--keep]

One process, one SQLite file (WAL, ``synchronous=normal``, as ``host.db`` opens it),
the app built with ``host.create_app`` with the iap and sms addons and the outbox
gateway, on a **real huey queue** (``SqliteHuey`` in the temporary directory,
``HOST_JOBS_IMMEDIATE=False``, ``SMS_OUTBOX_DELIVERY_DELAY=0``). The bench is the
worker: it dequeues and executes the queued jobs itself (``huey.execute``, as the
consumer does), so each stage is timed on its own. The stages are what the views
and jobs call, in order:

``select``  the bulk action (``POST /sms/mass``): "select all" on the contacts list
            (``all=1``, every contact matching the empty search): their ids in the
            list's order (``host.selected_contacts``), ``batches.draft``;
``plan``    the composer page (``GET /sms/batches/<id>``): ``planning.summarize``, the
            plan query (the contacts' numbers as validated when they were saved,
            prices, blacklist, duplicates) counted and its refused lines listed;
``queue``   ``Send SMS`` (``POST /sms/batches/<id>/send``): ``batches.start``, which
            writes the messages straight from the plan query (one ``INSERT …
            SELECT``), counts and prices them and checks the balance in the same
            transaction, and enqueues ``sms.send_batch`` (with ``--chatter``, the box
            "Log the message in each contact's chatter", off by default, it also
            posts a chatter note per contact);
``send``    the ``sms.send_batch`` job (``batch_job.run``): per chunk one hold, the
            claims, the outbox gateway, the capture; the outbox then enqueues its
            delivery reports;
``report``  the outbox's delivery-report jobs: every message ``delivered``.

The first three run in a request context (as the views do), the jobs in an app
context only (as the worker does). **Whole send** is all five: from the bulk action
to every message delivered and paid. ``click → delivered`` leaves out the two
pages before the click on Send SMS.

Two baselines, in the same run:

``raw insert``  the brief's: the same 10,000 rows (the values ``start()`` wrote)
                inserted with ``sqlite3`` ``executemany`` in one ``BEGIN IMMEDIATE``
                transaction, into a table made from ``sms_message``'s own DDL (same
                columns, indexes, foreign keys) in the same file; best of ``--raw-runs``.
``replay``      every statement the stages sent (captured with
                ``common.capture_statements``, BEGIN/COMMIT included) sent again, one
                by one, through ``sqlite3`` on a copy of the database taken just before
                the run: the database's own share of each stage, so "× replay" is the
                cost of the Python around the SQL. The job queue's own statements
                (``jobs.db``) are not in it. An ``executemany`` counts as one statement.

The raw insert is the analogue of the ``queue`` stage (which writes the same rows),
so the report gives the queue stage's ratio to it; the issue's target ("validate, price,
hold and enqueue; then deliver") is ``click → delivered`` against it, and the whole send
with the two composer pages is reported too.
The contacts are created by one ``insert_many`` and then announced to the addons
with ``host.notify_saved`` (the ``records_saved`` hook), as an import through the
host does: that is when the sms addon validates their numbers (not timed, it is
not part of sending). ``--cold`` leaves the announcement out, as for contacts
written behind the host's back: the composer page then validates all 10,000
numbers itself.

At the end the bench checks that every message was delivered and charged its
price, that the balance dropped by exactly the sum, and ``ledger.verify()``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import common  # noqa: E402

TARGET_RATE = 1000.0  # messages/s for the whole send, SQLite, one process
TARGET_RAW_RATIO = 5.0  # at most 5x the raw insert (click → delivered; whole send)
BODY = "Spring sale: 20% off everything in store this weekend. Reply STOP to opt out."
GRANT = 10**6
# (country of the contact, how the number is typed); a mix of formats and prices.
FORMATS = (
    ("BE", "+32 470 {a:02d} {b:02d} {c:02d}"),
    ("FR", "06 12 {a:02d} {b:02d} {c:02d}"),
    ("NL", "+31 6 12 {a:02d} {b:02d} {c:02d}"),
    ("BE", "0471 {a:02d} {b:02d} {c:02d}"),
)
REPORT_JOBS = ("sms.outbox_deliver", "sms.outbox_deliver_many")
STAGES = ("select", "plan", "queue", "send", "report")
CLICK = ("queue", "send", "report")  # from the click on Send SMS


def number_for(i: int) -> tuple[str, str]:
    country, pattern = FORMATS[i % len(FORMATS)]
    n = i // len(FORMATS)
    return country, pattern.format(a=n // 10000 % 100, b=n // 100 % 100, c=n % 100)


def build_app(tmp: str, chunk: int):
    from host import create_app

    config = common.app_config(
        f"sqlite:///{os.path.join(tmp, 'bench.db')}",
        HOST_JOBS_IMMEDIATE=False,
        HOST_JOBS_PATH=os.path.join(tmp, "jobs.db"),
        HOST_INSTANCE_PATH=os.path.join(tmp, "instance"),
        HOST_BUILTIN_ADDONS=("addons.iap.plugin", "addons.sms.plugin"),
        IAP_EDITION="community",
        SMS_OUTBOX_DELIVERY_DELAY=0,
        SMS_BATCH_CHUNK=chunk,
    )
    return create_app(config)


def setup(app, contacts: int, cold: bool):
    """Not timed: the addon, the company's country, an admin, credits, the contacts."""
    from addons.iap import grant
    from host import Contact, Setting, db, notify_saved
    from host.testing import make_user

    registry = app.extensions["host"]
    registry.enable("sms")
    registry.forget_cache()
    Setting.write("company_country", "BE")
    admin = make_user("bench@example.com", admin=True, name="Bench")
    grant("sms", GRANT, reason="Bench credits")
    rows = []
    for i in range(contacts):
        country, number = number_for(i)
        rows.append({"name": f"Contact {i:05d}", "mobile": number, "country": country})
    with db.atomic():
        for start in range(0, len(rows), 2000):
            Contact.insert_many(rows[start : start + 2000]).execute()
    ids = [c.id for c in Contact.select(Contact.id).order_by(Contact.id)]
    if not cold:
        notify_saved("contact", ids)  # as an import through the host: numbers validated
    return admin, ids


class Stopwatch:
    """Times each stage; notes which of the captured statements it sent."""

    def __init__(self, statements: list, profile: cProfile.Profile | None):
        self.times: dict[str, float] = {}
        self.marks: dict[str, tuple[int, int]] = {}
        self.statements = statements
        self.profile = profile

    def run(self, name, fn, *args, **kwargs):
        first = len(self.statements)
        if self.profile is not None:
            self.profile.enable()
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.times[name] = time.perf_counter() - start
            if self.profile is not None:
                self.profile.disable()
            self.marks[name] = (first, len(self.statements))


def drain(huey, names: tuple[str, ...], limit: int | None = None) -> int:
    """Be the worker: execute the queued tasks (``limit`` at most), all one of ``names``."""
    done = 0
    while limit is None or done < limit:
        task = huey.dequeue()
        if task is None:
            return done
        if task.name not in names:
            raise RuntimeError(f"unexpected job {task.name!r}, expected one of {names}")
        huey.execute(task)
        done += 1
    return done


def mass_sms(app, admin, ids, *, log_chatter: bool, statements: list, profile) -> dict:
    from addons.sms import batches, planning
    from host import Contact, db, selected_contacts

    huey = app.extensions["host_jobs"].huey
    watch = Stopwatch(statements, profile)

    def select():  # what the bulk action's view does
        query = selected_contacts().select(Contact.id)
        return batches.draft([row[0] for row in db.execute_sql(*query.sql())], admin)

    # "Select all" on the contacts list: every contact matching the (empty) search.
    with app.test_request_context("/sms/mass", method="POST", data={"all": "1", "q": ""}):
        batch = watch.run("select", select)
    with app.test_request_context(f"/sms/batches/{batch.id}"):
        plan = watch.run("plan", planning.summarize, batch)
        assert plan.valid == len(ids), plan.counts
    with app.test_request_context(f"/sms/batches/{batch.id}/send", method="POST"):
        watch.run("queue", batches.start, batch, BODY, log_chatter=log_chatter, author=admin)
    assert huey.pending_count() == 1
    batch_jobs = watch.run("send", drain, huey, ("sms.send_batch",), 1)
    # One report job per message, or one per chunk where the outbox groups them.
    report_jobs = watch.run("report", drain, huey, REPORT_JOBS)
    assert batch_jobs == 1 and report_jobs, (batch_jobs, report_jobs)
    return {
        "batch_id": batch.id,
        "times": watch.times,
        "marks": watch.marks,
        "report_jobs": report_jobs,
    }


def check(app, batch_id: int, count: int, log_chatter: bool) -> dict:
    """Every message delivered and paid its price; the ledger agrees."""
    from peewee import fn

    from addons.iap import balance, ledger
    from addons.sms import pricing, segments
    from addons.sms.models import SmsMessage
    from host.models import Message

    messages = SmsMessage.select().where(SmsMessage.batch == batch_id)
    states = dict(
        messages.select(SmsMessage.state, fn.COUNT(SmsMessage.id))
        .group_by(SmsMessage.state)
        .tuples()
    )
    assert states == {"delivered": count}, states
    table = pricing.prices()
    parts = segments.analyze(BODY).parts
    expected = sum(
        (table[country] * parts for (country,) in messages.select(SmsMessage.country).tuples()),
        Decimal(0),
    )
    charged = sum((m.charged for m in messages), Decimal(0))
    assert charged == expected, (charged, expected)
    spent = GRANT - balance("sms")
    assert spent == expected, (spent, expected)
    problems = ledger.verify()
    assert not problems, problems[:5]
    if log_chatter:
        notes = dict(
            Message.select(Message.state, fn.COUNT(Message.id))
            .where(Message.kind == "sms")
            .group_by(Message.state)
            .tuples()
        )
        assert notes == {"delivered": count}, notes
    return {"credits": f"{expected.normalize():,f}", "parts": parts}


# -- raw baseline ------------------------------------------------------------


def raw_rows(batch_id: int) -> tuple[list[str], list[tuple]]:
    """The rows start() wrote, as tuples, state and timestamps as at queue time."""
    from addons.sms.models import SmsMessage

    skip = {"id", "provider_id", "token", "sent_at"}
    columns = [f.column_name for f in SmsMessage._meta.sorted_fields if f.name not in skip]
    query = SmsMessage.select().where(SmsMessage.batch == batch_id).order_by(SmsMessage.id).dicts()
    rows = []
    for row in query:
        row = {SmsMessage._meta.fields[name].column_name: v for name, v in row.items()}
        row.update(state="in_queue", charged=0, attempts=0, gateway="")
        values = []
        for column in columns:
            field = SmsMessage._meta.columns[column]
            values.append(field.db_value(row[column]))
        rows.append(tuple(values))
    return columns, rows


def raw_ddl(path: str) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [
            sql
            for (sql,) in conn.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'sms_message' AND sql IS NOT NULL"
                " ORDER BY type DESC"  # the table first, then its indexes
            )
        ]
    finally:
        conn.close()


def raw_insert(path: str, ddl: list[str], columns: list[str], rows: list[tuple], run: int) -> float:
    """Seconds to insert ``rows`` with ``executemany`` into a copy of ``sms_message``."""
    table = f"raw_sms_message_{run}"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=wal", "foreign_keys=1", "synchronous=normal"):
            conn.execute(f"PRAGMA {pragma}")
        for sql in ddl:
            sql = sql.replace('"sms_message"', f'"{table}"')
            conn.execute(sql.replace('INDEX "sms_message_', f'INDEX "{table}_'))
        placeholders = ", ".join("?" for _ in columns)
        insert = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({placeholders})'
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(insert, rows)
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        (count,) = conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()
        assert count == len(rows)
        conn.execute(f'DROP TABLE "{table}"')
        return elapsed
    finally:
        conn.close()


def snapshot(path: str, copy: str) -> None:
    """A consistent copy of the database (WAL included), for the replay."""
    source, target = sqlite3.connect(path), sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


# Replay seconds by (stage, statement), printed with ``--statements N``.
SLOWEST: dict | None = None


def replay(path: str, statements: list, marks: dict) -> dict[str, float]:
    """Seconds per stage to send the captured statements again, one by one,
    through ``sqlite3`` on the copy taken before the run (same transactions)."""
    conn = sqlite3.connect(path, isolation_level=None)
    times = {}
    try:
        for pragma in ("journal_mode=wal", "foreign_keys=1", "synchronous=normal"):
            conn.execute(f"PRAGMA {pragma}")
        for name in STAGES:
            first, last = marks[name]
            start = time.perf_counter()
            for sql, params in statements[first:last]:
                began = time.perf_counter()
                if isinstance(params, common.Many):
                    conn.executemany(sql, params)
                else:
                    conn.execute(sql, params).fetchall()
                if SLOWEST is not None:
                    key = (name, " ".join(sql.split())[:90])
                    SLOWEST[key] = SLOWEST.get(key, 0.0) + time.perf_counter() - began
            times[name] = time.perf_counter() - start
    finally:
        conn.close()
    return times


# -- report ------------------------------------------------------------------


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def figures(result: dict) -> list[tuple[str, int, float, float, float]]:
    """(stage, statements, seconds, messages/s, seconds of the replay) rows."""
    count, times, replayed = result["count"], result["times"], result["replay"]
    sent = result["statements"]
    rows = [(n, sent[n], times[n], rate(count, times[n]), replayed[n]) for n in STAGES]
    for label, names in (("click → delivered", CLICK), ("whole send", STAGES)):
        seconds = sum(times[n] for n in names)
        statements = sum(sent[n] for n in names)
        rows.append(
            (label, statements, seconds, rate(count, seconds), sum(replayed[n] for n in names))
        )
    return rows


def verdicts(result: dict) -> list[tuple[str, str, bool]]:
    whole, ratio_ = result["whole_rate"], result["whole_ratio"]
    queue, click = result["queue_ratio"], result["click_ratio"]
    return [
        (
            f"whole send ≥ {TARGET_RATE:,.0f} messages/s (SQLite file, one process)",
            f"{whole:,.0f}",
            whole >= TARGET_RATE,
        ),
        (
            "click → delivered (validate, price, hold, enqueue, deliver) "
            f"≤ {TARGET_RAW_RATIO:.0f}× the raw executemany insert",
            f"{click:.1f}×",
            click <= TARGET_RAW_RATIO,
        ),
        (
            f"whole send with the composer pages (select, plan) ≤ {TARGET_RAW_RATIO:.0f}× "
            "the raw executemany insert",
            f"{ratio_:.1f}×",
            ratio_ <= TARGET_RAW_RATIO,
        ),
        (
            f"queue stage alone (writes the raw insert's rows) ≤ {TARGET_RAW_RATIO:.0f}× "
            "the raw insert",
            f"{queue:.1f}×",
            queue <= TARGET_RAW_RATIO,
        ),
    ]


def print_report(result: dict) -> None:
    chatter = "on" if result["log_chatter"] else "off"
    if result["cold"]:
        chatter += ", numbers not validated when the contacts were saved"
    print(
        f"\n{result['count']:,} messages, chatter {chatter}, chunks of {result['chunk']}; "
        f"{result['machine']}"
    )
    head = ("stage", "statements", "seconds", "msg/s", "× raw ins.", "replay s", "× replay")
    print("{:<19}{:>11}{:>9}{:>11}{:>11}{:>10}{:>10}".format(*head))
    for name, statements, seconds, per_second, replayed in figures(result):
        print(
            f"{name:<19}{statements:>11,}{seconds:>9.3f}{per_second:>11,.0f}"
            f"{seconds / result['raw']:>10.1f}×{replayed:>10.3f}{seconds / replayed:>9.1f}×"
        )
    count, raw = result["count"], result["raw"]
    print(f"{'raw executemany':<19}{1:>11}{raw:>9.3f}{rate(count, raw):>11,.0f}")
    runs = result.get("runs", [])
    if len(runs) > 1:
        print(f"(the run with the median whole send of {len(runs)}; targets: medians of the runs)")
    for target, measured, met in verdicts(result):
        print(f"target: {target}: {measured} ({'met' if met else 'MISSED'})")
    print(
        f"checked: {count:,} delivered, {result['credits']} credits charged "
        f"({result['parts']} part each), balance and ledger.verify() agree; "
        f"{result['report_jobs']} delivery report job(s)"
    )


def markdown(result: dict) -> str:
    chatter = "on" if result["log_chatter"] else "off"
    if result["cold"]:
        chatter += " (numbers not validated when the contacts were saved)"
    lines = [
        f"### `python bench/sms.py{result['args']}` ({result['when']}, load average "
        f"{result['load_before']} → {result['load_after']})",
        "",
        f"{result['count']:,} contacts, all valid (BE, FR, NL; national and international "
        f"formats), chatter {chatter}, chunks of {result['chunk']}, {result['parts']} GSM-7 "
        f"part each, {result['credits']} credits charged, {result['report_jobs']} delivery "
        f"report jobs. {result['machine']}.",
        "",
        "| stage | statements | seconds | messages/s | × raw insert | replay s | × replay |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, statements, seconds, per_second, replayed in figures(result):
        label = f"**{name}**" if name in ("click → delivered", "whole send") else name
        lines.append(
            f"| {label} | {statements:,} | {seconds:.3f} | {per_second:,.0f} | "
            f"{seconds / result['raw']:.1f} | {replayed:.3f} | {seconds / replayed:.1f} |"
        )
    count, raw = result["count"], result["raw"]
    lines += [
        f"| raw executemany | 1 | {raw:.3f} | {rate(count, raw):,.0f} | 1.0 | | |",
        "",
        "| target | measured | met? |",
        "| --- | --- | --- |",
    ]
    for target, measured, met in verdicts(result):
        lines.append(f"| {target} | {measured} | {'yes' if met else '**no**'} |")
    runs = result.get("runs", [])
    if len(runs) > 1:
        lines += [
            "",
            f"The table is the run with the median whole send of {len(runs)} runs, each in a "
            "fresh directory; the targets are the medians of the runs:",
            "",
            "| run | raw insert s | whole send s | messages/s | whole × raw | "
            "click → delivered × raw | queue × raw |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for number, r in enumerate(runs, 1):
            lines.append(
                f"| {number} | {r['raw']:.3f} | {r['seconds']:.3f} | {r['whole_rate']:,.0f} | "
                f"{r['whole_ratio']:.1f} | {r['click_ratio']:.1f} | {r['queue_ratio']:.1f} |"
            )
    return "\n".join(lines) + "\n"


def write_section(path: str, text: str) -> None:
    """Append the dated figures to ``path``."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("\n" + text)


def one_run(args, shown: str) -> dict:
    """One mass SMS in a fresh temporary directory, and its baselines."""
    log_chatter = args.chatter

    tmp = tempfile.mkdtemp(prefix="sms-bench-")
    db_path, copy_path = os.path.join(tmp, "bench.db"), os.path.join(tmp, "replay.db")
    load_before = common.load_average()
    app = build_app(tmp, args.chunk)
    profile = cProfile.Profile() if args.profile else None
    try:
        with app.app_context():
            admin, ids = setup(app, args.contacts, args.cold)
            # Warm what a running server has warm: the price table, phonenumbers' metadata.
            from addons.sms import numbers, pricing

            pricing.prices()
            numbers.locate(number_for(0)[1], ("BE",))
            snapshot(db_path, copy_path)
            with common.capture_statements(app.extensions["host_db"]) as statements:
                run = mass_sms(
                    app,
                    admin,
                    ids,
                    log_chatter=log_chatter,
                    statements=statements,
                    profile=profile,
                )
            checked = check(app, run["batch_id"], len(ids), log_chatter)
            ddl = raw_ddl(db_path)
            columns, rows = raw_rows(run["batch_id"])
            raw_times = [raw_insert(db_path, ddl, columns, rows, i) for i in range(args.raw_runs)]
        replayed = replay(copy_path, statements, run["marks"])
    finally:
        common.close_app(app)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    times = run["times"]
    whole = sum(times.values())
    result = {
        "when": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "args": f" {shown}" if shown else "",
        "machine": common.machine(),
        "load_before": load_before,
        "load_after": common.load_average(),
        "count": len(ids),
        "chunk": args.chunk,
        "log_chatter": log_chatter,
        "cold": args.cold,
        "times": times,
        "statements": {n: run["marks"][n][1] - run["marks"][n][0] for n in STAGES},
        "replay": replayed,
        "report_jobs": run["report_jobs"],
        "raw": min(raw_times),
        "raw_runs": raw_times,
        "whole_rate": rate(len(ids), whole),
        "whole_ratio": whole / min(raw_times),
        "queue_ratio": times["queue"] / min(raw_times),
        "click_ratio": sum(times[n] for n in CLICK) / min(raw_times),
        **checked,
    }
    result["profile"] = profile
    return result


def summarize_runs(runs: list[dict]) -> dict:
    """The run with the median whole-send ratio, with the runs' medians as its
    figures for the targets and every run's ratios listed."""
    ranked = sorted(runs, key=lambda r: r["whole_ratio"])
    result = dict(ranked[len(ranked) // 2])
    for key in ("whole_rate", "whole_ratio", "queue_ratio", "click_ratio"):
        result[key] = statistics.median(r[key] for r in runs)
    result["runs"] = [
        {k: r[k] for k in ("raw", "whole_rate", "whole_ratio", "click_ratio", "queue_ratio")}
        | {"seconds": sum(r["times"].values())}
        for r in runs
    ]
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=500, help="SMS_BATCH_CHUNK")
    parser.add_argument(
        "--chatter", action="store_true", help="tick 'Log the message in each contact's chatter'"
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="contacts not announced to the addons (numbers validated by the composer)",
    )
    parser.add_argument("--raw-runs", type=int, default=3)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        metavar="N",
        help="whole runs, each in a fresh directory; the targets use their medians",
    )
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=25,
        default=0,
        metavar="N",
        help="cProfile the stages; print the N hottest functions",
    )
    parser.add_argument(
        "--statements",
        type=int,
        default=0,
        metavar="N",
        help="print the N statements the replay spent most time on",
    )
    parser.add_argument("--write", metavar="MD", help="append the dated figures to this file")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    global SLOWEST
    SLOWEST = {} if args.statements else None
    shown = " ".join(argv if argv is not None else sys.argv[1:])
    runs = []
    for number in range(1, args.repeat + 1):
        runs.append(one_run(args, shown))
        if args.repeat > 1:
            r = runs[-1]
            print(
                f"run {number}/{args.repeat}: whole send {r['whole_ratio']:.1f}× the raw insert "
                f"({sum(r['times'].values()):.3f} s / {r['raw']:.3f} s), click → delivered "
                f"{r['click_ratio']:.1f}×"
            )
    result = summarize_runs(runs)
    print_report(result)
    if SLOWEST:
        print("\nreplay seconds by statement:")
        ranked = sorted(SLOWEST.items(), key=lambda item: -item[1])[: args.statements]
        for (stage, sql), seconds in ranked:
            print(f"{seconds:8.4f}  {stage:<7} {sql}")
    profile = result.pop("profile")
    if profile is not None:
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).strip_dirs()
        stats.sort_stats("tottime").print_stats(args.profile)
        stats.sort_stats("cumulative").print_stats(args.profile)
        print(out.getvalue())
    if args.write:
        write_section(args.write, markdown(result))
        print(f"appended to {args.write}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2, default=str)
    return result


if __name__ == "__main__":
    main()
