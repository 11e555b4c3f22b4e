"""A signer identifies through the local itsme provider on loopback, from the
signing link to the stored identity; the credit is spent only for a
completed identification."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest

from addons.itsme_sign.oidc.claims import ACR_BASIC

from .steps import fresh, identify, in_app


def test_a_signer_identifies_and_one_credit_is_spent(client, signer_link, credits):
    from addons.iap import balance

    credits("itsme_sign", 3)
    signer, link = signer_link()
    page = client.get(link).data.decode()
    assert "Identify with itsme" in page and f"{link}/itsme" in page
    back = identify(client, link)
    assert back.status_code == 302 and back.headers["Location"].endswith(link)
    stored = fresh(signer)
    assert (stored.identified_name, stored.identified_birthdate) == ("Anna Peeters", "1986-04-12")
    assert stored.identification_method == "itsme"
    assert "advanced" in stored.identification_result
    assert stored.national_number is None  # eid asked, but the admin did not turn storing on
    assert balance("itsme_sign") == Decimal(2)
    page = client.get(link).data.decode()
    assert "Identify with itsme" not in page


def test_the_request_carries_the_signers_language_and_eid_for_belgium(client, signer_link, credits):
    credits("itsme_sign", 1)
    _, link = signer_link(language="fr")
    query = parse_qs(urlparse(client.get(f"{link}/itsme").headers["Location"]).query)
    assert query["ui_locales"] == ["fr"]
    assert query["scope"] == ["openid service:IAPHOST_SIGN profile eid"]
    assert query["code_challenge_method"] == ["S256"]


def test_a_dutch_signer_is_never_asked_for_eid(client, signer_link, credits):
    credits("itsme_sign", 1)
    signer, link = signer_link(country="NL", email="eva@example.nl")
    query = parse_qs(urlparse(client.get(f"{link}/itsme").headers["Location"]).query)
    assert query["scope"] == ["openid service:IAPHOST_SIGN profile"]


def test_the_national_number_is_kept_only_when_the_admin_turned_it_on(client, signer_link, credits):
    from host import Setting

    credits("itsme_sign", 1)
    Setting.write("itsme_sign.store_national_number", "1")
    signer, link = signer_link()
    identify(client, link)
    assert fresh(signer).national_number == "86041200217"


def test_canceling_in_the_app_costs_nothing_and_offers_try_again(client, signer_link, credits):
    from addons.iap import balance

    credits("itsme_sign", 1)
    signer, link = signer_link()
    back = identify(client, link, choice="cancel")
    assert back.headers["Location"].endswith(f"{link}?itsme=canceled")
    page = client.get(back.headers["Location"]).data.decode()
    assert "You canceled the identification" in page and "Try again" in page
    assert not fresh(signer).identified
    assert balance("itsme_sign") == Decimal(1)
    replayed = client.get(back.request.url)  # the same answer again is not used twice
    assert replayed.headers["Location"].endswith(f"{link}?itsme=used")
    assert "received already" in client.get(replayed.headers["Location"]).data.decode()


@pytest.mark.parametrize(
    "fault, value, outcome",
    [
        ("sign", "tampered", "mismatch"),
        ("acr", ACR_BASIC, "mismatch"),
        ("token_error", "server_error", "failed"),
        ("token_status", 503, "unavailable"),
    ],
)
def test_a_failed_identification_costs_nothing(
    client, signer_link, credits, provider, fault, value, outcome
):
    from addons.iap import balance

    credits("itsme_sign", 1)
    signer, link = signer_link()
    setattr(provider.faults, fault, value)
    back = identify(client, link)
    assert back.headers["Location"].endswith(f"{link}?itsme={outcome}")
    assert not fresh(signer).identified
    assert balance("itsme_sign") == Decimal(1)
    page = client.get(back.headers["Location"]).data.decode()
    assert "Try again" in page


def test_a_callback_with_another_state_or_replayed_is_refused(
    client, signer_link, credits, provider
):
    from addons.iap import balance

    credits("itsme_sign", 2)
    signer, link = signer_link()
    start = client.get(f"{link}/itsme")
    back = in_app(start.headers["Location"])
    forged = back.replace("state=", "state=x")
    answer = client.get(forged)  # refused, and the signer is sent back to their page
    assert answer.headers["Location"].endswith(f"{link}?itsme=mismatch")
    assert not fresh(signer).identified and balance("itsme_sign") == Decimal(2)
    assert client.get(back).status_code == 302
    assert fresh(signer).identified and balance("itsme_sign") == Decimal(1)
    # The state was used: the same answer again exchanges nothing and costs nothing.
    replayed = client.get(back)
    assert replayed.headers["Location"].endswith(f"{link}?itsme=used")
    page = client.get(replayed.headers["Location"]).data.decode()
    assert "Identify with itsme" not in page and "Try again" not in page  # identified once
    assert provider.requests.count("/token") == 1
    assert balance("itsme_sign") == Decimal(1)


def _session_of(app, client) -> dict:
    """The session as anyone holding the cookie reads it (signed, not encrypted)."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    return app.session_interface.get_signing_serializer(app).loads(cookie)


