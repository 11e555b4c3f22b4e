"""Discovery, load order, isolation and the UI hooks' rules."""

import sys
import textwrap

import pytest

from host import Manifest, create_app
from host.manifest import AddonError, load_order
from tests.host.addon_kit import Note, blueprint_for, make_addon


@pytest.fixture
def extra(host_config):
    """Add test addons to the app built by the ``app`` fixture."""
    addons = []
    host_config["HOST_EXTRA_ADDONS"] = addons
    host_config["HOST_BUILTIN_ADDONS"] = ()
    return addons


def test_load_order_follows_depends_not_registration():
    manifests = {
        "cc": Manifest(name="cc", title="C", depends=("bb",)),
        "bb": Manifest(name="bb", title="B", depends=("aa",)),
        "aa": Manifest(name="aa", title="A"),
    }
    assert load_order(manifests).order == ["aa", "bb", "cc"]


def test_cycle_and_missing_dependency_are_named():
    result = load_order(
        {
            "xx": Manifest(name="xx", title="X", depends=("yy",)),
            "yy": Manifest(name="yy", title="Y", depends=("xx",)),
            "zz": Manifest(name="zz", title="Z", depends=("nope",)),
            "ok": Manifest(name="ok", title="OK"),
        }
    )
    assert result.order == ["ok"]
    assert "dependency cycle" in result.errors["xx"] and "xx -> yy -> xx" in result.errors["xx"]
    assert result.errors["zz"] == "addon 'zz' depends on 'nope', which is not installed"


def test_bad_manifest_name_is_refused():
    with pytest.raises(AddonError, match="invalid addon name"):
        Manifest(name="Bad Name!", title="x")


@pytest.fixture
def broken_app(database_url, tmp_path):
    cyc_a = make_addon("cyc_a", depends=("cyc_b",))
    cyc_b = make_addon("cyc_b", depends=("cyc_a",))
    orphan = make_addon("orphan", depends=("ghost",))
    dup1 = make_addon("twin")
    dup2 = make_addon("twin")

    class Misspelled:
        manifest = Manifest(name="misspelled", title="Misspelled")

    from host import hookimpl

    Misspelled.record_feild_buttons = staticmethod(hookimpl(lambda model, record: []))
    good = make_addon("good", buttons=["call"])
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "DATABASE_URL": database_url,
            "HOST_JOBS_IMMEDIATE": True,
            "HOST_LOAD_ENTRY_POINTS": False,
            "HOST_BUILTIN_ADDONS": ("tests_no_such_module.plugin",),
            "HOST_EXTRA_ADDONS": [cyc_a, cyc_b, orphan, dup1, dup2, Misspelled(), good],
        }
    )
    yield app
    app.extensions["host_db"].close()


def test_failures_are_recorded_with_clear_messages(broken_app):
    addons = broken_app.extensions["host"].addons
    assert "No module named 'tests_no_such_module'" in addons["tests_no_such_module"].error
    assert "dependency cycle" in addons["cyc_a"].error
    assert addons["orphan"].error == "addon 'orphan' depends on 'ghost', which is not installed"
    duplicates = [a for n, a in addons.items() if n.startswith("twin@")]
    assert duplicates and "duplicate addon name 'twin'" in duplicates[0].error
    assert addons["twin"].error is None
    assert "unknown hook(s) record_feild_buttons" in addons["misspelled"].error
    assert addons["good"].loaded


def test_apps_page_lists_failed_addons_and_app_keeps_working(broken_app):
    from host.testing import log_in, make_user

    with broken_app.app_context():
        admin = make_user("boss@example.com", admin=True)
        client = log_in(broken_app.test_client(), admin)
        page = client.get("/apps").get_data(as_text=True)
    assert "failed to load" in page
    assert "unknown hook(s) record_feild_buttons" in page
    assert "depends on &#39;ghost&#39;" in page
    assert client.get("/contacts").status_code == 200


