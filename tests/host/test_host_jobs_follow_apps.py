"""An addon's jobs run only while the Apps page has it enabled, on the real
huey queue (SQLite storage, as ``iap-host worker`` consumes it)."""

from __future__ import annotations

import threading

import pytest
from huey import signals

from host import crontab, job
from tests.host.addon_kit import Note, close_app, make_addon, rebuild


@job(periodic=crontab(minute="*"), name="tests.host.chores_sweep")
def chores_sweep():
    # Reads the addon's own table: fails with "no such table" unless enabled.
    return Note.select().count()


@job(name="tests.host.chores_write")
def chores_write(text):
    Note.create(text=text)
    return text


def _chores():
    return make_addon(
        "chores",
        register_models=lambda: [Note],
        register_jobs=lambda: [chores_sweep, chores_write],
    )


@pytest.fixture
def worker_app(app):
    """The app rebuilt with the chores addon and a real (not immediate) queue."""
    new = rebuild(app, _chores(), HOST_JOBS_IMMEDIATE=False)
    yield new
    close_app(new)


def _work(huey) -> tuple[list, list]:
    """Run every queued task as a worker thread would; (results, errors)."""
    results, errors = [], []
    huey.signal(signals.SIGNAL_ERROR)(lambda signal, task, exc=None: errors.append(exc))

    def loop():
        while huey.pending_count():
            results.append(huey.execute(huey.dequeue()))

    thread = threading.Thread(target=loop)
    thread.start()
    thread.join(timeout=60)
    return results, errors


def _enqueue(new, *calls):
    queue = new.extensions["host_jobs"]
    with new.app_context():
        for name, args in calls:
            queue.task(name)(*args)
    return queue.huey


def test_a_disabled_addons_jobs_neither_run_nor_fail(worker_app):
    huey = _enqueue(
        worker_app, ("tests.host.chores_sweep", ()), ("tests.host.chores_write", ("lost",))
    )
    assert huey.pending_count() == 2
    results, errors = _work(huey)
    assert errors == [] and results == [None, None]
    assert huey.pending_count() == 0

    with worker_app.app_context():
        worker_app.extensions["host"].enable("chores")
    huey = _enqueue(
        worker_app, ("tests.host.chores_write", ("kept",)), ("tests.host.chores_sweep", ())
    )
    results, errors = _work(huey)
    assert errors == [] and results == ["kept", 1]

    with worker_app.app_context():
        worker_app.extensions["host"].disable("chores")
    huey = _enqueue(worker_app, ("tests.host.chores_write", ("after",)))
    results, errors = _work(huey)
    assert errors == [] and results == [None]
    with worker_app.app_context():
        assert [n.text for n in Note.select()] == ["kept"]


def test_a_periodic_job_of_an_addon_not_loaded_is_not_scheduled(app, worker_app):
    from huey.api import PeriodicTask

    def scheduled(new):
        huey = new.extensions["host_jobs"].huey
        return {t.name for t in huey.read_periodic(_every_minute()) if isinstance(t, PeriodicTask)}

    assert "tests.host.chores_sweep" in scheduled(worker_app)
    # ``app`` has no chores addon: the job is imported in this process, not scheduled.
    assert "tests.host.chores_sweep" not in scheduled(app)


def _every_minute():
    import datetime as dt

    return dt.datetime(2030, 1, 1, 0, 0)


@pytest.fixture
def builtin_app(app):
    """Every built-in addon loaded, none enabled: a fresh database."""
    from host.config import BUILTIN_ADDONS

    new = rebuild(app, HOST_JOBS_IMMEDIATE=False, HOST_BUILTIN_ADDONS=BUILTIN_ADDONS)
    yield new
    close_app(new)


def test_built_in_periodic_jobs_on_a_fresh_database_do_not_fail(builtin_app):
    from huey.api import PeriodicTask

    queue = builtin_app.extensions["host_jobs"]
    periodic = sorted(
        name for name in queue.owners if issubclass(queue.task(name).task_class, PeriodicTask)
    )
    assert {"iap.sweep", "sms.take_up_lost_work", "digitization.sweep"} <= set(periodic)
    huey = _enqueue(builtin_app, *((name, ()) for name in periodic))
    results, errors = _work(huey)
    assert errors == [] and set(results) == {None}
    with builtin_app.app_context():
        builtin_app.extensions["host"].enable("iap")
    huey = _enqueue(builtin_app, ("iap.sweep", ()))
    results, errors = _work(huey)
    assert errors == [] and isinstance(results[0], dict) and "holds" in results[0]
