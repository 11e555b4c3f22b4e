"""Login, roles, CSRF, redirects, password storage, cookies and secrets."""

import importlib
from urllib.parse import parse_qs, urlsplit

import pytest

from host import Contact, Setting, User, local_path
from host.config import BUILTIN_ADDONS, contract
from host.testing import PASSWORD, make_user
from tests.host.addon_kit import blueprint_for, client_as, kit_config, make_addon

PUBLIC_ENDPOINTS = {"host.login", "host.healthz", "static", "host.static"}
# Every secret key the host and the built-in addons declare.
SECRET_KEYS = [
    key.name
    for config in (
        contract("instance"),
        *(importlib.import_module(spec).manifest.config for spec in BUILTIN_ADDONS),
    )
    if config
    for key in config.keys
    if key.secret
]
# Secrets set to values that cannot appear in a page by chance.
SECRETS = {key: f"sentinel-{key.lower()}-6f1c9e" for key in SECRET_KEYS}


@pytest.fixture
def host_config():
    kit = make_addon("kit", register_blueprints=lambda: [blueprint_for("kit")])
    return kit_config(kit, MAIL_SERVER="smtp.example.invalid", **SECRETS)


@pytest.fixture
def kit_enabled(enable):
    enable("kit")


def _get_paths(app) -> list[tuple[str, str]]:
    """(endpoint, path) of every GET route, with 1 for each URL argument."""
    adapter = app.url_map.bind("localhost")
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        values = {name: 1 for name in rule.arguments}
        paths.append((rule.endpoint, adapter.build(rule.endpoint, values, method="GET")))
    return paths


def _location_path(response) -> str:
    return urlsplit(response.headers["Location"]).path


def test_only_login_static_and_healthz_are_public(app):
    public = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "host_public", False) or endpoint.endswith("static")
    }
    assert public == PUBLIC_ENDPOINTS


def test_every_private_get_route_redirects_anonymous_to_login(app, client, kit_enabled):
    paths = _get_paths(app) + [
        ("host.contact", "/contacts/1"),
        ("host.chatter_thread", "/chatter/contact/1"),
    ]
    checked = 0
    for endpoint, path in paths:
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        response = client.get(path)
        assert response.status_code == 302, path
        assert _location_path(response) == "/login", path
        next_url = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
        assert next_url == path, path
        checked += 1
    # The host's pages, the addon's page and the routes with arguments were all tried.
    assert {"/", "/contacts", "/apps", "/kit/", "/attachments/1"} <= {p for _, p in paths}
    assert checked >= 10


def test_public_routes_answer_anonymous(client):
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/static/host/host.css").status_code == 200


