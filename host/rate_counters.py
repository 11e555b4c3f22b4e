"""Where the public endpoints' rate-limit counts live: one count per endpoint,
client address and fixed window, shared by every web process.

In the database by default (one upsert per call). When ``REDIS_URL`` is set
(the deployment at scale, whose job queue is on Redis), in Redis: an anonymous
caller's burst then writes nothing to the database. Each count is one atomic
``INCR`` with its ``EXPIRE`` in the same transaction, so concurrent processes
never read the same count and no key outlives its window.
"""

from __future__ import annotations

import logging
import math

from flask import Flask

from host.db import db, sql_named

log = logging.getLogger(__name__)

# One statement counts the call and reads the count, in every process at once:
# the row's write lock orders concurrent calls, so no two read the same count.
_COUNT = """
INSERT INTO host_rate_counter ("key", "window", hits) VALUES (:key, :window, 1)
ON CONFLICT ("key", "window") DO UPDATE SET hits = host_rate_counter.hits + 1
RETURNING hits
"""
_SWEEP = (
    'DELETE FROM host_rate_counter WHERE "key" LIKE :prefix ESCAPE \'\\\' AND "window" < :window'
)


class DatabaseCounts:
    """Counts in ``host_rate_counter``, swept of older windows as they go by."""

    def __init__(self):
        # (database, endpoint) -> the window this process last swept older counts for
        self._swept: dict[tuple[int, str], int] = {}

    def hit(self, endpoint: str, key: str, window: int, ttl: int) -> int:
        hits = db.execute_sql(*sql_named(_COUNT, {"key": key, "window": window})).fetchone()[0]
        swept = (id(db.obj), endpoint)
        if self._swept.get(swept) != window:
            # Once a window per process: older windows of this endpoint are of no use.
            self._swept[swept] = window
            prefix = endpoint.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            db.execute_sql(*sql_named(_SWEEP, {"prefix": f"{prefix}|%", "window": window}))
        return hits


class RedisCounts:
    """Counts in Redis under ``prefix``, each key expiring with its window."""

    def __init__(self, url: str, prefix: str, fallback: DatabaseCounts):
        import redis  # only a deployment with REDIS_URL needs the package

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix
        self._errors = (redis.RedisError,)
        self._fallback = fallback

    def name(self, key: str, window: int) -> str:
        return f"{self.prefix}{key}|{window}"

    def hit(self, endpoint: str, key: str, window: int, ttl: int) -> int:
        name = self.name(key, window)
        try:
            with self.client.pipeline(transaction=True) as pipe:
                hits, _ = pipe.incr(name).expire(name, ttl).execute()
            return int(hits)
        except self._errors as exc:
            # Still limited while Redis is away (the job queue is down too):
            # the database counts until it is back.
            log.warning("rate limit: Redis unavailable (%s), counting in the database", exc)
            return self._fallback.hit(endpoint, key, window, ttl)


def counts_for(app: Flask) -> DatabaseCounts | RedisCounts:
    """The app's counts, made on first use from its configuration."""
    counts = app.extensions.get("host_rate_counts")
    if counts is None:
        counts = DatabaseCounts()
        if app.config.get("REDIS_URL"):
            counts = RedisCounts(app.config["REDIS_URL"], app.config["HOST_RATE_PREFIX"], counts)
        app.extensions["host_rate_counts"] = counts
    return counts


def window_ttl(window: int, seconds: int, now: float) -> int:
    """Seconds a window's count must be kept from ``now``: to its end, and one more."""
    return max(1, math.ceil((window + 1) * seconds - now)) + 1
