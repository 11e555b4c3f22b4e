"""With ``REDIS_URL`` set, the public endpoints' rate-limit counts live in
Redis (nothing written to the database per call), hold across processes, and
fall back to the database while Redis cannot be reached. Each test counts
under a key prefix of its own and deletes its keys."""

import logging
import uuid

import pytest

from host import sign_token
from host.models import RateCounter
from host.public_endpoints import PublicEndpoint, RateLimit, over_limit
from host.rate_counters import DatabaseCounts, RedisCounts, counts_for
from tests.host.addon_kit import close_app, kit_config, rebuild
from tests.host.test_host_jobs import REDIS_URL, _redis_up
from tests.host.test_host_public_endpoints import CALLS, _addon

needs_redis = pytest.mark.skipif(not _redis_up(), reason=f"no Redis server at {REDIS_URL}")


@pytest.fixture
def host_config():
    CALLS.clear()
    return kit_config(_addon())


@pytest.fixture
def prefix():
    """A key prefix of this test's own; its keys are deleted after it."""
    import redis

    name = f"iap_test_rate_{uuid.uuid4().hex[:8]}:"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{name}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def on_redis(app, enable, prefix):
    """Another web process of the app, counting in Redis."""
    enable("kit")
    other = rebuild(app, _addon(), REDIS_URL=REDIS_URL, HOST_RATE_PREFIX=prefix)
    try:
        yield other
    finally:
        close_app(other)


def _redis_keys(counts, prefix):
    return {
        key.decode(): int(counts.client.get(key)) for key in counts.client.scan_iter(f"{prefix}*")
    }


def test_the_database_counts_without_redis(app):
    assert not app.config.get("REDIS_URL")
    assert type(counts_for(app)) is DatabaseCounts


@needs_redis
def test_counts_live_in_redis_and_expire_with_their_window(on_redis, prefix):
    token = sign_token("kit.sign", {"id": 1, "signer": "Jan"})
    client = on_redis.test_client()
    with on_redis.app_context():
        codes = [client.get(f"/kit/sign/{token}").status_code for _ in range(5)]
        assert RateCounter.select().count() == 0
    assert codes == [200, 200, 200, 429, 429] and len(CALLS) == 3
    counts = counts_for(on_redis)
    assert type(counts) is RedisCounts
    (name, hits), *others = _redis_keys(counts, prefix).items()
    assert others == [] and hits == 5
    assert name.startswith(f"{prefix}kit.sign_page|127.0.0.1|")
    assert 1 <= counts.client.ttl(name) <= 62


@needs_redis
def test_a_new_window_starts_a_new_count_in_redis(on_redis, prefix):
    spec = PublicEndpoint("token", RateLimit.parse("2/minute"))
    with on_redis.test_request_context("/", environ_base={"REMOTE_ADDR": "192.0.2.1"}):
        assert [over_limit("kit.x", spec, now=600.0) for _ in range(3)] == [0, 0, 60]
        assert over_limit("kit.x", spec, now=659.5) == 1
        assert over_limit("kit.x", spec, now=660.0) == 0  # the next minute
    assert _redis_keys(counts_for(on_redis), prefix) == {
        f"{prefix}kit.x|192.0.2.1|10": 4,
        f"{prefix}kit.x|192.0.2.1|11": 1,
    }


def test_the_database_counts_while_redis_is_away(app, enable, caplog):
    enable("kit")
    away = rebuild(app, _addon(), REDIS_URL="redis://127.0.0.1:1/0")
    token = sign_token("kit.sign", {"id": 1, "signer": "Jan"})
    try:
        client = away.test_client()
        with caplog.at_level(logging.WARNING, "host.rate_counters"), away.app_context():
            codes = [client.get(f"/kit/sign/{token}").status_code for _ in range(4)]
            assert RateCounter.get().hits == 4
    finally:
        close_app(away)
    assert codes == [200, 200, 200, 429]
    assert "Redis unavailable" in caplog.text and "counting in the database" in caplog.text


@needs_redis
def test_the_limit_holds_in_redis_across_processes_calling_at_once(
    app, database_url, tmp_path, prefix
):
    """Three processes (three gunicorn workers) on one Redis call one endpoint
    from one address at the same moment: exactly the limit gets through."""
    import redis

    from tests.host import rate_workers

    extra = {"REDIS_URL": REDIS_URL, "HOST_RATE_PREFIX": prefix}
    codes = rate_workers.call_at_once(database_url, tmp_path, extra)
    assert codes.count(204) == rate_workers.LIMIT
    assert codes.count(429) == 60 - rate_workers.LIMIT
    assert RateCounter.select().count() == 0
    client = redis.Redis.from_url(REDIS_URL)
    (key,) = client.scan_iter(f"{prefix}rate_probe|198.51.100.7|*")
    assert int(client.get(key)) == 60
    client.close()