def test_anonymous_json_request_gets_401_not_a_redirect(client):
    response = client.get("/contacts", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json() == {"error": "Log in first."}


def test_anonymous_post_is_sent_to_login_and_saves_nothing(app, client):
    client.get("/login")  # a session with a CSRF token, as a browser would have
    response = client.post("/contacts/new", data={"name": "Sneaky"})
    assert response.status_code == 302 and _location_path(response) == "/login"
    assert Contact.select().count() == 0


@pytest.mark.parametrize("path", ["/apps", "/settings", "/outbox", "/users"])
def test_admin_pages_are_forbidden_to_users(path, user_client, admin_client):
    assert user_client.get(path).status_code == 403
    assert admin_client.get(path).status_code == 200


def test_admin_actions_are_forbidden_to_users(app, user_client):
    registry = app.extensions["host"]
    assert user_client.post("/apps/kit/enable").status_code == 403
    assert not registry.is_enabled("kit")
    response = user_client.post(
        "/settings/company", data={"company_name": "Taken Over", "country": "FR"}
    )
    assert response.status_code == 403
    assert Setting.read("company_name") == ""
    response = user_client.post(
        "/users",
        data={
            "name": "Mallory",
            "email": "m@example.com",
            "password": "long enough pass",
            "is_admin": "y",
        },
    )
    assert response.status_code == 403
    assert not User.select().where(User.email == "m@example.com").exists()


def test_login_with_right_password_opens_a_session(app, client, admin):
    client.get("/login")
    response = client.post("/login", data={"email": "ADMIN@example.com", "password": PASSWORD})
    assert response.status_code == 302 and _location_path(response) == "/"
    assert client.get("/").status_code == 200


def _login_error_page(client, email, password):
    response = client.post("/login", data={"email": email, "password": password})
    return response.status_code, response.get_data(as_text=True)


def test_wrong_password_and_unknown_email_look_identical(app, client, admin):
    inactive = make_user("gone@example.com")
    inactive.active = False
    inactive.save()
    client.get("/login")
    attempts = {
        "wrong password": ("admin@example.com", "not the password"),
        "unknown email": ("nobody@example.com", "not the password"),
        "inactive user": ("gone@example.com", PASSWORD),
    }
    pages = {}
    for case, (email, password) in attempts.items():
        status, html = _login_error_page(client, email, password)
        assert status == 401, case
        assert '<p class="alert alert-error" role="alert">Wrong email or password.</p>' in html
        assert password not in html, case
        # Apart from the email typed in, the pages are the same byte for byte.
        pages[case] = html.replace(email, "EMAIL")
    assert len(set(pages.values())) == 1
    assert client.get("/").status_code == 302


def test_every_failed_login_checks_a_password_hash(monkeypatch, client, admin):
    """The answer takes as long for an unknown email as for a wrong password."""
    import host.models

    checks = []
    real = host.models.check_password_hash

    def counting(pwhash, password):
        checks.append(password)
        return real(pwhash, password)

    monkeypatch.setattr(host.models, "check_password_hash", counting)
    inactive = make_user("gone@example.com")
    inactive.active = False
    inactive.save()
    client.get("/login")
    for email in ("admin@example.com", "nobody@example.com", "gone@example.com"):
        before = len(checks)
        client.post("/login", data={"email": email, "password": "guess"})
        assert checks[before:] == ["guess"], email


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/login",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "evil.example",
    ],
)
def test_login_refuses_open_redirects(target, client, admin):
    client.get("/login")
    response = client.post(
        "/login", query_string={"next": target}, data={"email": admin.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_local_next(client, admin):
    client.get("/login")
    response = client.post(
        "/login",
        query_string={"next": "/contacts?q=bru"},
        data={"email": admin.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/contacts?q=bru"


@pytest.mark.parametrize(
    "target, kept",
    [
        ("/contacts/4?tab=2", "/contacts/4?tab=2"),
        ("http://localhost/sms/?page=2", "/sms/?page=2"),  # this very site, as a path
        ("http://localhost//evil.example", None),
        ("https://evil.example/", None),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("/a\\b", None),
        ("/x\r\nSet-Cookie: a=b", None),
        ("/\t/evil.example", None),
        ("/x\u2028y", None),
        ("contacts", None),
        ("", None),
        (None, None),
    ],
)
def test_local_path_keeps_only_pages_of_this_site(app, target, kept):
    with app.test_request_context("/", base_url="http://localhost"):
        assert local_path(target) == kept


def test_passwords_are_stored_hashed(app, admin_client):
    password = "Sup3r-secret passphrase"
    response = admin_client.post(
        "/users", data={"name": "Ann", "email": "Ann@Example.com", "password": password}
    )
    assert response.status_code == 302
    stored = User.get(User.email == "ann@example.com")
    assert password not in stored.password_hash
    assert stored.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert stored.check_password(password) and not stored.check_password(password.upper())
    assert password not in admin_client.get("/users").get_data(as_text=True)
    assert password not in repr(stored)


def test_password_is_not_echoed_on_a_failed_form(admin_client):
    password = "Echo-me-not passphrase"
    response = admin_client.post(
        "/users", data={"name": "Bob", "email": "not an email", "password": password}
    )
    assert response.status_code == 422
    assert password not in response.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite_lax(client, admin):
    client.get("/login")
    response = client.post("/login", data={"email": admin.email, "password": PASSWORD})
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1
    attributes = {
        part.strip().split("=")[0].lower(): part.strip() for part in cookies[0].split(";")[1:]
    }
    assert "httponly" in attributes
    assert attributes["samesite"] == "SameSite=Lax"
    assert "secure" not in attributes  # the test app's HOST_BASE_URL is http


@pytest.mark.parametrize(
    "base, override, secure",
    [
        ("https://iap.example.com", None, True),
        ("http://127.0.0.1:5000", None, False),
        ("https://iap.example.com", False, False),  # an explicit setting wins
    ],
)
def test_session_cookie_is_secure_when_the_site_is_https(app, base, override, secure):
    from host import create_app
    from tests.host.addon_kit import close_app

    config = {k: v for k, v in app.config.items() if k != "SESSION_COOKIE_SECURE"}
    config["HOST_BASE_URL"] = base
    if override is not None:
        config["SESSION_COOKIE_SECURE"] = override
    other = create_app(config)
    try:
        assert other.config["SESSION_COOKIE_SECURE"] is secure
    finally:
        close_app(other)


def test_login_renews_the_csrf_token(client, admin):
    client.get("/login")
    with client.session_transaction() as session:
        before = session["csrf"]
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert session["csrf"] != before


# -- CSRF ------------------------------------------------------------------

FORGED = {"csrf_token": "forged-token-0123456789"}


def test_post_without_or_with_forged_csrf_token_is_refused(app, user_client):
    form = {"name": "Forged Contact"}
    for extra in ({}, FORGED):
        response = user_client.post("/contacts/new", data={**form, **extra}, csrf=False)
        assert response.status_code == 400
        assert "invalid CSRF token" in response.get_data(as_text=True)
    response = user_client.post(
        "/contacts/new", data=form, csrf=False, headers={"X-CSRF-Token": FORGED["csrf_token"]}
    )
    assert response.status_code == 400
    assert Contact.select().count() == 0
    # The same form with the session's token goes through.
    assert user_client.post("/contacts/new", data=form).status_code == 302
    assert Contact.select().count() == 1


def test_forged_csrf_on_admin_forms_saves_nothing(app, admin_client):
    posts = [
        ("/settings/company", {"company_name": "Forged", "country": "FR"}),
        ("/users", {"name": "Eve", "email": "eve@example.com", "password": "long enough 1"}),
        ("/apps/kit/enable", {}),
    ]
    for path, form in posts:
        assert admin_client.post(path, data={**form, **FORGED}, csrf=False).status_code == 400
    assert Setting.read("company_name") == ""
    assert not User.select().where(User.email == "eve@example.com").exists()
    assert not app.extensions["host"].is_enabled("kit")


def test_token_of_another_session_is_refused(app, admin, user):
    victim = client_as(app, user)
    attacker = client_as(app, admin)
    with attacker.session_transaction() as session:
        attacker_token = session["csrf"]
    response = victim.post(
        "/contacts/new", data={"name": "X", "csrf_token": attacker_token}, csrf=False
    )
    assert response.status_code == 400
    assert Contact.select().count() == 0


def test_login_form_needs_its_csrf_token(client, admin):
    client.get("/login")
    form = {"email": admin.email, "password": PASSWORD}
    assert client.post("/login", data={**form, **FORGED}, csrf=False).status_code == 400
    assert client.post("/login", data=form, csrf=False).status_code == 400
    with client.session_transaction() as session:
        assert "user_id" not in session
    assert client.get("/").status_code == 302


def test_logout_needs_a_post(client, admin_client):
    assert admin_client.get("/logout").status_code == 405
    assert admin_client.get("/").status_code == 200
    assert admin_client.post("/logout").status_code == 302
    assert admin_client.get("/").status_code == 302


# -- what pages show -------------------------------------------------------


def test_secrets_never_appear_in_pages(app, client, admin_client, contact, kit_enabled):
    assert app.config["SECRET_KEY"] == SECRETS["SECRET_KEY"]
    pages = [
        admin_client.get(path)
        for path in (
            "/",
            "/apps",
            "/settings",
            "/outbox",
            "/users",
            "/contacts",
            "/contacts/new",
            f"/contacts/{contact.id}",
            f"/chatter/contact/{contact.id}",
            "/kit/",
            "/no-such-page",
        )
    ]
    pages.append(admin_client.post("/contacts/new", data=FORGED, csrf=False))
    pages.append(client.get("/login"))
    pages.append(client.post("/login", data={"email": "x@example.com", "password": "bad"}))
    assert {p.status_code for p in pages} >= {200, 400, 401, 404}
    for page in pages:
        html = page.get_data(as_text=True)
        for key, value in SECRETS.items():
            assert value not in html, (key, page.request.path)


def test_user_text_is_escaped(user_client, contact):
    script = "<script>alert(1)</script>"
    user_client.post(f"/contacts/{contact.id}", data={"name": script})
    user_client.post(f"/chatter/contact/{contact.id}", data={"body": script})
    for path in ("/contacts", f"/contacts/{contact.id}"):
        html = user_client.get(path).get_data(as_text=True)
        assert script not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_behind_a_proxy_the_client_address_counts(app, admin):
    from host.models import LoginFailure
    from host.testing import HostClient
    from tests.host.addon_kit import close_app, rebuild

    proxied = rebuild(app, HOST_PROXIES=1)
    try:
        proxied.test_client_class = HostClient
        with proxied.app_context():
            client = proxied.test_client()
            client.post(
                "/login",
                data={"email": admin.email, "password": "nope"},
                headers={"X-Forwarded-For": "203.0.113.7"},
            )
            assert [f.address for f in LoginFailure.select()] == ["203.0.113.7"]
    finally:
        close_app(proxied)


def test_public_endpoints_refuse_big_bodies_before_reading_them(app, client):
    """Issue 11 #12: an anonymous caller cannot make the app buffer 64 MiB."""
    from flask import Blueprint

    from host import public_endpoint

    hits = []
    bp = Blueprint("bigbody", __name__)

    @bp.route("/bigbody/hook", methods=["POST"])
    @public_endpoint(auth="signature", rate_limit="100/minute")
    def hook():
        hits.append(len(request_data()))
        return "ok"

    def request_data():
        from flask import request

        return request.get_data()

    app.register_blueprint(bp)
    limit = app.config["HOST_PUBLIC_MAX_BODY"]
    assert limit <= 1024 * 1024
    big = client.post("/bigbody/hook", data=b"x" * (limit + 1), csrf=False)
    assert big.status_code == 413 and hits == []
    assert client.post("/bigbody/hook", data=b"x" * 100, csrf=False).status_code == 200
    assert hits == [100]


def test_every_answer_carries_the_security_headers(client, admin_client):
    """Issue 11 #8, in part: framing, sniffing, referrers and caching."""
    for response in (client.get("/login"), admin_client.get("/"), admin_client.get("/nowhere")):
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
    assert admin_client.get("/contacts").headers["Cache-Control"] == "no-store"
    assert "no-store" not in (
        client.get("/static/host/host.css").headers.get("Cache-Control") or ""
    )


def test_a_nul_character_in_a_form_or_query_is_refused(admin_client):
    """PostgreSQL cannot store NUL in text: found by the forms fuzz test as
    500s; every field and query argument refuses it with a 400."""
    from host import Contact

    response = admin_client.post("/contacts/new", data={"name": "Jan\x00Peeters"})
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    assert not Contact.select().where(Contact.name.contains("Jan")).exists()
    assert admin_client.get("/contacts", query_string={"q": "a\x00b"}).status_code == 400
    assert admin_client.post("/contacts/new", data={"name": "Jan Peeters"}).status_code == 302
