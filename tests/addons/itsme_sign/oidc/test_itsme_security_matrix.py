"""The security matrix: each forged or mismatched answer is refused, the good one accepted.

Every case runs the whole flow against the local provider on loopback; the
provider's ``faults`` make it mint the bad token or answer, and the relying
party must raise before any identity is returned.
"""

from __future__ import annotations

import dataclasses
import time
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import pytest
import requests

from addons.itsme_sign.oidc import (
    ACR_ADVANCED,
    ACR_BASIC,
    InvalidResponse,
    ProviderRefused,
)
from addons.itsme_sign.oidc.claims import BE_NATIONAL_NUMBER

from .conftest import OTHER_REDIRECT, approve, identify, make_rp


def test_the_good_path_returns_the_verified_identity(rp):
    result = identify(rp, identity="be-anna", acr="advanced", eid=True)
    identity = result.identity
    assert (identity.name, identity.birthdate) == ("Anna Peeters", "1986-04-12")
    assert identity.acr == ACR_ADVANCED
    assert identity.national_number == "86041200217"
    assert result.id_token_claims["aud"] == "iap-host-test"


def test_the_authorization_request_carries_pkce_scope_acr_and_locale(rp):
    url, pending = rp.start(acr="advanced", eid=True, locale="fr")
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert query["scope"] == "openid service:IAPHOST_SIGN profile eid"
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] and pending.code_verifier not in url
    assert query["acr_values"] == ACR_ADVANCED
    assert query["ui_locales"] == "fr"
    assert (query["state"], query["nonce"]) == (pending.state, pending.nonce)
    assert "eid" not in rp.start(eid=False)[0].split("scope=")[1].split("&")[0]


@pytest.mark.parametrize(
    "sign, encrypt, reason",
    [
        ("tampered", "good", "signature does not verify"),
        ("unknown_kid", "good", "key itsme does not publish"),
        ("none", "good", "algorithm 'none' is refused"),
        ("hs256_public", "good", "algorithm 'HS256' is refused"),
        ("good", "other_key", "not encrypted to our key"),
        ("good", "plain", "not encrypted"),
    ],
)
def test_a_forged_or_misencrypted_id_token_is_refused(rp, provider, sign, encrypt, reason):
    provider.faults.sign, provider.faults.encrypt = sign, encrypt
    with pytest.raises(InvalidResponse, match=reason):
        identify(rp)


@pytest.mark.parametrize(
    "claims, drop, reason",
    [
        ({"iss": "https://idp.evil.example"}, (), "another issuer"),
        ({"aud": "someone-else"}, (), "meant for another party"),
        ({"aud": ["iap-host-test", "other"], "azp": "other"}, (), "another party \\(azp\\)"),
        ({"aud": ["iap-host-test", "other"]}, (), "another party \\(azp\\)"),
        ({"exp": int(time.time()) - 120}, (), "expired"),
        ({"iat": int(time.time()) + 600}, (), "dated in the future"),
        ({"nonce": "not-the-one-we-sent"}, (), "nonce"),
        ({}, ("nonce",), "nonce"),
    ],
)
def test_id_token_claims_that_do_not_fit_the_request_are_refused(
    rp, provider, claims, drop, reason
):
    provider.faults.claims, provider.faults.drop_claims = claims, drop
    with pytest.raises(InvalidResponse, match=reason):
        identify(rp)


def test_small_clock_skew_is_tolerated(rp, provider):
    provider.faults.claims = {"iat": int(time.time()) + 10, "exp": int(time.time()) - 10}
    assert identify(rp).identity.name == "Anna Peeters"


def test_an_answer_with_another_state_is_refused(rp):
    url, pending = rp.start()
    params = approve(url)
    with pytest.raises(InvalidResponse, match="state"):
        rp.finish({**params, "state": "x" + params["state"][1:]}, pending)
    with pytest.raises(InvalidResponse, match="state"):
        rp.finish({k: v for k, v in params.items() if k != "state"}, pending)


