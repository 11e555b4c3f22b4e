"""Background jobs on a real huey queue: they survive a restart and wait for commits."""

import importlib
import os
import re
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import current_app

from host import Setting, db, job
from host.mail import deliver_mail
from host.models import MailMessage
from tests.host.addon_kit import close_app, kit_config, rebuild


@job(name="tests.host.record_marker")
def record_marker(value):
    """Writes which app ran it: proof of an app context with its database."""
    Setting.write("job_marker", f"{value} by {current_app.config['JOB_OWNER']}")
    return value


@pytest.fixture
def host_config():
    return kit_config(HOST_JOBS_IMMEDIATE=False, JOB_OWNER="first")


@pytest.fixture
def queue(app):
    return app.extensions["host_jobs"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_in_fresh_thread(fn):
    """Run ``fn`` as a worker thread would: no app context, no connection."""
    results = []
    thread = threading.Thread(target=lambda: results.append(fn()))
    thread.start()
    thread.join(timeout=60)
    assert results, "the worker thread failed"
    return results[0]


def test_job_enqueued_before_a_restart_runs_in_the_new_app(app, queue, tmp_path):
    assert str(tmp_path) in app.config["HOST_JOBS_PATH"]
    record_marker.delay("hello")
    assert queue.pending() == 1
    assert Setting.read("job_marker") == ""

    restarted = rebuild(app, JOB_OWNER="second")
    try:
        huey = restarted.extensions["host_jobs"].huey
        assert huey.pending_count() == 1

        def work():
            task = huey.dequeue()
            return huey.execute(task)

        assert _run_in_fresh_thread(work) == "hello"
        assert huey.pending_count() == 0
        with restarted.app_context():
            assert Setting.read("job_marker") == "hello by second"
    finally:
        close_app(restarted)


def test_job_waits_for_the_commit(app, queue):
    with db.atomic():
        record_marker.delay("after commit")
        assert queue.pending() == 0
        with db.atomic():  # a savepoint commits with the transaction
            record_marker.delay("nested")
        assert queue.pending() == 0
    assert queue.pending() == 2


def test_job_of_a_rolled_back_transaction_is_never_enqueued(app, queue):
    with pytest.raises(RuntimeError), db.atomic():
        Setting.write("half_done", "yes")
        record_marker.delay("never")
        raise RuntimeError("payment refused")
    with db.atomic() as transaction:
        record_marker.delay("never either")
        transaction.rollback()
    assert queue.pending() == 0
    assert Setting.read("half_done") == ""
    # The next transaction does not inherit the dropped jobs.
    with db.atomic():
        record_marker.delay("kept")
    assert queue.pending() == 1


def test_job_of_a_rolled_back_savepoint_is_never_enqueued(app, queue):
    with db.atomic():
        with pytest.raises(RuntimeError), db.atomic():
            record_marker.delay("never")
            raise RuntimeError("this step failed")
        Setting.write("outer", "committed")
    assert Setting.read("outer") == "committed"
    assert queue.pending() == 0


def test_scheduled_job_carries_its_time(app, queue):
    record_marker.schedule(("later",), delay=3600)
    task = queue.huey.dequeue()
    assert task.args == ("later",)
    assert task.eta is not None and not queue.huey.ready_to_run(task)
    assert Setting.read("job_marker") == ""


def test_mail_retry_goes_back_on_the_queue(app):
    mailing = rebuild(
        app, MAIL_SERVER="127.0.0.1", MAIL_PORT=_closed_port(), MAIL_SUPPRESS_SEND=False
    )
    try:
        huey = mailing.extensions["host_jobs"].huey
        with mailing.app_context():
            mail = MailMessage.create(to="a@example.com", subject="Queued", body="b")
            deliver_mail.delay(mail.id)
            task = huey.dequeue()
            huey.execute(task)
            # Not lost: the same task waits in the schedule for its retry.
            assert huey.pending_count() == 0
            [scheduled] = huey.scheduled()
            assert scheduled.id == task.id and scheduled.eta is not None
            stored = MailMessage.get_by_id(mail.id)
            assert (stored.state, stored.attempts) == ("queued", 1)
    finally:
        close_app(mailing)


def test_immediate_mode_runs_the_job_at_once(app):
    immediate = rebuild(app, HOST_JOBS_IMMEDIATE=True, JOB_OWNER="inline")
    try:
        with immediate.app_context():
            record_marker.delay("now")
            assert Setting.read("job_marker") == "now by inline"
    finally:
        close_app(immediate)


# Another user of the same server picks its own database: TEST_REDIS_URL=redis://…/5
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_up() -> bool:
    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason=f"no Redis server at {REDIS_URL}")
