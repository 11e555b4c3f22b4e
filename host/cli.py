"""The ``iap-host`` command line."""

from __future__ import annotations

import logging
import os
import sys

import click
import peewee

from host.app import create_app
from host.configuration import ConfigError
from host.db import DatabaseURLError, redact_url
from host.manifest import AddonError


def _app():
    """The app built by :func:`main`; commands run inside its context."""
    obj = click.get_current_context().find_root().obj
    if obj.get("app") is None:
        try:
            obj["app"] = _build()
        except StartupError as exc:
            raise click.ClickException(str(exc)) from None
    return obj["app"]


class StartupError(Exception):
    """The app cannot start; the message says why in one line."""


def _build():
    try:
        return create_app()
    except (DatabaseURLError, ConfigError) as exc:
        raise StartupError(str(exc)) from None
    except peewee.OperationalError as exc:
        url = redact_url(os.environ.get("DATABASE_URL", "the configured database"))
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StartupError(f"cannot open the database {url}: {reason}") from None


@click.group()
@click.pass_context
def cli(ctx):
    """IAP Host: run the app, manage addons, users and the job worker."""
    ctx.ensure_object(dict)


@cli.group()
def addons():
    """List, enable and disable addons."""


@addons.command("list")
def addons_list():
    app = _app()
    registry = app.extensions["host"]
    with app.app_context():
        enabled = registry.enabled_names()
        for name, addon in sorted(registry.addons.items()):
            if addon.core:
                continue
            state = "failed" if addon.error else ("enabled" if name in enabled else "disabled")
            version = addon.manifest.version if addon.manifest else "-"
            line = f"{name:24} {version:8} {state:9}"
            if addon.error:
                line += f"  ({addon.error})"
            else:
                line += "  hooks: " + (", ".join(registry.hooks_of(name)) or "none")
            click.echo(line)


@addons.command("enable")
@click.argument("name")
def addons_enable(name):
    app = _app()
    with app.app_context():
        try:
            newly = app.extensions["host"].enable(name)
        except AddonError as exc:
            raise click.ClickException(str(exc)) from None
    deps = [n for n in newly if n != name]
    if not newly:
        click.echo(f"{name} was already enabled")
    elif deps:
        click.echo(f"enabled: {name}, and {', '.join(deps)}, which it depends on")
    else:
        click.echo(f"enabled: {name}")


@addons.command("disable")
@click.argument("name")
def addons_disable(name):
    app = _app()
    with app.app_context():
        try:
            app.extensions["host"].disable(name)
        except AddonError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"disabled: {name}")


@cli.command("create-user")
@click.option("--email", required=True, help="The login; must be unused.")
@click.option("--name", default="Administrator", show_default=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 8 characters, as on the Users page; asked for (hidden) when not given.",
)
@click.option("--admin/--no-admin", default=True, help="An administrator (the default) or not.")
def create_user(email, name, password, admin):
    """Create a user (an administrator by default), with the Users page's rules."""
    from peewee import fn
    from werkzeug.datastructures import MultiDict

    from host.forms import UserForm
    from host.models import User

    form = UserForm(MultiDict({"email": email, "name": name, "password": password}))
    if not form.validate():
        problems = [
            f"{form[field].label.text}: {e}" for field, errs in form.errors.items() for e in errs
        ]
        raise click.ClickException("; ".join(problems))
    email = form.email.data.strip().lower()
    app = _app()
    with app.app_context():
        if User.select().where(fn.LOWER(User.email) == email).exists():
            raise click.ClickException(f"a user {email} exists already")
        user = User(email=email, name=form.name.data.strip(), is_admin=admin)
        user.set_password(password)
        user.save()
    click.echo(f"created {email}")


@cli.command()
def demo():
    """Load demo data: an admin, contacts of several countries, every addon enabled."""
    from host import demo as demo_data

    app = _app()
    with app.app_context():
        for line in demo_data.load(app):
            click.echo(line)


@cli.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def serve(host, port):
    """Serve the app with Flask's threaded server (use gunicorn in production)."""
    app = _app()
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@cli.command()
@click.option("--workers", default=2, type=int)
def worker(workers):
    """Run the background job worker (huey consumer)."""
    app = _app()
    click.echo(f"worker: {workers} threads on {type(app.extensions['host_jobs'].huey).__name__}")
    app.extensions["host_jobs"].run_worker(workers=workers)


def main(argv=None):
    # Addon commands need the addons, so the app is built before parsing,
    # for --help too (it lists them).
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        # The server's console shows the start-up line naming the database,
        # queue, mail and providers in use, beside werkzeug's request log.
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if os.environ.get("HOST_SKIP_ADDON_CLI") == "1":
        return cli.main(args=argv, obj={}, standalone_mode=True)
    try:
        app = _build()
    except StartupError as exc:
        if argv and argv[0] not in ("--help", "-h"):
            click.echo(f"Error: {exc}", err=True)
            return 1
        click.echo(f"(addon commands not listed: {exc})", err=True)
        return cli.main(args=argv, obj={}, standalone_mode=True)
    app.extensions["host"].hooks.register_commands(cli=cli)
    with app.app_context():
        return cli.main(args=argv, obj={"app": app}, standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
