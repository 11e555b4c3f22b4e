"""Password guessing is slowed down per email and source address, atomically,
and a guesser cannot lock the real owner out (issue 11, items 5 and 7)."""

import datetime as dt
import math
import threading
import time

from host import throttling
from host.db import utcnow
from host.models import LoginFailure
from host.testing import PASSWORD


def _post(client, email, password, address="198.51.100.1"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_overrides={"REMOTE_ADDR": address},
    )


def _age_failures(seconds):
    """Move every recorded attempt ``seconds`` into the past (time passing)."""
    for row in LoginFailure.select():
        row.created_at -= dt.timedelta(seconds=seconds)
        row.save()


def _just_now():
    LoginFailure.update(created_at=utcnow()).execute()


def test_delays_grow_after_the_free_attempts(client, admin):
    for _ in range(throttling.FREE_ATTEMPTS):
        assert _post(client, admin.email, "guess").status_code == 401
    _just_now()  # each scrypt check takes a while on a busy machine
    refused = _post(client, admin.email, PASSWORD)
    assert refused.status_code == 429  # even the right password waits
    assert "Too many failed attempts. Try again in 1 second" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] == "1"
    waits = []
    for _ in range(4):
        _age_failures(throttling.delay(LoginFailure.select().count()))
        assert _post(client, admin.email, "guess").status_code == 401
        _just_now()
        waits.append(int(_post(client, admin.email, "guess").headers["Retry-After"]))
    assert waits == [2, 4, 8, 16]
    _age_failures(16)
    assert _post(client, admin.email, PASSWORD).status_code == 302
    assert LoginFailure.select().where(LoginFailure.email == admin.email).count() == 0


def test_a_guesser_elsewhere_does_not_lock_the_owner_out(app, client, admin):
    # Twelve failures from the guesser's address: a delay of minutes there.
    for _ in range(12):
        LoginFailure.create(email=admin.email, address="203.0.113.66")
    assert _post(client, admin.email, "guess", address="203.0.113.66").status_code == 429
    owner = app.test_client()
    owner.get("/login")
    assert _post(owner, admin.email, PASSWORD, address="192.0.2.10").status_code == 302
    # ...and the owner's login did not reset the guesser's delay.
    assert _post(client, admin.email, "guess", address="203.0.113.66").status_code == 429


def test_one_address_trying_many_emails_is_stopped(client, admin):
    for i in range(throttling.MAX_PER_ADDRESS):
        assert _post(client, f"nobody{i}@example.com", "guess").status_code == 401
    assert _post(client, "another@example.com", "guess").status_code == 429
    assert _post(client, admin.email, PASSWORD, address="192.0.2.10").status_code == 302


def test_a_burst_of_concurrent_guesses_checks_at_most_the_free_attempts(app, admin, monkeypatch):
    """60 wrong passwords at once for one email: the attempt is reserved before
    the password is checked, so the burst cannot race past the count."""
    import host.models

    checks = []
    real = host.models.check_password_hash

    def counting(pwhash, password):
        checks.append(password)
        return real(pwhash, password)

    monkeypatch.setattr(host.models, "check_password_hash", counting)
    clients = []
    for _ in range(60):
        c = app.test_client()
        c.get("/login")
        clients.append(c)
    barrier = threading.Barrier(len(clients))
    statuses = []

    def guess(c):
        barrier.wait()
        statuses.append(_post(c, admin.email, "guess").status_code)

    threads = [threading.Thread(target=guess, args=(c,)) for c in clients]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert sorted(set(statuses)) == [401, 429]
    # The free attempts, plus one per delay (1 s, 2 s, 4 s...) that ran out
    # while the burst lasted on a busy machine.
    allowed = throttling.FREE_ATTEMPTS + int(math.log2(elapsed + 1))
    assert len(checks) == statuses.count(401) <= allowed