def test_exception_in_ui_hook_is_isolated(extra, app, admin_client, contact, enable):
    calls = []
    # Registered after the app was built: rebuild with the addons in place.
    extra.extend(
        [
            make_addon("broken", buttons=["x"], raises=True, calls=calls),
            make_addon("fine", buttons=["dial"], calls=calls),
        ]
    )
    app2 = create_app({**app.config, "HOST_EXTRA_ADDONS": extra})
    with app2.app_context():
        app2.extensions["host"].enable("broken")
        app2.extensions["host"].enable("fine")
        from host.testing import HostClient, log_in

        app2.test_client_class = HostClient
        client = log_in(app2.test_client(), admin_client_user(app2))
        page = client.get(f"/contacts/{contact.id}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert 'data-action="dial"' in html and 'data-action="x"' not in html
        assert sorted(calls) == ["broken", "fine"]
        apps = client.get("/apps").get_data(as_text=True)
        assert "broken is broken" in apps


def admin_client_user(app):
    from host.models import User

    return User.get(User.email == "admin@example.com")


def test_duplicate_ids_are_dropped_and_reported(extra, app, admin, contact):
    extra.extend([make_addon("one", buttons=["same"]), make_addon("two", buttons=["same"])])
    app2 = create_app({**app.config, "HOST_EXTRA_ADDONS": extra})
    with app2.app_context():
        reg = app2.extensions["host"]
        reg.enable("one")
        reg.enable("two")
        buttons = reg.hooks.record_field_buttons(model="contact", record=contact)
        assert [b.id for b in buttons] == ["same"]
        assert any("duplicate id 'same'" in e for e in reg.addons["two"].runtime_errors)


def test_calls_follow_dependency_order(extra, app):
    calls = []
    # "late" depends on "early" but is listed first.
    extra.extend(
        [
            make_addon("late", depends=("early",), buttons=[], calls=calls),
            make_addon("early", buttons=[], calls=calls),
        ]
    )
    app2 = create_app({**app.config, "HOST_EXTRA_ADDONS": extra})
    with app2.app_context():
        reg = app2.extensions["host"]
        assert reg.enable("late") == ["early", "late"]
        reg.hooks.record_field_buttons(model="contact", record=None)
    assert calls == ["early", "late"]


def test_two_apps_do_not_share_addons(app, tmp_path):
    one = create_app({**app.config, "HOST_EXTRA_ADDONS": [make_addon("solo", buttons=["a"])]})
    other = create_app({**app.config, "DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}"})
    assert other.extensions["host"].pm is not one.extensions["host"].pm
    assert "solo" in one.extensions["host"].addons
    assert "solo" not in other.extensions["host"].addons


def test_entry_point_addon_appears_without_host_changes(tmp_path, monkeypatch, app):
    """A pip-installed addon is found through the iap_host.addons entry point."""
    site = tmp_path / "site"
    package = site / "greeter_addon"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        textwrap.dedent("""
        from host import Manifest, MenuItem, hookimpl

        manifest = Manifest(name="greeter", title="Greeter", version="2.1",
                            summary="Says hello from an entry point.")

        @hookimpl
        def menu_items(user):
            return [MenuItem(id="greeter", label="Greeter", url="/greeter/")]
    """)
    )
    dist = site / "greeter_addon-2.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: greeter-addon\nVersion: 2.1\n")
    (dist / "entry_points.txt").write_text("[iap_host.addons]\ngreeter = greeter_addon\n")
    monkeypatch.syspath_prepend(str(site))
    try:
        app2 = create_app({**app.config, "HOST_LOAD_ENTRY_POINTS": True})
        addon = app2.extensions["host"].addons["greeter"]
        assert addon.loaded and addon.source == "entry point"
        assert addon.manifest.version == "2.1"
        off = create_app({**app.config, "HOST_LOAD_ENTRY_POINTS": False})
        assert "greeter" not in off.extensions["host"].addons
    finally:
        sys.modules.pop("greeter_addon", None)


def test_enable_creates_tables_and_disable_keeps_data(extra, app):
    extra.append(
        make_addon(
            "kit",
            register_models=lambda: [Note],
            register_blueprints=lambda: [blueprint_for("kit")],
        )
    )
    app2 = create_app({**app.config, "HOST_EXTRA_ADDONS": extra})
    from host.testing import HostClient, log_in, make_user

    app2.test_client_class = HostClient
    with app2.app_context():
        reg = app2.extensions["host"]
        admin = make_user("root@example.com", admin=True)
        client = log_in(app2.test_client(), admin)
        assert client.get("/kit/").status_code == 404
        assert not Note.table_exists()
        assert client.post("/apps/kit/enable").status_code == 302
        assert Note.table_exists()
        Note.create(text="kept")
        assert client.get("/kit/").get_data(as_text=True) == "kit home"
        assert "Kit App" in client.get("/").get_data(as_text=True)
        client.post("/apps/kit/disable")
        assert not reg.is_enabled("kit")
        assert client.get("/kit/").status_code == 404
        assert "Kit App" not in client.get("/").get_data(as_text=True)
        client.post("/apps/kit/enable")
        assert [n.text for n in Note.select()] == ["kept"]
