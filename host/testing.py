"""Pytest fixtures for the host and for addon authors (a ``pytest11`` plugin).

An addon's tests get a fresh app on its own database::

    def test_button(app, admin_client, enable):
        enable("my_addon")
        page = admin_client.get("/contacts/1")

Set ``TEST_DATABASE_URL=postgresql://…`` and ``IAP_TEST_BACKEND=postgresql``
to run the same tests on PostgreSQL, each test in its own schema.
"""

from __future__ import annotations

import functools
import os
import threading
import uuid
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from host.app import close_database, create_app
from host.db import db
from host.models import Contact, User

PASSWORD = "correct horse battery staple"


class HostClient(FlaskClient):
    """A test client that adds the session's CSRF token to every form post."""

    def open(self, *args, csrf=True, **kwargs):
        method = kwargs.get("method", "GET").upper()
        if csrf and method in ("POST", "PUT", "PATCH", "DELETE"):
            with self.session_transaction() as session:
                token = session.setdefault("csrf", uuid.uuid4().hex)
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRF-Token", token)
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


def backend() -> str:
    return os.environ.get("IAP_TEST_BACKEND", "sqlite")


@pytest.fixture
def database_url(tmp_path):
    """A database of its own for one test: a SQLite file, or a PostgreSQL schema."""
    if backend() != "postgresql":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    import psycopg2

    base = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(base)
    conn = psycopg2.connect(
        dbname=parts.path.lstrip("/"),
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?schema={schema}"
    finally:
        with conn.cursor() as cur:
            cur.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.close()


@pytest.fixture
def host_config() -> dict:
    """Config overrides for the ``app`` fixture; override it in a conftest."""
    return {}


@pytest.fixture
def app(database_url, host_config, tmp_path):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "HOST_JOBS_IMMEDIATE": True,
        "HOST_LOAD_ENTRY_POINTS": False,
        "HOST_JOBS_PATH": str(tmp_path / "jobs.db"),
        "HOST_BASE_URL": "http://localhost",
        "HOST_INSTANCE_PATH": str(tmp_path / "instance"),
        "MAIL_SERVER": None,
        # flask-mail drops mails in testing mode; the tests use a real SMTP server.
        "MAIL_SUPPRESS_SEND": False,
    }
    config.update(host_config)
    application = create_app(config)
    application.test_client_class = HostClient
    with application.app_context():
        yield application
    if not db.is_closed():
        db.close()
    close_database(application)


@pytest.fixture
def client(app) -> HostClient:
    return app.test_client()


@functools.cache
def _password_hash() -> str:
    # A real hash of PASSWORD, computed once: scrypt takes a fifth of a second.
    return generate_password_hash(PASSWORD)


def make_user(email: str, *, admin: bool = False, name: str | None = None) -> User:
    user = User(email=email, name=name or email.split("@")[0].title(), is_admin=admin)
    user.password_hash = _password_hash()
    user.save()
    return user


@pytest.fixture
def admin(app) -> User:
    return make_user("admin@example.com", admin=True, name="Admin")


@pytest.fixture
def user(app) -> User:
    return make_user("user@example.com", name="User")


def log_in(client: FlaskClient, user: User) -> FlaskClient:
    from host.security import session_values

    with client.session_transaction() as session:
        session.update(session_values(user))
    return client


@pytest.fixture
def login(client):
    """``login(user)`` logs the test client in as ``user``."""
    return lambda who: log_in(client, who)


@pytest.fixture
def admin_client(app, admin) -> HostClient:
    return log_in(app.test_client(), admin)


@pytest.fixture
def user_client(app, user) -> HostClient:
    return log_in(app.test_client(), user)


@pytest.fixture
def enable(app):
    """``enable("sms", ...)`` enables addons (and their dependencies)."""

    def enable_addons(*names):
        registry = app.extensions["host"]
        for name in names:
            registry.enable(name)
            registry.forget_cache()

    return enable_addons


@pytest.fixture
def contact(app) -> Contact:
    return Contact.create(
        name="Marie Dubois",
        email="marie@example.com",
        mobile="+32 470 12 34 56",
        phone="",
        country="BE",
        city="Brussels",
        street="Rue Gheude 56",
        zip="1070",
    )


class _Inbox:
    """Collects what a real SMTP server on loopback received."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 Message accepted for delivery"


def on_another_connection(app, work) -> None:
    """Run ``work()`` in an app context of its own thread, so on a database
    connection of its own, as another process would (a write there is not
    this connection's, nor the registry's); its exception is raised here."""
    failures = []

    def run():
        try:
            with app.app_context():
                work()
        except BaseException as exc:  # raised again in the caller's thread
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1; ``.messages`` holds what
    arrived, ``.port`` is where it listens. Point ``MAIL_SERVER`` at it."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    inbox.controller = controller
    try:
        yield inbox
    finally:
        controller.stop()
