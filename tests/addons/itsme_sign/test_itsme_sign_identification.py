"""Roles that require itsme: Sign waits for an identification, BE and NL only,
the verified identity on the certificate, and the sender warned at Send."""

import pytest

from tests.addons.itsme_sign import documents


@pytest.fixture
def itsme_role(sender):
    from addons.itsme_sign.models import Role

    return Role.create(name="Customer", requires_itsme=True)


@pytest.fixture
def identify_route(app):
    """The identification part's start route, which the page's button targets,
    with itsme set up (no call reaches the provider in these tests)."""
    assert "itsme_sign.identify_start" in app.view_functions
    app.config.update(
        ITSME_DISCOVERY_URL="http://127.0.0.1:9/.well-known/openid-configuration",
        ITSME_CLIENT_ID="test-client",
        ITSME_SERVICE_CODE="TEST_SIGN",
    )


def _send(ready, country="BE", name="Jan Peeters"):
    from addons.itsme_sign import lifecycle

    sign_request, (jan,) = ready(
        [{"name": name, "email": "jan@example.be", "role": "Customer", "country": country}]
    )
    report = lifecycle.send(sign_request)
    return sign_request, jan, report


def test_sign_stays_disabled_until_the_signer_is_identified(
    app, itsme_role, identify_route, ready, link_of
):
    from addons.itsme_sign import record_identification, signer_from_token
    from addons.itsme_sign.models import Signer, SignRequest

    sign_request, jan, _ = _send(ready)
    client = app.test_client()
    link = link_of("jan@example.be")
    page = client.get(link).data.decode()
    assert "Identify with itsme" in page
    assert f"{link}/itsme" in page
    assert 'id="sign-submit" disabled' in page
    answer = client.post(link + "/sign", data={"kind": "typed", "typed": "Jan Peeters"})
    assert answer.status_code == 403
    assert "Identify with itsme before signing." in answer.data.decode()
    assert Signer.get_by_id(jan.id).state == "sent"

    token = link.rsplit("/", 1)[1]
    signer = signer_from_token(token)
    record_identification(
        signer, "itsme", "Jan Peeters", "1985-04-12", "verified (acr advanced)", "85041212345"
    )
    page = client.get(link).data.decode()
    assert "Identified with itsme as <strong>Jan Peeters</strong>, born 1985-04-12" in page
    assert 'id="sign-submit" disabled' not in page
    # The national number is not kept unless an administrator turned it on.
    assert Signer.get_by_id(jan.id).national_number is None
    client.post(link + "/sign", data={"kind": "typed", "typed": "Jan Peeters"})
    done = SignRequest.get_by_id(sign_request.id)
    assert done.state == "signed"
    text = documents.text_of(bytes(done.signed))
    assert "Identification: itsme" in text
    assert "Result: verified (acr advanced)" in text
    assert "Verified name: Jan Peeters" in text and "Verified birth date: 1985-04-12" in text
    assert "differs" not in text


def test_a_verified_name_that_differs_is_flagged_to_the_sender_and_on_the_certificate(
    app, sender_client, itsme_role, ready, link_of
):
    from addons.itsme_sign import record_identification, signer_from_token
    from addons.itsme_sign.models import SignRequest

    sign_request, jan, _ = _send(ready, name="Jan Peters")
    link = link_of("jan@example.be")
    record_identification(
        signer_from_token(link.rsplit("/", 1)[1]), "itsme", "Jan Peeters", "1985-04-12", "ok"
    )
    page = sender_client.get(f"/itsme_sign/requests/{sign_request.id}").data.decode()
    assert "The verified name (Jan Peeters) differs from the name you typed (Jan Peters)." in page
    app.test_client().post(link + "/sign", data={"kind": "typed", "typed": "Jan Peeters"})
    text = documents.text_of(bytes(SignRequest.get_by_id(sign_request.id).signed))
    assert "Warning: the verified name (Jan Peeters) differs from the name the sender" in text


