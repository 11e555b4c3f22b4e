"""Requests take a connection from the app's pool and give it back, and a
worker forked from a process that already used the pool (gunicorn --preload)
opens its own connections instead of sharing its parent's."""

import multiprocessing
import os

import pytest

from host.models import Contact
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
