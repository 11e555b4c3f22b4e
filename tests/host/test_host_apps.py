"""Enabling and disabling addons, what a disabled addon shows, migrations, the CLI."""

import traceback

import peewee
import pytest
from click.testing import CliRunner
from flask import Blueprint

from host import BaseModel, BulkAction, Button, Migration, SettingsBlock, db
from host.cli import cli
from host.db import DatabaseURLError, parse_database_url
from host.migrations import AddonSchema
from host.models import AddonState
from tests.host.addon_kit import close_app, flashes, kit_config, make_addon, rebuild


def _blueprint(name):
    bp = Blueprint(name, __name__)

    @bp.route("/")
    def index():
        return f"{name} home"

    @bp.route("/item/<int:item_id>")
    def item(item_id):
        return f"{name} item {item_id}"

    return bp


def _gadget():
    """An addon that contributes to every part of the UI."""
    return make_addon(
        "gadget",
        buttons=["ring"],
        record_header_buttons=lambda model, record: [
            Button(id="gadget-header", label="Gadgetize", url="/gadget/")
        ],
        list_bulk_actions=lambda model: [
            BulkAction(id="gadget-bulk", label="Gadget all", url="/gadget/")
        ],
        settings_blocks=lambda: [
            SettingsBlock(
                id="gadget-block",
                section="Gadget",
                title="Gadget options",
                render=lambda: "<p>gadget settings</p>",
            )
        ],
        register_blueprints=lambda: [_blueprint("gadget")],
    )


@pytest.fixture
def enabled_calls():
    return []


@pytest.fixture
def init_calls():
    return []


@pytest.fixture
def host_config(enabled_calls, init_calls):
    def init_app_of(name):
        def init_app(app):
            # Every blueprint is registered before any addon initialises.
            init_calls.append((name, "gadget" in app.blueprints))
            app.config.setdefault(f"{name.upper()}_COLOR", "blue")

        return init_app

    return kit_config(
        make_addon("top", depends=("middle",), init_app=init_app_of("top")),
        make_addon("middle", depends=("bottom",), init_app=init_app_of("middle")),
        # Enabled first, so it sees every addon enabled after it too.
        make_addon(
            "bottom",
            addon_enabled=lambda name: enabled_calls.append(name),
            init_app=init_app_of("bottom"),
        ),
        _gadget(),
    )


@pytest.fixture
def rebuilt(app):
    """``rebuilt(*addons)`` builds the app again on the same database."""
    apps = []

    def build(*addons, **config):
        apps.append(rebuild(app, *addons, **config))
        return apps[-1]

    yield build
    for built in apps:
        close_app(built)


def _enabled(app) -> set[str]:
    registry = app.extensions["host"]
    registry.forget_cache()
    return set(registry.enabled_names()) - {"base"}


# -- enabling and disabling ------------------------------------------------


def test_init_app_runs_once_per_app_in_load_order(app, init_calls, rebuilt):
    # Listed top first, initialised dependencies first; none of them is enabled.
    assert init_calls == [("bottom", True), ("middle", True), ("top", True)]
    assert app.config["TOP_COLOR"] == "blue"
    assert _enabled(app) == set()
    rebuilt(*app.config["HOST_EXTRA_ADDONS"])
    assert [name for name, _ in init_calls] == ["bottom", "middle", "top"] * 2


def test_enable_enables_dependencies_first(app, admin_client, enabled_calls):
    response = admin_client.post("/apps/top/enable")
    assert response.status_code == 302
    assert _enabled(app) == {"bottom", "middle", "top"}
    # addon_enabled is called for each addon, dependencies first.
    assert enabled_calls == ["bottom", "middle", "top"]
    page = admin_client.get("/apps").get_data(as_text=True)
    assert flashes(page) == ["Enabled Top, and Bottom and Middle, which it depends on."]
    # Enabling again changes nothing and calls nothing.
    admin_client.post("/apps/top/enable")
    assert enabled_calls == ["bottom", "middle", "top"]