def test_the_session_cookie_holds_no_secret_of_the_identification(
    app, client, signer_link, credits
):
    from addons.itsme_sign.pending import PendingIdentification

    credits("itsme_sign", 1)
    _, link = signer_link()
    query = parse_qs(urlparse(client.get(f"{link}/itsme").headers["Location"]).query)
    row = PendingIdentification.get()
    assert row.state == query["state"][0] and row.nonce == query["nonce"][0]
    assert row.code_verifier and row.link_token in link
    session = _session_of(app, client)
    assert session["itsme_sign.pending"] == [row.key]
    readable = repr(session)
    for secret in (row.state, row.nonce, row.code_verifier, row.link_token):
        assert secret not in readable


def test_an_expired_identification_is_refused_and_says_so(client, signer_link, credits, provider):
    from addons.iap import balance
    from addons.itsme_sign.oidc.client import PENDING_TTL
    from addons.itsme_sign.pending import PendingIdentification

    credits("itsme_sign", 1)
    signer, link = signer_link()
    back = in_app(client.get(f"{link}/itsme").headers["Location"])
    PendingIdentification.update(created=PendingIdentification.created - PENDING_TTL - 1).execute()
    answer = client.get(back)
    assert answer.headers["Location"].endswith(f"{link}?itsme=expired")
    page = client.get(answer.headers["Location"]).data.decode()
    assert "took longer than 15 minutes" in page and "Start it again" in page
    assert "/token" not in provider.requests
    assert not fresh(signer).identified and balance("itsme_sign") == Decimal(1)
    row = PendingIdentification.get()
    assert row.claimed and (row.nonce, row.code_verifier) == ("", "")


def test_a_callback_in_another_browser_is_refused(client, app, signer_link, credits):
    credits("itsme_sign", 1)
    signer, link = signer_link()
    back = in_app(client.get(f"{link}/itsme").headers["Location"])
    stranger = app.test_client()
    answer = stranger.get(back)
    assert answer.status_code == 400
    assert "does not belong to an identification started in this browser" in answer.data.decode()
    assert not fresh(signer).identified


def test_out_of_credits_the_signer_is_not_sent_to_itsme(client, signer_link, provider):
    signer, link = signer_link()
    answer = client.get(f"{link}/itsme")
    assert answer.headers["Location"].endswith(f"{link}?itsme=no_credit")
    assert "/authorize" not in provider.requests


def test_a_provider_that_is_down_sends_the_signer_back(client, signer_link, credits, provider):
    credits("itsme_sign", 1)
    signer, link = signer_link()
    provider.stop()
    answer = client.get(f"{link}/itsme")
    assert answer.headers["Location"].endswith(f"{link}?itsme=unavailable")


def test_an_expired_or_canceled_link_cannot_start_or_finish(client, signer_link, credits):
    from addons.iap import balance
    from addons.itsme_sign import lifecycle

    credits("itsme_sign", 1)
    signer, link = signer_link()
    back = in_app(client.get(f"{link}/itsme").headers["Location"])
    lifecycle.cancel(fresh(signer).request, "changed my mind")
    assert client.get(back).status_code == 410
    assert client.get(f"{link}/itsme").status_code == 410
    assert balance("itsme_sign") == Decimal(1)


def test_our_jwks_is_public_and_holds_no_private_key(client, app, itsme_sign):
    from addons.itsme_sign import itsme_client

    answer = client.get("/itsme_sign/itsme/jwks.json")
    assert answer.status_code == 200
    keys = answer.get_json()["keys"]
    assert sorted(k["use"] for k in keys) == ["enc", "sig"]
    assert not any("d" in k for k in keys)
    assert keys == itsme_client.client_keys(app).public_jwks()["keys"]


