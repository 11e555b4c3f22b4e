"""The application factory."""

from __future__ import annotations

import logging
import os

from flask import Config, Flask, appcontext_pushed, current_app, render_template, request

from host import bounded_input, security, state_version
from host import config as host_config
from host import db as host_db
from host.configuration import Config as Contract
from host.configuration import ConfigKey, resolve
from host.jobs import JobQueue
from host.mail import init_mail
from host.migrations import AddonSchema
from host.models import HOST_MODELS, Setting
from host.plugins import AddonRegistry
from host.private_files import private_dir
from host.state_version import StateVersion

log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Build an app: defaults, config file, environment, then ``config``.

    Steps: load addons, bind the database and bring its schema up to date,
    register blueprints, let addons initialise, start the job queue.
    """
    instance = (config or {}).get("HOST_INSTANCE_PATH") or os.environ.get("HOST_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance, instance_relative_config=True)
    bounded_input.install(app)
    # Databases, job queue and keys live here: 0700, before anything is written.
    private_dir(app.instance_path)
    app.config.from_mapping(host_config.defaults(app.instance_path))
    files = Config(app.instance_path)  # what the config files say, apart
    files.from_pyfile("config.py", silent=True)
    if os.environ.get("HOST_CONFIG"):
        files.from_pyfile(os.environ["HOST_CONFIG"])
    app.config.update(files)
    app.config.update(config or {})
    read_config(app, host_config.contract(app.instance_path), files, config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = host_config.persistent_secret_key(app.instance_path)
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        # A site served over https never sends its session cookie over http.
        base = str(app.config.get("HOST_BASE_URL") or "")
        app.config["SESSION_COOKIE_SECURE"] = base.lower().startswith("https://")

    # The cookie expires with the session's absolute lifetime, and is not
    # re-sent with a new expiry on every response.
    app.config["PERMANENT_SESSION_LIFETIME"] = int(app.config["HOST_SESSION_LIFETIME"])
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    if app.config.get("HOST_PROXIES"):
        # Behind N reverse proxies: trust their X-Forwarded-* headers, so
        # remote_addr (login throttling) and URLs are the client's.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["HOST_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    init_database(app)
    registry = init_addons(app)
    for addon in registry.loaded():
        if addon.manifest.config is not None:
            read_config(app, addon.manifest.config, files, config or {})
    init_blueprints(app, registry)
    init_requests(app)
    init_mail(app)
    for addon in registry.loaded():
        for chatter_model in addon.manifest.chatter:
            chatter_model.register()
    registry.hooks.init_app(app=app)
    app.extensions["host_jobs"] = JobQueue(app)
    with app.app_context():
        registry.upgrade_enabled()
        log_active_parts(app, registry)
    return app


def read_config(app: Flask, contract: Contract, files: dict, given: dict) -> None:
    """Set ``contract``'s keys: given over environment over files over defaults;
    a bad value raises :class:`host.ConfigError` naming the key."""
    app.config.update(resolve(contract, files=files, environ=os.environ, given=given))


def log_active_parts(app: Flask, registry: AddonRegistry) -> None:
    """Say which database, job queue, mail transport and providers are in use."""
    config = app.config
    mail = (
        f"SMTP {config['MAIL_SERVER']}:{config['MAIL_PORT']}"
        if config.get("MAIL_SERVER")
        else "kept on the Outbox page (no MAIL_SERVER)"
    )
    parts = [
        f"database {host_db.redact_url(config['DATABASE_URL'])}",
        f"job queue {app.extensions['host_jobs'].describe()}",
        f"mail {mail}",
    ]
    enabled = registry.enabled_names()
    for addon in registry.loaded():
        if addon.name not in enabled or addon.manifest.config is None:
            continue
        for key in addon.manifest.config.keys:
            if key.announce and not key.secret:
                parts.append(f"{key.name} {_effective(addon.name, addon.manifest.config, key)}")
    log.info("active: %s", "; ".join(parts))


def _effective(addon: str, contract: Contract, key: ConfigKey) -> object:
    value = current_app.config.get(key.name)
    if key.editable:
        saved = Setting.read(f"{addon}.{contract.field_name(key)}")
        if saved:
            return f"{saved} (set on the Settings page)"
    return value


def init_database(app: Flask) -> None:
    database = host_db.parse_database_url(app.config["DATABASE_URL"])
    app.extensions["host_db"] = database
    host_db.bind(database)

    def bind_on_push(sender, **_):
        host_db.bind(sender.extensions["host_db"])

    appcontext_pushed.connect(bind_on_push, app, weak=False)
    with database.connection_context():
        database.create_tables([AddonSchema, *HOST_MODELS, StateVersion], safe=True)
        state_version.install()


def close_database(app: Flask) -> None:
    """Close the app's connections, the pooled ones too: for scripts and tests
    that make many apps in one process."""
    database = app.extensions["host_db"]
    if not database.is_closed():
        database.close()
    database.close_all()


def init_addons(app: Flask) -> AddonRegistry:
    from host import core_addon

    trace = bool(app.config.get("IAP_HOST_TRACE_HOOKS"))
    registry = AddonRegistry(trace=trace)
    app.extensions["host"] = registry
    registry.load(
        core=core_addon,
        builtin=list(app.config["HOST_BUILTIN_ADDONS"]),
        extra=list(app.config["HOST_EXTRA_ADDONS"]),
        use_entry_points=bool(app.config["HOST_LOAD_ENTRY_POINTS"]),
    )
    return registry


def init_blueprints(app: Flask, registry: AddonRegistry) -> None:
    from host.views import blueprint as host_blueprint

    app.register_blueprint(host_blueprint)
    for name, blueprints in registry.hooks.register_blueprints():
        for bp in blueprints:
            prefix = bp.url_prefix if bp.url_prefix is not None else f"/{name}"
            app.register_blueprint(bp, url_prefix=prefix)
            registry.blueprint_owner[bp.name] = name


def init_requests(app: Flask) -> None:
    from host import templating

    templating.init_templating(app)

    @app.before_request
    def connect_and_gate():
        host_db.bind(app.extensions["host_db"])
        host_db.db.connect(reuse_if_open=True)
        owner = _owner(app)
        if owner is not None and not app.extensions["host"].is_enabled(owner):
            return render_template(
                "host/error.html", code=404, message="This app is not enabled."
            ), 404
        return security.check_request()

    # Closing gives the connection back to the pool (host.db), open for the next request.
    @app.teardown_appcontext
    def close_database(exc):
        database = app.extensions["host_db"]
        if not database.is_closed() and not database.in_transaction():
            database.close()

    for code in (400, 401, 403, 404, 405, 413):
        app.register_error_handler(code, _error_page)

    app.after_request(security.add_security_headers)


def _owner(app: Flask) -> str | None:
    blueprint = request.blueprint
    if not blueprint:
        return None
    return app.extensions["host"].blueprint_owner.get(blueprint.split(".")[0])


def _error_page(error):
    code = getattr(error, "code", 500)
    message = getattr(error, "description", "") or "Something went wrong."
    if request.headers.get("X-Requested-With") == "fetch" or (
        request.accept_mimetypes.best == "application/json"
    ):
        return {"error": message}, code
    return render_template("host/error.html", code=code, message=message), code