def test_disabling_a_dependency_of_an_enabled_addon_is_refused(app, admin_client, enable):
    enable("top")
    response = admin_client.post("/apps/middle/disable")
    assert response.status_code == 303
    assert _enabled(app) == {"bottom", "middle", "top"}
    [message] = flashes(admin_client.get("/apps").get_data(as_text=True))
    assert "cannot disable 'middle'" in message and "top" in message
    assert "Disable them first." in message
    # Disabled from the top down, it works.
    for name in ("top", "middle", "bottom"):
        assert admin_client.post(f"/apps/{name}/disable").status_code == 302
    assert _enabled(app) == set()


def test_unknown_addon_gets_a_clear_message(app, admin_client):
    for action in ("enable", "disable"):
        response = admin_client.post(f"/apps/nope/{action}")
        assert response.status_code == 303
        [message] = flashes(admin_client.get("/apps").get_data(as_text=True))
        assert message.startswith("unknown addon 'nope'; known addons:")
        assert "gadget" in message
    assert AddonState.select().count() == 0


def test_the_host_itself_cannot_be_disabled(app, admin_client):
    admin_client.post("/apps/base/disable")
    [message] = flashes(admin_client.get("/apps").get_data(as_text=True))
    assert message == "Base is part of the host and cannot be disabled"
    assert app.extensions["host"].is_enabled("base")


def test_unknown_action_is_404(admin_client):
    assert admin_client.post("/apps/gadget/explode").status_code == 404


def _gadget_traces(client, contact) -> dict[str, bool]:
    home = client.get("/").get_data(as_text=True)
    form = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    contacts = client.get("/contacts").get_data(as_text=True)
    settings = client.get("/settings").get_data(as_text=True)
    return {
        "menu": 'data-app="menu-gadget"' in home,
        "field button": 'data-action="ring"' in form,
        "header button": 'data-action="gadget-header"' in form,
        "bulk action": 'data-action="gadget-bulk"' in contacts,
        "settings": 'data-block="gadget-block"' in settings,
        "page": client.get("/gadget/").status_code == 200,
        "page with argument": client.get("/gadget/item/3").status_code == 200,
    }


def test_a_disabled_addon_contributes_nothing(app, admin_client, contact):
    assert not any(_gadget_traces(admin_client, contact).values())
    assert admin_client.get("/gadget/").status_code == 404
    admin_client.post("/apps/gadget/enable")
    assert all(_gadget_traces(admin_client, contact).values())
    assert admin_client.get("/gadget/item/3").get_data(as_text=True) == "gadget item 3"
    admin_client.post("/apps/gadget/disable")
    assert not any(_gadget_traces(admin_client, contact).values())
    assert admin_client.get("/gadget/item/3").status_code == 404


# -- migrations ------------------------------------------------------------


class Widget(BaseModel):
    """The table as version 2 of the addon describes it."""

    name = peewee.CharField(default="")

    class Meta:
        table_name = "mig_widget"


class WidgetV3(BaseModel):
    """The same table once migration 3 added a column."""

    name = peewee.CharField(default="")
    size = peewee.IntegerField(default=0)

    class Meta:
        table_name = "mig_widget"


def _mig_addon(calls, versions, model):
    def up_2(migrator, database):
        calls.append(2)

    def up_3(migrator, database):
        calls.append(3)
        migrator.add_column("mig_widget", "size", peewee.IntegerField(default=0)).run()

    steps = {2: Migration(2, "first release", up_2), 3: Migration(3, "add size", up_3)}
    return make_addon(
        "mig",
        register_models=lambda: [model],
        register_migrations=lambda: [steps[v] for v in versions],
    )


def _schema_version(name):
    return AddonSchema.get(AddonSchema.addon == name).version