def test_queue_on_redis_survives_a_restart(app):
    import uuid

    name = f"iap_test_{uuid.uuid4().hex[:8]}"
    first = rebuild(app, REDIS_URL=REDIS_URL, HOST_JOBS_NAME=name)
    try:
        assert type(first.extensions["host_jobs"].huey).__name__ == "RedisHuey"
        with first.app_context():
            record_marker.delay("via redis")
        second = rebuild(app, REDIS_URL=REDIS_URL, HOST_JOBS_NAME=name, JOB_OWNER="second")
        try:
            huey = second.extensions["host_jobs"].huey
            assert huey.pending_count() == 1
            assert _run_in_fresh_thread(lambda: huey.execute(huey.dequeue())) == "via redis"
            with second.app_context():
                assert Setting.read("job_marker") == "via redis by second"
        finally:
            second.extensions["host_jobs"].huey.storage.flush_all()
            close_app(second)
    finally:
        close_app(first)


def test_worker_command_consumes_the_queue(app, tmp_path):
    """``iap-host worker`` is a real consumer process."""
    import os
    import subprocess
    import sys
    import time

    from host.mail import send_mail

    with db.atomic():
        mail = send_mail("someone@example.com", "Queued", "Hello")
    assert MailMessage.get_by_id(mail.id).state == "queued"
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "HOST_JOBS_IMMEDIATE": "false",
        "HOST_INSTANCE_PATH": str(tmp_path / "worker"),
        "HOST_LOAD_ENTRY_POINTS": "false",
    }
    env["HOST_CONFIG"] = str(tmp_path / "worker.cfg")
    (tmp_path / "worker.cfg").write_text(
        f"HOST_JOBS_PATH = {app.config['HOST_JOBS_PATH']!r}\nSECRET_KEY = 'x'\n"
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "host.cli", "worker", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if MailMessage.get_by_id(mail.id).state == "outbox":
                break
            time.sleep(0.2)
        assert MailMessage.get_by_id(mail.id).state == "outbox"
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def test_job_of_a_committed_savepoint_is_enqueued_with_the_outer_commit(app, queue):
    with db.atomic():
        with db.atomic():
            record_marker.delay("kept")
        assert queue.pending() == 0  # not before the outer commit
    assert queue.pending() == 1


def test_job_of_a_savepoint_rolled_back_by_hand_is_never_enqueued(app, queue):
    with db.atomic():
        with db.atomic() as savepoint:
            record_marker.delay("never")
            savepoint.rollback()
            record_marker.delay("kept")
    assert queue.pending() == 1
    assert queue.huey.dequeue().args == ("kept",)


def test_job_of_a_released_savepoint_survives_its_next_rollback(app, queue):
    with db.atomic():
        with db.atomic() as savepoint:
            record_marker.delay("released")
            savepoint.commit()
            record_marker.delay("never")
            savepoint.rollback()
    assert [queue.huey.dequeue().args] == [("released",)]
    assert queue.pending() == 0


def test_host_db_uses_only_public_peewee_names():
    source = Path(importlib.import_module("host.db").__file__).read_text()
    assert not re.findall(r"peewee\._\w+|\._state\b", source)
