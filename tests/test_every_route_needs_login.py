"""With every built-in addon enabled, no route answers an anonymous visitor
except the login page, static files, the health check and declared public
endpoints (signed webhooks among them), each with its own proof and a rate limit."""

import re

import pytest

from host.config import BUILTIN_ADDONS

# The host's own public pages: login has its own throttling, healthz reads nothing.
PUBLIC = {"host.login", "host.healthz"}


@pytest.fixture
def host_config(host_config):
    # Every built-in addon: one added to the list is checked without an edit here.
    host_config["HOST_BUILTIN_ADDONS"] = BUILTIN_ADDONS
    return host_config


def _enable_all(app):
    registry = app.extensions["host"]
    assert not [name for name, addon in registry.addons.items() if addon.error]
    for addon in registry.loaded():
        registry.enable(addon.name)
    registry.forget_cache()


def _url(rule) -> str:
    # Fill every URL argument with a plausible value: routes must refuse
    # anonymous visitors before they look anything up.
    url = re.sub(r"<any\(([^,)]+)[^>]*>", lambda m: m.group(1).strip(" '\""), rule.rule)
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "1", url)


def test_anonymous_visitors_reach_only_public_routes(app, client):
    _enable_all(app)
    webhooks, checked = [], 0
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if endpoint == "static" or endpoint.endswith(".static") or endpoint in PUBLIC:
            continue
        view = app.view_functions[endpoint]
        if getattr(view, "host_public", False):
            declared = getattr(view, "host_public_endpoint", None)
            # Public without a declared proof and limit: a page anyone may hammer.
            assert declared is not None, f"{endpoint} is public without public_endpoint()"
            assert declared.auth in ("token", "signature", "none"), endpoint
            assert declared.rate_limit.count > 0 and declared.rate_limit.seconds > 0, endpoint
            webhooks.append(endpoint)
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_url(rule), method=method, csrf=False)
            assert response.status_code in (302, 401), (endpoint, method, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], endpoint
            checked += 1
    assert checked > 40
    # The only other public routes are the signed webhooks: a new public
    # endpoint must be reviewed and added here.
    assert sorted(webhooks) == [
        "iap.stripe_webhook",
        "itsme_sign.identify_callback",
        "itsme_sign.identify_start",
        "itsme_sign.itsme_jwks",
        "itsme_sign.signer_decline",
        "itsme_sign.signer_page",
        "itsme_sign.signer_page_png",
        "itsme_sign.signer_sign",
        "itsme_sign.signer_signed_pdf",
        "lead_generation.track",
        "sms.twilio_inbound",
        "sms.twilio_status",
        "snailmail.pingen_event",
    ]


def test_webhooks_refuse_unsigned_requests(app, client):
    _enable_all(app)
    app.config.update(STRIPE_API_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    for url in (
        "/sms/webhooks/twilio/status",
        "/sms/webhooks/twilio/inbound",
        "/iap/webhooks/stripe",
        "/snailmail/webhooks/pingen",
    ):
        response = client.post(
            url, data={"MessageSid": "SM1", "MessageStatus": "delivered"}, csrf=False
        )
        assert response.status_code in (400, 403), (url, response.status_code)


HUGE = str(2**64)
FOREIGN_TOKEN = "a-token-of-another-session-0123456789"


def _routes(app):
    """(rule, endpoint, view, methods) of every route but static files."""
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if endpoint == "static" or endpoint.endswith(".static"):
            continue
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        yield rule, endpoint, app.view_functions[endpoint], methods


def test_users_get_403_on_every_admin_route(app, user_client):
    """Admin routes are the views wrapped in ``admin_required``; an ordinary
    user is refused on every method of each, before anything happens."""
    _enable_all(app)
    checked = set()
    for rule, endpoint, view, methods in _routes(app):
        if not getattr(view, "host_admin_only", False):
            continue
        for method in methods:
            response = user_client.open(_url(rule), method=method)
            assert response.status_code == 403, (endpoint, method, response.status_code)
        checked.add(endpoint)
    assert {"host.apps", "host.users", "host.settings", "sms.prices"} <= checked


def test_every_route_of_an_app_checks_its_access_groups(app, user, user_client):
    """An addon that declares access groups: a user with no access gets 403 on
    every route of its blueprints (but its admin and public ones, checked
    above), before anything happens; a user with its lowest group gets 403
    on the routes that ask for more. A new addon's routes are covered
    without an edit here."""
    from host import access

    _enable_all(app)
    manifests = access.addon_groups()
    assert {"digitization", "sms", "snailmail", "partner_autocomplete", "iap"} <= set(manifests)
    owners = app.extensions["host"].blueprint_owner
    routes = [
        (rule, endpoint, view, methods)
        for rule, endpoint, view, methods in _routes(app)
        if owners.get(endpoint.split(".")[0]) in manifests
        and not getattr(view, "host_admin_only", False)
        and not getattr(view, "host_public", False)
    ]
    for name in manifests:
        access.set_group(user, name, "")
    for rule, endpoint, _view, methods in routes:
        for method in methods:
            response = user_client.open(_url(rule), method=method)
            assert response.status_code == 403, (endpoint, method, response.status_code)
    higher = 0
    for name, manifest in manifests.items():
        access.set_group(user, name, manifest.groups[0].key)
    for rule, endpoint, view, methods in routes:
        group = access.required_group(view, owners[endpoint.split(".")[0]])
        lowest = manifests[group.split(".")[0]].groups[0].key
        if group.split(".")[1] == lowest:
            continue
        for method in methods:
            response = user_client.open(_url(rule), method=method)
            assert response.status_code == 403, (endpoint, method, response.status_code)
        higher += 1
    assert len(routes) > 30 and higher >= 5


def test_every_state_changing_method_needs_the_sessions_csrf_token(app, admin_client):
    _enable_all(app)
    checked = 0
    for rule, endpoint, view, methods in _routes(app):
        if getattr(view, "host_csrf_exempt", False):
            assert getattr(view, "host_public_endpoint", None) is not None, endpoint
            continue
        for method in methods:
            if method not in ("POST", "PUT", "PATCH", "DELETE"):
                continue
            for token in (None, FOREIGN_TOKEN):
                headers = {"X-CSRF-Token": token} if token else {}
                response = admin_client.open(_url(rule), method=method, csrf=False, headers=headers)
                assert response.status_code == 400, (endpoint, method, token)
            checked += 1
    assert checked > 20


def test_huge_integers_in_paths_and_queries_give_no_500(app, admin_client):
    """A number no 64-bit column holds, wherever an id or a page is read."""
    _enable_all(app)
    query = {name: HUGE for name in ("page", "batch", "id", "ids", "contact_id", "document")}
    checked = 0
    for rule, endpoint, view, methods in _routes(app):
        if "GET" not in methods or getattr(view, "host_public", False):
            continue
        url = re.sub(r"<any\(([^,)]+)[^>]*>", lambda m: m.group(1).strip(" '\""), rule.rule)
        url = re.sub(r"<int:[^<>]+>", HUGE, url)
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "1", url)
        response = admin_client.get(url, query_string=query)
        assert response.status_code < 500, (endpoint, url, response.status_code)
        checked += 1
    assert checked > 30