def test_migrations_run_once_after_an_upgrade(app, rebuilt):
    calls = []
    first = rebuilt(_mig_addon(calls, [2], Widget))
    with first.app_context():
        first.extensions["host"].enable("mig")
        # A first install creates the tables from the models: no migration runs.
        assert calls == []
        assert _schema_version("mig") == 2
        Widget.create(name="kept")

    # A new release of the addon adds migration 3; the next start applies it.
    second = rebuilt(_mig_addon(calls, [2, 3], WidgetV3))
    assert calls == [3]
    with second.app_context():
        assert _schema_version("mig") == 3
        row = WidgetV3.get(WidgetV3.name == "kept")
        assert row.size == 0
        WidgetV3.create(name="big", size=7)

    third = rebuilt(_mig_addon(calls, [2, 3], WidgetV3))
    assert calls == [3]
    with third.app_context():
        assert sorted((w.name, w.size) for w in WidgetV3.select()) == [("big", 7), ("kept", 0)]
        third.extensions["host"].disable("mig")
        third.extensions["host"].enable("mig")
    assert calls == [3]


def test_migrations_of_a_disabled_addon_wait_until_it_is_enabled(app, rebuilt):
    calls = []
    first = rebuilt(_mig_addon(calls, [2], Widget))
    with first.app_context():
        first.extensions["host"].enable("mig")
        first.extensions["host"].disable("mig")
    second = rebuilt(_mig_addon(calls, [2, 3], WidgetV3))
    assert calls == []
    with second.app_context():
        second.extensions["host"].enable("mig")
        assert calls == [3]
        assert _schema_version("mig") == 3


def test_a_failing_migration_leaves_the_version_for_a_retry(app, rebuilt):
    calls = []
    first = rebuilt(_mig_addon(calls, [2], Widget))
    with first.app_context():
        first.extensions["host"].enable("mig")

    def broken(migrator, database):
        calls.append("broken")
        raise RuntimeError("disk full")

    addon = make_addon(
        "mig",
        register_models=lambda: [Widget],
        register_migrations=lambda: [
            Migration(2, "first", lambda m, d: None),
            Migration(3, "broken", broken),
        ],
    )
    with pytest.raises(RuntimeError, match="disk full"):
        rebuilt(addon)
    with first.app_context():
        assert _schema_version("mig") == 2
    rebuilt(_mig_addon(calls, [2, 3], WidgetV3))
    assert calls == ["broken", 3]


def test_duplicate_migration_versions_are_refused(app):
    from host.migrations import check_migrations

    with pytest.raises(ValueError, match="same migration version twice"):
        check_migrations("mig", [Migration(2, "a", print), Migration(2, "b", print)])


# -- command line ----------------------------------------------------------


def _run(app, *args):
    return CliRunner().invoke(cli, list(args), obj={"app": app})


def test_cli_lists_addons_with_version_and_state(app, enable):
    enable("bottom")
    result = _run(app, "addons", "list")
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()}
    assert set(lines) == {"bottom", "gadget", "middle", "top"}
    assert lines["bottom"][1:3] == ["1.0", "enabled"]
    assert lines["top"][1:3] == ["1.0", "disabled"]


def test_cli_enables_and_disables(app):
    result = _run(app, "addons", "enable", "top")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "enabled: top, and bottom, middle, which it depends on"
    assert _enabled(app) == {"bottom", "middle", "top"}
    assert _run(app, "addons", "enable", "top").output.strip() == "top was already enabled"

    refused = _run(app, "addons", "disable", "bottom")
    assert refused.exit_code != 0
    assert "cannot disable 'bottom'" in refused.output and "middle" in refused.output

    result = _run(app, "addons", "disable", "top")
    assert result.exit_code == 0 and result.output.strip() == "disabled: top"
    assert _enabled(app) == {"bottom", "middle"}


def test_cli_unknown_addon_fails_clearly(app):
    for action in ("enable", "disable"):
        result = _run(app, "addons", action, "nope")
        assert result.exit_code == 1
        assert "Error: unknown addon 'nope'; known addons:" in result.output
    assert AddonState.select().count() == 0