def test_accents_case_and_word_order_are_the_same_name():
    from addons.itsme_sign.names import same_person

    assert same_person("Zoë Van den Berghe", "VAN DEN BERGHE ZOE")
    assert same_person("Jean-Luc Dupont", "Jean Luc Dupont")
    assert not same_person("Jan Peeters", "Jan Pieter Peeters")


def test_the_national_number_is_kept_only_when_an_admin_turned_it_on(
    app, itsme_role, ready, link_of
):
    from addons.itsme_sign import record_identification, signer_from_token
    from addons.itsme_sign.signers import STORE_NATIONAL_NUMBER
    from host import Setting

    Setting.write(STORE_NATIONAL_NUMBER, "1")
    sign_request, jan, _ = _send(ready)
    signer = signer_from_token(link_of("jan@example.be").rsplit("/", 1)[1])
    stored = record_identification(signer, "itsme", "Jan Peeters", "", "ok", "85041212345")
    assert stored.national_number == "85041212345"


def test_itsme_is_not_offered_outside_belgium_and_the_netherlands(
    app, itsme_role, identify_route, ready, link_of
):
    sign_request, jan, report = _send(ready, country="FR")
    assert any("not available in FR" in warning for warning in report.warnings)
    page = app.test_client().get(link_of("jan@example.be")).data.decode()
    assert "itsme is not available in FR (only in Belgium and the Netherlands)" in page
    assert "Identify with itsme" not in page
    assert 'id="sign-submit" disabled' in page


def test_the_sign_page_warns_before_send_about_countries_and_credits(
    sender_client, admin_client, itsme_role, ready
):
    from addons.iap import grant

    sign_request, _ = ready(
        [
            {"name": "Jan", "email": "jan@example.be", "role": "Customer", "country": "BE"},
            {"name": "Eva", "email": "eva@example.nl", "role": "Customer", "country": "NL"},
            {"name": "Luc", "email": "luc@example.fr", "role": "Customer", "country": "FR"},
        ]
    )
    page = sender_client.get(f"/itsme_sign/requests/{sign_request.id}").data.decode()
    assert "Luc&#39;s role (Customer) requires itsme, which is not available in FR" in page
    assert "2 needed, 0 available. Buy credits" in page
    assert "Your credits are short by 2 itsme identifications" in page
    assert "cannot sign until an administrator buys more" in page
    admin_page = admin_client.get(f"/itsme_sign/requests/{sign_request.id}").data.decode()
    assert 'href="/iap/buy/itsme_sign"' in admin_page
    grant("itsme_sign", 2, reason="test")
    page = sender_client.get(f"/itsme_sign/requests/{sign_request.id}").data.decode()
    assert "Buy credits" not in page.split('id="sign-warnings"')[1].split("</ul>")[0]
    assert 'id="sign-credits"' not in page


def test_an_identification_after_signing_or_cancel_is_refused(app, itsme_role, ready, link_of):
    from addons.itsme_sign import LinkError, lifecycle, record_identification, signer_from_token

    sign_request, jan, _ = _send(ready)
    signer = signer_from_token(link_of("jan@example.be").rsplit("/", 1)[1])
    lifecycle.cancel(sign_request)
    with pytest.raises(LinkError, match="can no longer be signed"):
        record_identification(signer, "itsme", "Jan Peeters", "", "ok")


def test_the_identification_outcome_codes_show_our_words_only(
    app, itsme_role, identify_route, ready, link_of
):
    _send(ready)
    client = app.test_client()
    link = link_of("jan@example.be")
    page = client.get(link + "?itsme=canceled").data.decode()
    assert "You canceled the identification in the itsme app." in page
    assert ">Try again</a>" in page
    page = client.get(link + "?itsme=<script>alert(1)</script>").data.decode()
    assert "alert(1)" not in page and "Identify with itsme" in page
