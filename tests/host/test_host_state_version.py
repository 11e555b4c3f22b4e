"""The enabled addons and saved settings, kept per process with the database's
counter of their changes: a change made elsewhere (another connection, plain
SQL, not the registry) is seen by the next request or job."""

from host.models import AddonState, Setting
from host.request_cache import context_cache
from host.state_version import StateVersion
from host.testing import on_another_connection


def _new_job(app):
    context_cache().clear()  # what a new job or request starts with
    return app.extensions["host"].enabled_names()


def test_an_addon_disabled_elsewhere_is_seen_by_the_next_job(app, enable):
    enable("iap")
    assert "iap" in _new_job(app)
    kept = _new_job(app)
    assert _new_job(app) is kept  # nothing changed: what was read is kept

    on_another_connection(
        app,
        lambda: AddonState.update(enabled=False).where(AddonState.name == "iap").execute(),
    )
    assert "iap" not in _new_job(app)

    on_another_connection(
        app,
        lambda: AddonState.update(enabled=True).where(AddonState.name == "iap").execute(),
    )
    assert "iap" in _new_job(app)


def test_a_setting_saved_elsewhere_is_seen_by_the_next_job(app, enable):
    enable("iap")
    before = StateVersion.get_by_id(1).version
    on_another_connection(app, lambda: Setting.write("company_name", "Elsewhere Ltd"))
    after = StateVersion.get_by_id(1).version
    assert after != before  # PostgreSQL's upsert fires its INSERT and UPDATE triggers
    _new_job(app)
    assert Setting.read("company_name") == "Elsewhere Ltd"

    on_another_connection(
        app, lambda: Setting.delete().where(Setting.key == "company_name").execute()
    )
    assert StateVersion.get_by_id(1).version != after


def test_without_its_row_the_state_is_read_every_time(app, enable):
    enable("iap")
    _new_job(app)
    StateVersion.delete().execute()
    first = _new_job(app)
    assert _new_job(app) is not first  # read again: nothing tells it is unchanged
    assert "iap" in _new_job(app)