def test_cli_create_user_stores_a_hash(app):
    from host import User

    result = _run(app, "create-user", "--email", "Root@Example.com", "--password", "pw-12345678")
    assert result.exit_code == 0, result.output
    user = User.get(User.email == "root@example.com")
    assert user.is_admin and user.check_password("pw-12345678")
    assert "pw-12345678" not in user.password_hash
    again = _run(app, "create-user", "--email", "root@example.com", "--password", "pw-87654321")
    assert again.exit_code == 1 and "exists already" in again.output


@pytest.mark.parametrize(
    "email, password, message",
    [
        ("new@example.com", "short", "Password: Field must be between 8 and 1024"),
        ("not-an-email", "pw-12345678", "Email: Enter a valid email."),
    ],
)
def test_cli_create_user_applies_the_users_page_rules(app, email, password, message):
    from host import User

    result = _run(app, "create-user", "--email", email, "--password", password)
    assert result.exit_code == 1 and message in result.output
    assert User.select().count() == 0


def test_cli_help_lists_every_command_group(app, monkeypatch, capsys):
    from host.cli import main

    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("HOST_INSTANCE_PATH", app.instance_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    listed = capsys.readouterr().out
    for group in ("addons", "credits", "create-user", "demo", "serve", "worker"):
        assert f"  {group} " in listed, f"iap-host --help does not list {group}"


def test_cli_names_a_missing_database_in_one_line(monkeypatch, capsys, tmp_path):
    from host.cli import main
    from host.testing import backend

    if backend() != "postgresql":
        pytest.skip("a missing database is a PostgreSQL case (SQLite creates its file)")
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/iap_no_such_db")
    monkeypatch.setenv("HOST_INSTANCE_PATH", str(tmp_path))
    assert main(["addons", "list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: cannot open the database postgresql://postgres@127.0.0.1")
    assert "iap_no_such_db" in err and "Traceback" not in err and len(err.splitlines()) == 1


@pytest.fixture
def cli_addon_module(tmp_path, monkeypatch):
    """An importable addon that adds an ``iap-host hello`` command."""
    (tmp_path / "hello_cli_addon.py").write_text(
        "import click\n"
        "from host import Contact, Manifest, hookimpl\n\n"
        "manifest = Manifest(name='hello', title='Hello')\n\n\n"
        "@hookimpl\n"
        "def register_commands(cli):\n"
        "    @cli.command('hello')\n"
        "    def hello():\n"
        "        click.echo(f'hello, {Contact.select().count()} contacts')\n"
    )
    config = tmp_path / "host_config.py"
    config.write_text("HOST_BUILTIN_ADDONS = ()\nHOST_EXTRA_ADDONS = ['hello_cli_addon']\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("HOST_CONFIG", str(config))
    yield
    cli.commands.pop("hello", None)


def test_addon_commands_join_the_command_line(app, contact, cli_addon_module, monkeypatch, capsys):
    from host.cli import main

    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("HOST_JOBS_IMMEDIATE", "1")
    with pytest.raises(SystemExit) as exit_info:
        main(["hello"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == "hello, 1 contacts"


def test_cli_reports_a_bad_database_url_without_the_password(monkeypatch, capsys):
    from host.cli import main

    monkeypatch.setenv("DATABASE_URL", "postgresql://u:secret@h:notaport/db")
    assert main(["addons", "list"]) == 1
    err = capsys.readouterr().err
    assert "malformed DATABASE_URL" in err and "secret" not in err


# -- database URLs ---------------------------------------------------------


@pytest.mark.parametrize(
    "url, message",
    [
        ("mysql://x", "unsupported DATABASE_URL 'mysql://x'"),
        ("mysql://u:secret@h/db", "unsupported DATABASE_URL 'mysql://u:***@h/db'"),
        ("sqlite://host/x", "a SQLite URL has three slashes"),
        ("sqlite:///", "must name a SQLite file"),
        ("sqlite:///:memory:", "in-memory database is lost"),
        ("postgresql://h/", "no database name after the host"),
        ("", "DATABASE_URL is empty"),
        ("postgresql://u:secret@h:notaport/db", "malformed DATABASE_URL 'postgresql://u:***@h"),
        ("postgresql://u:secret@h/", "'postgresql://u:***@h/': no database name"),
    ],
)
def test_malformed_database_url_is_explained_without_the_password(url, message):
    with pytest.raises(DatabaseURLError) as error:
        parse_database_url(url)
    assert message in str(error.value)
    # Neither the message nor a chained exception in the traceback shows the password.
    assert "secret" not in "".join(traceback.format_exception(error.value))


def test_good_database_urls(tmp_path):
    sqlite = parse_database_url(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    assert isinstance(sqlite, peewee.SqliteDatabase)
    assert (tmp_path / "sub").is_dir()
    pg = parse_database_url("postgresql://u:p%40ss@db.example:6543/iap?schema=t1")
    assert isinstance(pg, peewee.PostgresqlDatabase)
    assert pg.database == "iap"
    assert pg.connect_params["password"] == "p@ss" and pg.connect_params["port"] == 6543
    assert pg.connect_params["options"] == "-c search_path=t1"
    assert db.obj is not pg


def test_addon_whose_tables_cannot_be_created_is_not_enabled(app, admin):
    from tests.host.addon_kit import client_as, close_app, make_addon, rebuild

    def broken_models():
        raise RuntimeError("no such tablespace")

    other = rebuild(app, make_addon("shaky", register_models=broken_models))
    try:
        with other.app_context():
            client = client_as(other, admin)
            page = client.post("/apps/shaky/enable", follow_redirects=True).get_data(as_text=True)
            assert "could not be enabled" in page and "no such tablespace" in page
            assert not other.extensions["host"].is_enabled("shaky")
    finally:
        close_app(other)


def test_apps_page_and_cli_name_the_hooks_each_addon_implements(app, admin):
    from click.testing import CliRunner

    from host.cli import cli
    from tests.host.addon_kit import client_as, close_app, make_addon, rebuild

    other = rebuild(app, make_addon("hooky", buttons=["b"]))
    try:
        with other.app_context():
            page = client_as(other, admin).get("/apps").get_data(as_text=True)
            assert "Hooks: menu_items, record_field_buttons" in page
            result = CliRunner().invoke(cli, ["addons", "list"], obj={"app": other})
            assert "hooks: menu_items, record_field_buttons" in result.output
    finally:
        close_app(other)


def test_trace_logs_every_hook_call(app, caplog):
    import logging

    from tests.host.addon_kit import close_app, make_addon, rebuild

    other = rebuild(app, make_addon("traced", buttons=["b"]), IAP_HOST_TRACE_HOOKS=True)
    try:
        with other.app_context(), caplog.at_level(logging.INFO, logger="host.plugins"):
            other.extensions["host"].enable("traced")
            other.extensions["host"].hooks.record_field_buttons(model="contact", record=None)
        assert "hook record_field_buttons -> traced" in caplog.text
    finally:
        close_app(other)


def test_a_popup_opened_directly_is_served_inside_the_page(app, user_client):
    from flask import Blueprint

    popup = Blueprint("popup_test", __name__)

    @popup.route("/popup-test")
    def fragment():
        return '<header><h2 id="host-dialog-title">Hello</h2></header><p>Body</p>'

    app.register_blueprint(popup)
    direct = user_client.get("/popup-test").get_data(as_text=True)
    assert "<!doctype html>" in direct and "data-dialog-page" in direct
    assert '<h2 id="host-dialog-title">Hello</h2>' in direct and "host.css" in direct
    fetched = user_client.get("/popup-test", headers={"X-Requested-With": "fetch"})
    assert fetched.get_data(as_text=True).startswith("<header>")
