"""Requests take a connection from the app's pool and give it back, and a
worker forked from a process that already used the pool (gunicorn --preload)
opens its own connections instead of sharing its parent's. On PostgreSQL a
connection the server ended is replaced, and an old one is retired."""

import multiprocessing
import os
import time

import pytest

from host.db import MAX_CONNECTION_AGE
from host.models import Contact
from host.testing import backend, log_in
from tests.host.addon_kit import close_app, rebuild


@pytest.fixture
def web(app):
    """An app serving requests as a web process does: the test's own app
    keeps a context open for the whole test, so its requests never end one."""
    other = rebuild(app)
    yield other
    close_app(other)


def test_requests_reuse_one_connection(web):
    database = web.extensions["host_db"]
    database.close_all()
    client = web.test_client()
    for _ in range(3):
        assert client.get("/login").status_code == 200
    assert database.is_closed()  # given back at the end of each request
    assert len(database._connections) == 1 and not database._in_use


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_worker_never_uses_its_parents_connections(web):
    app, client = web, web.test_client()
    database = app.extensions["host_db"]
    assert client.get("/login").status_code == 200
    parents = {id(conn) for _ts, _n, conn in database._connections}
    assert parents
    results = multiprocessing.get_context("fork").Queue()

    def worker():
        try:
            codes = [app.test_client().get("/login").status_code for _ in range(2)]
            used = {id(conn) for _ts, _n, conn in database._connections}
            with app.app_context():
                Contact.create(name="from the worker")
                used.add(id(database.connection()))
            results.put((codes, sorted(used & parents)))
        except Exception as exc:  # reported, so the test says what went wrong
            results.put(repr(exc))

    child = multiprocessing.get_context("fork").Process(target=worker)
    child.start()
    outcome = results.get(timeout=60)
    child.join(timeout=30)
    assert outcome == ([200, 200], [])
    # The parent's own connections still work after the child exited.
    assert client.get("/login").status_code == 200
    with app.app_context():
        assert Contact.select().where(Contact.name == "from the worker").count() == 1


def _backend_pids(database) -> set[int]:
    return {conn.get_backend_pid() for _ts, _n, conn in database._connections}


@pytest.mark.skipif(backend() != "postgresql", reason="PostgreSQL ends a session, SQLite has none")
def test_a_connection_the_server_ended_is_replaced(web, user):
    import psycopg2

    client = log_in(web.test_client(), user)
    assert client.get("/contacts").status_code == 200
    database = web.extensions["host_db"]
    ended = _backend_pids(database)
    assert ended
    admin = psycopg2.connect(**database.connect_params, database=database.database)
    try:
        with admin.cursor() as cursor:
            for pid in ended:  # as a server restart or an idle timeout would
                cursor.execute("SELECT pg_terminate_backend(%s)", (pid,))
        admin.commit()
    finally:
        admin.close()
    for _ in range(3):
        assert client.get("/contacts").status_code == 200
    assert _backend_pids(database).isdisjoint(ended)


@pytest.mark.skipif(backend() != "postgresql", reason="SQLite's connections are files")
def test_an_old_connection_is_retired(web, user, monkeypatch):
    import playhouse.pool

    client = log_in(web.test_client(), user)
    assert client.get("/contacts").status_code == 200
    database = web.extensions["host_db"]
    first = _backend_pids(database)
    later = time.time() + MAX_CONNECTION_AGE + 1
    monkeypatch.setattr(playhouse.pool.time, "time", lambda: later)
    assert client.get("/contacts").status_code == 200
    assert _backend_pids(database) and _backend_pids(database).isdisjoint(first)