def test_a_code_is_exchanged_once(rp):
    url, pending = rp.start()
    params = approve(url)
    assert rp.finish(params, pending).identity.name == "Anna Peeters"
    with pytest.raises(ProviderRefused) as refused:
        rp.finish(params, pending)
    assert refused.value.error == "invalid_grant"


@pytest.mark.parametrize("verifier", ["", "a-verifier-that-is-not-the-one" * 2])
def test_a_missing_or_wrong_pkce_verifier_is_refused(rp, verifier):
    url, pending = rp.start()
    params = approve(url)
    with pytest.raises(ProviderRefused) as refused:
        rp.finish(params, dataclasses.replace(pending, code_verifier=verifier))
    assert refused.value.error in ("invalid_request", "invalid_grant")


def test_the_redirect_uri_must_match_the_authorization_request(rp, provider, client_keys):
    url, pending = rp.start()
    params = approve(url)
    other = make_rp(provider, client_keys, redirect_uri=OTHER_REDIRECT)
    with pytest.raises(ProviderRefused) as refused:
        other.finish(params, pending)
    assert refused.value.error == "invalid_grant"


def test_an_unregistered_redirect_uri_is_refused_without_redirecting(rp):
    url, _ = rp.start()
    parts = urlparse(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["redirect_uri"] = "https://evil.example/steal"
    page = requests.get(urlunparse(parts._replace(query=urlencode(query))), timeout=5)
    assert page.status_code == 400
    assert "evil.example" not in page.headers.get("Location", "")


def test_an_acr_lower_than_requested_is_refused(rp, provider):
    provider.faults.acr = ACR_BASIC
    with pytest.raises(InvalidResponse, match="level of assurance"):
        identify(rp, acr="advanced")
    assert identify(rp, acr="basic").identity.acr == ACR_BASIC


def test_eid_asked_for_a_dutch_identity_yields_no_number_and_succeeds(rp):
    identity = identify(rp, identity="nl-sanne", eid=True).identity
    assert identity.name == "Sanne de Vries"
    assert identity.national_number is None


def test_no_national_number_is_kept_when_eid_was_not_asked(rp):
    result = identify(rp, identity="be-luc", eid=False)
    assert result.identity.national_number is None
    assert BE_NATIONAL_NUMBER not in result.id_token_claims


def test_provider_keys_rotated_mid_flow_old_and_new_kid_both_valid(rp, provider):
    first_kid = provider.keys[0].kid
    identify(rp)  # the relying party now caches the key set with the first kid only
    url_new, pending_new = rp.start()
    url_old, pending_old = rp.start()
    params_new, params_old = approve(url_new), approve(url_old)
    new_kid = provider.rotate_keys()
    assert new_kid != first_kid
    assert rp.finish(params_new, pending_new).identity.name == "Anna Peeters"
    provider.keys.reverse()  # a token still signed with the old key, as during a roll-over
    assert provider.keys[0].kid == first_kid
    assert rp.finish(params_old, pending_old).identity.name == "Anna Peeters"


def test_the_signer_canceling_in_the_app_is_access_denied(rp):
    url, pending = rp.start()
    params = approve(url, choice="cancel")
    assert params["error"] == "access_denied"
    with pytest.raises(ProviderRefused, match="canceled in the itsme app") as refused:
        rp.finish(params, pending)
    assert refused.value.error == "access_denied"


def test_userinfo_about_someone_else_or_without_a_name_is_refused(rp, provider):
    provider.faults.userinfo_claims = {"sub": "someone-else"}
    with pytest.raises(InvalidResponse, match="about someone else"):
        identify(rp)
    provider.faults.userinfo_claims = {}
    provider.faults.userinfo_drop = ("name", "given_name", "family_name")
    with pytest.raises(InvalidResponse, match="no verified name"):
        identify(rp)
    provider.faults.userinfo_drop = ()
    provider.faults.userinfo_claims = {"aud": "another-client"}
    with pytest.raises(InvalidResponse, match="meant for another party"):
        identify(rp)