def test_can_identify_says_why_not(app, itsme_sign, credits):
    from addons.itsme_sign.identify import can_identify

    assert not can_identify("BE").ok and "0 available" in can_identify("BE").message
    credits("itsme_sign", 2)
    assert can_identify("BE").ok and can_identify("NL").ok
    assert "not available in FR" in can_identify("FR").message
    assert not can_identify("BE", identifications=3).ok
    app.config["ITSME_DISCOVERY_URL"] = ""
    assert "not set up" in can_identify("BE").message


def test_the_admin_turns_on_keeping_national_numbers_on_the_settings_page(
    admin_client, client, signer_link, credits
):
    credits("itsme_sign", 1)
    page = admin_client.get("/settings").data.decode()
    assert "itsme identification is on" in page
    assert "/itsme_sign/itsme/jwks.json" in page and "/itsme_sign/itsme/callback" in page
    answer = admin_client.post("/itsme_sign/itsme/settings", data={"store_national_number": "y"})
    assert answer.status_code == 302
    signer, link = signer_link()
    identify(client, link)
    assert fresh(signer).national_number == "86041200217"
    admin_client.post("/itsme_sign/itsme/settings", data={})  # unticked: off again
    from host import Setting

    assert Setting.read("itsme_sign.store_national_number") == "0"


def test_a_user_cannot_change_the_itsme_settings(user_client, itsme_sign):
    answer = user_client.post("/itsme_sign/itsme/settings", data={"store_national_number": "y"})
    assert answer.status_code == 403


def test_the_config_key_keeps_national_numbers_when_the_page_never_saved(
    app, client, signer_link, credits
):
    app.config["ITSME_STORE_NATIONAL_NUMBER"] = True
    credits("itsme_sign", 1)
    signer, link = signer_link()
    identify(client, link)
    assert fresh(signer).national_number == "86041200217"


def test_the_sender_is_told_at_send_when_itsme_is_not_set_up(app, itsme_sign, ready, credits):
    from addons.itsme_sign import lifecycle
    from addons.itsme_sign.models import Role

    credits("itsme_sign", 1)
    Role.create(name="Customer", requires_itsme=True)
    sign_request, _ = ready()
    assert not any("not set up" in w for w in lifecycle.warnings(sign_request))
    app.config["ITSME_CLIENT_ID"] = ""
    assert any("itsme identification is not set up" in w for w in lifecycle.warnings(sign_request))


def test_the_signer_page_says_so_when_itsme_is_not_set_up(app, client, signer_link, credits):
    credits("itsme_sign", 1)
    signer, link = signer_link()
    app.config["ITSME_DISCOVERY_URL"] = ""
    page = client.get(link).data.decode()
    assert "itsme identification is not set up on this server yet" in page
    assert "Identify with itsme" not in page
    assert client.get(f"{link}/itsme").headers["Location"].endswith("?itsme=unavailable")


def test_rotate_keys_on_the_command_line_keeps_the_old_keys_published(app, client, itsme_sign):
    from click.testing import CliRunner

    from addons.itsme_sign import itsme_client
    from host.cli import cli

    app.extensions["host"].hooks.register_commands(cli=cli)
    before = {k["kid"] for k in client.get("/itsme_sign/itsme/jwks.json").get_json()["keys"]}
    result = CliRunner().invoke(
        cli, ["itsme-sign", "rotate-keys"], obj={"app": app}, catch_exceptions=False
    )
    assert "New keys: signing" in result.output
    after = {k["kid"] for k in client.get("/itsme_sign/itsme/jwks.json").get_json()["keys"]}
    assert before < after and len(after) == 4
    newest = itsme_client.client_keys(app).signing.signing_key().kid
    assert newest in after and newest not in before


def test_the_documented_callback_and_jwks_paths_are_the_routes(app, itsme_sign):
    from flask import url_for

    from addons.itsme_sign import itsme_client
    from addons.itsme_sign.oidc.config import CALLBACK_PATH, JWKS_PATH

    with app.test_request_context():
        assert url_for("itsme_sign.identify_callback") == CALLBACK_PATH
        assert url_for("itsme_sign.itsme_jwks") == JWKS_PATH
        assert itsme_client.redirect_uri() == "http://localhost" + CALLBACK_PATH
