"""Sessions end for real: on logout every copy of the cookie dies, and they
expire when idle and after an absolute lifetime (issue 11 #4)."""

import time

import pytest

from host.security import end_sessions
from host.testing import PASSWORD


def _log_in(client, user):
    client.get("/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client.get_cookie("session").value


def _with_cookie(app, value):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_a_cookie_saved_before_logout_is_dead_after_it(app, client, admin):
    saved = _log_in(client, admin)
    assert _with_cookie(app, saved).get("/").status_code == 200
    client.post("/logout")
    assert _with_cookie(app, saved).get("/").status_code == 302
    # Logging in again opens a new session; the old cookie stays dead.
    _log_in(client, admin)
    assert client.get("/").status_code == 200
    assert _with_cookie(app, saved).get("/").status_code == 302


def test_ending_a_users_sessions_logs_out_every_device(app, admin):
    phone, laptop = app.test_client(), app.test_client()
    _log_in(phone, admin)
    _log_in(laptop, admin)
    end_sessions(admin.id)  # what a password change or a deactivation calls
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 302


def test_a_deactivated_user_is_logged_out(client, admin, user):
    _log_in(client, user)
    user.active = False
    user.save()
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("key", ["seen_at", "login_at"])
def test_idle_and_old_sessions_end(app, client, admin, key):
    app.config.update(HOST_SESSION_IDLE_TIMEOUT=600, HOST_SESSION_LIFETIME=3600)
    _log_in(client, admin)
    ago = 601 if key == "seen_at" else 3601
    with client.session_transaction() as session:
        session[key] = int(time.time()) - ago
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_activity_keeps_a_session_alive_until_its_lifetime(app, client, admin):
    app.config.update(HOST_SESSION_IDLE_TIMEOUT=600, HOST_SESSION_LIFETIME=3600)
    _log_in(client, admin)
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 599
        session["login_at"] = int(time.time()) - 3500
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        assert session["seen_at"] >= int(time.time()) - 5  # the request counted as activity


def test_the_cookie_expires_with_the_session_and_is_not_extended(app, client, admin):
    client.get("/login")
    response = client.post("/login", data={"email": admin.email, "password": PASSWORD})
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "Expires=" in cookie
    lifetime = app.config["HOST_SESSION_LIFETIME"]
    assert lifetime <= 24 * 3600  # not Flask's 31 days
    # A request with no change to the session sends no new cookie.
    assert not [c for c in client.get("/").headers.getlist("Set-Cookie") if "session=" in c]
