"""Public endpoints: no login, the view's own proof (a token), a rate limit the
host enforces before the view runs, shared by every process."""

import pytest
from flask import Blueprint, abort

from host import BadToken, public, public_endpoint, read_token, sign_token, webhook
from host.public_endpoints import RateLimit, over_limit
from tests.host.addon_kit import close_app, kit_config, make_addon, rebuild

CALLS = []


def _blueprint():
    bp = Blueprint("kit", __name__)

    @bp.route("/sign/<token>")
    @public_endpoint(auth="token", rate_limit="3/minute", description="a signer's page")
    def sign_page(token):
        try:
            envelope = read_token("kit.sign", token, max_age=3600)
        except BadToken as exc:
            abort(404, description=str(exc))
        CALLS.append(envelope)
        return f"Envelope {envelope['id']} for {envelope['signer']}"

    @bp.route("/track", methods=["POST"])
    @public_endpoint(auth="token", rate_limit="100/minute")
    def track():
        return {"ok": True}

    @bp.route("/callback", methods=["POST"])
    @webhook
    def callback():
        return "", 204

    @bp.route("/undeclared")
    @public
    def undeclared():
        return "anyone"

    return bp


def _addon():
    return make_addon("kit", register_blueprints=lambda: [_blueprint()])


@pytest.fixture
def host_config():
    CALLS.clear()
    return kit_config(_addon())


def test_token_opens_the_page_without_login(app, client, enable):
    enable("kit")
    token = sign_token("kit.sign", {"id": 7, "signer": "Jan"})
    page = client.get(f"/kit/sign/{token}")
    assert page.status_code == 200
    assert page.get_data(as_text=True) == "Envelope 7 for Jan"


def test_altered_or_foreign_tokens_are_refused(app, client, enable):
    enable("kit")
    token = sign_token("kit.sign", {"id": 7, "signer": "Jan"})
    assert client.get(f"/kit/sign/{token[:-2]}xx").status_code == 404
    other = sign_token("kit.other", {"id": 7, "signer": "Jan"})
    assert "not valid" in client.get(f"/kit/sign/{other}").get_data(as_text=True)
    assert CALLS == []


def test_expired_token_says_so(app):
    token = sign_token("kit.sign", 1)
    with pytest.raises(BadToken, match="expired"):
        read_token("kit.sign", token, max_age=-1)


def test_calls_over_the_limit_are_refused_before_the_view_runs(app, client, enable):
    enable("kit")
    token = sign_token("kit.sign", {"id": 1, "signer": "Jan"})
    codes = [client.get(f"/kit/sign/{token}").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert len(CALLS) == 3
    refused = client.get(f"/kit/sign/{token}")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Too many requests" in refused.get_data(as_text=True)
    # Wrong guesses count too: the limit is what stops brute force.
    assert client.get("/kit/sign/guess").status_code == 429


def test_each_address_and_endpoint_has_its_own_count(app, client, enable):
    enable("kit")
    token = sign_token("kit.sign", {"id": 1, "signer": "Jan"})
    for _ in range(3):
        client.get(f"/kit/sign/{token}")
    assert client.get(f"/kit/sign/{token}").status_code == 429
    other = client.get(f"/kit/sign/{token}", environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 200
    assert client.post("/kit/track", csrf=False).status_code == 200


def test_a_new_window_starts_a_new_count(app):
    from host.public_endpoints import PublicEndpoint

    spec = PublicEndpoint("token", RateLimit.parse("2/minute"))
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "192.0.2.1"}):
        assert [over_limit("kit.x", spec, now=600.0) for _ in range(3)][:2] == [0, 0]
        assert over_limit("kit.x", spec, now=659.5) == 1
        assert over_limit("kit.x", spec, now=660.0) == 0  # the next minute


def test_processes_share_the_count(app, client, enable):
    """Two apps on one database stand for two web processes."""
    enable("kit")
    token = sign_token("kit.sign", {"id": 1, "signer": "Jan"})
    other = rebuild(app, _addon())
    try:
        second = other.test_client()
        with other.app_context():
            codes = [second.get(f"/kit/sign/{token}").status_code for _ in range(2)]
        codes += [client.get(f"/kit/sign/{token}").status_code for _ in range(2)]
    finally:
        close_app(other)
    assert codes == [200, 200, 200, 429]


def test_webhooks_are_public_endpoints_with_a_signature_and_a_limit(app, client, enable):
    enable("kit")
    view = app.view_functions["kit.callback"]
    assert view.host_public_endpoint.auth == "signature"
    assert view.host_public_endpoint.rate_limit.count >= 100
    assert client.post("/kit/callback", csrf=False).status_code == 204


def test_disabled_addon_public_endpoint_is_not_found(app, client):
    token = sign_token("kit.sign", {"id": 1, "signer": "Jan"})
    assert client.get(f"/kit/sign/{token}").status_code == 404


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"auth": "password", "rate_limit": "3/minute"}, "auth must be one of"),
        ({"auth": "token", "rate_limit": "lots"}, "write it as '30/minute'"),
        ({"auth": "token", "rate_limit": "0/minute"}, "write it as"),
    ],
)
def test_declarations_without_proof_or_limit_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        public_endpoint(**kwargs)


def test_rate_limits_read_as_written():
    assert RateLimit.parse("30/minute") == RateLimit(30, 60)
    assert RateLimit.parse("5/10 seconds") == RateLimit(5, 10)
    assert RateLimit.parse("1000/hours") == RateLimit(1000, 3600)


def test_an_addon_route_public_without_a_declaration_needs_a_login(
    app, client, enable, login, user
):
    enable("kit")
    refused = client.get("/kit/undeclared")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    login(user)
    assert client.get("/kit/undeclared").get_data(as_text=True) == "anyone"


def test_the_limit_holds_across_processes_calling_at_once(app, database_url, tmp_path):
    """Three processes (three gunicorn workers) call one endpoint from one
    address at the same moment: exactly the limit gets through, not one more."""
    from host.models import RateCounter
    from tests.host import rate_workers

    codes = rate_workers.call_at_once(database_url, tmp_path)
    assert codes.count(204) == rate_workers.LIMIT
    assert codes.count(429) == 60 - rate_workers.LIMIT
    counted = RateCounter.get(RateCounter.key == "rate_probe|198.51.100.7")
    assert counted.hits == 60
