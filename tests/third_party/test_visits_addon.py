"""A third-party addon written only from docs/: it imports nothing but the
public names, and its header button, public endpoint, field widget and
periodic job work as the docs say."""

import ast
import datetime as dt
from pathlib import Path

import pytest

import addons.iap
import host
from addons.iap import balance
from host import utcnow
from host.models import Message
from tests.host.addon_kit import close_app, rebuild
from tests.third_party import visits_addon

SOURCE = Path(visits_addon.__file__)


@pytest.fixture
def host_config(host_config):
    host_config["HOST_BUILTIN_ADDONS"] = ("addons.iap.plugin",)
    host_config["HOST_EXTRA_ADDONS"] = [visits_addon]
    host_config["IAP_EDITION"] = "community"  # no trial credits
    return host_config


def test_it_imports_only_documented_public_names():
    public = {"host": set(host.__all__), "addons.iap": set(addons.iap.__all__)}
    for node in ast.walk(ast.parse(SOURCE.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module.split(".")[0] in ("host", "addons"):
            assert node.module in public, f"imports the private module {node.module}"
            names = {alias.name for alias in node.names}
            assert names <= public[node.module], names - public[node.module]
        elif isinstance(node, ast.Import):
            assert all(a.name.split(".")[0] not in ("host", "addons") for a in node.names)


def test_header_button_charges_one_credit(admin_client, enable, credits, contact):
    enable("visits")  # and iap, which it depends on
    credits("visits", 1)
    page = admin_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert 'data-action="visits-report"' in page and "Visit report" in page
    admin_client.post(f"/visits/report/{contact.id}")
    assert balance("visits") == 0
    assert Message.get(Message.kind == "note").body == "0 visits of the website."
    again = admin_client.post(f"/visits/report/{contact.id}", follow_redirects=True)
    assert "Not enough" in again.get_data(as_text=True)
    assert Message.select().where(Message.kind == "note").count() == 1


def test_public_endpoint_with_a_token_and_a_rate_limit(app, client, enable, contact):
    enable("visits")
    with app.test_request_context():
        url = visits_addon.tracking_url(contact)
    assert client.post(url, data={"page": "https://marie.example/pricing"}).status_code == 204
    assert visits_addon.Visit.select().count() == 1
    assert client.post(url.replace("/track/", "/track/x"), csrf=False).status_code == 404
    codes = [client.get(url).status_code for _ in range(10)]
    assert codes.count(204) == 8 and codes[-1] == 429  # 10 a minute, the bad one counted
    assert visits_addon.Visit.select().count() == 9


def test_field_widget_suggests_visited_pages(app, enable, user_client, contact):
    enable("visits")
    visits_addon.Visit.create(contact=contact, page="https://marie.example/pricing")
    form = user_client.get("/contacts/new").get_data(as_text=True)
    assert 'data-suggest-url="/visits/suggest"' in form
    answer = user_client.get("/visits/suggest?q=marie&field=website").get_json()
    assert answer == {
        "suggestions": [
            {
                "label": "https://marie.example/pricing",
                "detail": "",
                "values": {"website": "https://marie.example/pricing"},
            }
        ]
    }


def test_disabled_it_answers_nobody(app, client, admin_client, contact):
    with app.test_request_context():
        url = visits_addon.tracking_url(contact)
    assert client.post(url, csrf=False).status_code == 404
    assert "visits-report" not in admin_client.get(f"/contacts/{contact.id}").get_data(as_text=True)


@pytest.fixture
def worker_app(app):
    """The same addons on a real (not immediate) huey queue, as the worker runs it."""
    new = rebuild(
        app,
        visits_addon,
        HOST_BUILTIN_ADDONS=("addons.iap.plugin",),
        HOST_JOBS_IMMEDIATE=False,
    )
    yield new
    close_app(new)


def _run_periodic(new, name):
    huey = new.extensions["host_jobs"].huey
    at_three = dt.datetime(2030, 1, 1, 3, 0)
    tasks = [t for t in huey.read_periodic(at_three) if t.name == name]
    assert len(tasks) == 1, "the job is not scheduled at 03:00"
    huey.enqueue(tasks[0])
    return huey.execute(huey.dequeue())


def test_periodic_job_forgets_old_visits_only_while_enabled(worker_app, contact):
    visits = visits_addon.Visit
    with worker_app.app_context():
        assert _run_periodic(worker_app, "visits.forget_old_visits") is None  # not enabled
        worker_app.extensions["host"].enable("visits")
        old = utcnow() - dt.timedelta(days=visits_addon.KEEP_DAYS + 1)
        visits.create(contact=contact.id, page="old", created_at=old)
        visits.create(contact=contact.id, page="recent")
    with worker_app.app_context():
        assert _run_periodic(worker_app, "visits.forget_old_visits") == 1
        assert [v.page for v in visits.select()] == ["recent"]
