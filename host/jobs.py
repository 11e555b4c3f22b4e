"""Background jobs on a real huey queue, one queue per app.

Addons declare jobs at import time with :func:`job` and list them in their
``register_jobs`` hook, so they run only while the addon is enabled; each app binds them to
its own huey instance: SQLite storage by default, Redis when ``REDIS_URL`` is
set, immediate (in-process) when ``HOST_JOBS_IMMEDIATE`` is true. ``iap-host
worker`` consumes the queue. Jobs run inside an app context.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass

import huey
from flask import Flask, current_app, has_app_context
from huey.exceptions import RetryTask

from host.db import db
from host.private_files import private_dir, private_file

log = logging.getLogger(__name__)

_JOBS: dict[str, Job] = {}

__all__ = ["job", "Job", "JobQueue", "RetryTask", "crontab"]

crontab = huey.crontab


@dataclass(eq=False)
class Job:
    """A function that can run now (``job(...)``) or on the queue (``job.delay(...)``)."""

    fn: object
    name: str
    retries: int = 0
    retry_delay: int = 0
    periodic: object = None

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def delay(self, *args, **kwargs):
        """Enqueue after the current transaction commits (at once outside one),
        so the worker never looks for rows that are not visible yet."""
        queue = current_app.extensions["host_jobs"]
        result = {}

        def enqueue():
            result["handle"] = queue.task(self.name)(*args, **kwargs)

        db.after_commit(enqueue)
        return result.get("handle")

    def schedule(self, args=(), kwargs=None, *, delay: int):
        queue = current_app.extensions["host_jobs"]
        return queue.task(self.name).schedule(args=args, kwargs=kwargs or {}, delay=delay)


def job(*, retries: int = 0, retry_delay: int = 0, periodic=None, name: str | None = None):
    """Declare a background job. ``periodic`` is a :data:`crontab`."""

    def decorate(fn) -> Job:
        spec = Job(fn, name or f"{fn.__module__}.{fn.__qualname__}", retries, retry_delay, periodic)
        _JOBS[spec.name] = spec
        return functools.update_wrapper(spec, fn, updated=())

    return decorate


class JobQueue:
    """The app's huey queue. Jobs listed by an addon's ``register_jobs`` run
    only while that addon is enabled; the host's own jobs always run."""

    def __init__(self, app: Flask):
        self.app = app
        registry = app.extensions.get("host")
        # Job name -> the addon that declared it.
        self.owners: dict[str, str] = {
            spec.name: addon
            for addon, specs in (registry.hooks.register_jobs() if registry else [])
            for spec in specs
        }
        config = app.config
        name = config.get("HOST_JOBS_NAME", "iap_host")
        if config.get("HOST_JOBS_IMMEDIATE"):
            self.huey = huey.MemoryHuey(name, immediate=True)
        # Nothing reads job results back: storing them would only fill the queue.
        elif config.get("REDIS_URL"):
            self.huey = huey.RedisHuey(name, url=config["REDIS_URL"], results=False)
        else:
            jobs_path = config["HOST_JOBS_PATH"]
            private_dir(os.path.dirname(os.path.abspath(jobs_path)), tighten=False)
            private_file(jobs_path)  # it holds job arguments
            self.huey = huey.SqliteHuey(name, filename=jobs_path, results=False)
        self._tasks: dict[str, object] = {}
        for spec in list(_JOBS.values()):
            # A periodic job of an addon not loaded here (imported by another
            # app of the process) would fail every minute on missing tables.
            elsewhere = spec.name not in self.owners and not spec.fn.__module__.startswith("host.")
            if spec.periodic is not None and elsewhere:
                continue
            self._bind(spec)

    def _bind(self, spec: Job):
        app = self.app

        @functools.wraps(spec.fn)
        def run(*args, **kwargs):
            if has_app_context() and current_app._get_current_object() is app:
                return self._run_if_enabled(spec, args, kwargs)
            with app.app_context():
                return self._run_if_enabled(spec, args, kwargs)

        if spec.periodic is not None:
            task = self.huey.periodic_task(spec.periodic, name=spec.name)(run)
        else:
            task = self.huey.task(
                retries=spec.retries, retry_delay=spec.retry_delay, name=spec.name
            )(run)
        self._tasks[spec.name] = task
        return task

    def _run_if_enabled(self, spec: Job, args, kwargs):
        owner = self.owners.get(spec.name)
        if owner is not None and not self.app.extensions["host"].is_enabled(owner):
            log.info("job %s skipped: addon %s is not enabled", spec.name, owner)
            return None
        return spec.fn(*args, **kwargs)

    def task(self, name: str):
        if name not in self._tasks:
            self._bind(_JOBS[name])
        return self._tasks[name]

    def describe(self) -> str:
        """Where the queue lives, for the start-up log (no password)."""
        from host.db import redact_url

        if isinstance(self.huey, huey.MemoryHuey):
            return "in-process (HOST_JOBS_IMMEDIATE)"
        if isinstance(self.huey, huey.RedisHuey):
            return f"huey on Redis {redact_url(self.app.config['REDIS_URL'])}"
        return f"huey on SQLite {self.app.config['HOST_JOBS_PATH']}"

    def pending(self) -> int:
        return self.huey.pending_count()

    def run_worker(self, workers: int = 2) -> None:
        consumer = self.huey.create_consumer(
            workers=workers, worker_type="thread", periodic=True, check_worker_health=True
        )
        consumer.run()
