"""Signing links: malformed, expired, for another document, after Cancel; and the order of mails."""

import time

import pytest


@pytest.fixture
def sent(ready, link_of):
    """A request sent to Jan (order 1) and Eva (order 2); returns it, Jan's and Eva's signers."""
    from addons.itsme_sign import lifecycle

    def make():
        sign_request, signer_list = ready(
            [
                {"name": "Jan Peeters", "email": "jan@example.be", "role": "Customer"},
                {"name": "Eva Smit", "email": "eva@example.nl", "role": "Employee", "order": 2},
            ]
        )
        lifecycle.send(sign_request)
        return sign_request, *signer_list

    return make


def test_a_malformed_or_altered_link_is_refused(app, sent, link_of):
    sent()
    client = app.test_client()
    link = link_of("jan@example.be")
    for bad in ("/itsme_sign/s/nonsense", link[:-3] + "abc", "/itsme_sign/s/" + "x" * 600):
        answer = client.get(bad)
        assert answer.status_code == 404, bad
        assert "This link is not valid." in answer.data.decode()
    assert (
        client.post(link[:-3] + "abc/sign", data={"kind": "typed", "typed": "J"}).status_code == 404
    )


def test_an_expired_link_is_refused(app, sent, monkeypatch):
    from addons.itsme_sign import signers
    from addons.itsme_sign.models import Signer

    sent()
    jan = Signer.get(Signer.email == "jan@example.be")
    monkeypatch.setattr(
        "itsdangerous.timed.TimestampSigner.get_timestamp",
        lambda self: int(time.time()) - 15 * 86400,
    )
    old = signers.signer_url(jan)
    monkeypatch.undo()
    answer = app.test_client().get(old)
    assert answer.status_code == 404
    assert "This link has expired." in answer.data.decode()
    assert app.test_client().get(signers.signer_url(jan)).status_code == 200


def test_a_request_past_its_expiry_becomes_expired_and_its_links_stop(app, sent, link_of):
    from datetime import timedelta

    from addons.itsme_sign import lifecycle
    from addons.itsme_sign.models import SignRequest
    from host import utcnow

    sign_request, jan, eva = sent()
    SignRequest.update(expires_at=utcnow() - timedelta(minutes=1)).execute()
    assert lifecycle.expire_due() == 1
    assert SignRequest.get_by_id(sign_request.id).state == "expired"
    answer = app.test_client().get(link_of("jan@example.be"))
    assert answer.status_code == 410 and "This link has expired." in answer.data.decode()
    assert lifecycle.expire_due() == 0


def test_a_link_for_another_document_is_refused(app, sent):
    from addons.itsme_sign.models import Signer
    from addons.itsme_sign.signers import TOKEN_PURPOSE
    from host import sign_token

    first, jan, _ = sent()
    second, jan2, _ = sent()
    # A token naming the first document and a signer of the second.
    forged = sign_token(TOKEN_PURPOSE, {"r": first.id, "s": jan2.id, "n": jan2.access_nonce})
    answer = app.test_client().get(f"/itsme_sign/s/{forged}")
    assert answer.status_code == 403
    assert "This link is for another document." in answer.data.decode()
    assert Signer.get_by_id(jan2.id).state == "sent"


def test_a_signer_cannot_fill_another_signers_fields(app, sent, link_of):
    from addons.itsme_sign import lifecycle
    from addons.itsme_sign.models import Field, Signer

    sign_request, jan, eva = sent()
    eva_field = Field.get(Field.signer == eva.id)
    answer = app.test_client().post(
        link_of("jan@example.be") + "/sign",
        data={"kind": "typed", "typed": "Jan Peeters", f"field-{eva_field.id}": "mine"},
    )
    assert answer.status_code == 403
    assert "Some fields are not yours to fill." in answer.data.decode()
    assert Signer.get_by_id(jan.id).state == "sent"
    assert lifecycle.problems(sign_request) == []


def test_links_stop_working_after_cancel(app, sender_client, sent, link_of):
    from addons.itsme_sign.models import Signer, SignRequest

    sign_request, jan, eva = sent()
    link = link_of("jan@example.be")
    answer = sender_client.post(
        f"/itsme_sign/requests/{sign_request.id}/cancel",
        data={"reason": "Wrong salary"},
        follow_redirects=True,
    )
    assert "the signing links no longer work" in answer.data.decode()
    assert SignRequest.get_by_id(sign_request.id).state == "canceled"
    client = app.test_client()
    answer = client.get(link)
    assert answer.status_code == 410
    assert "This document was canceled by its sender" in answer.data.decode()
    answer = client.post(link + "/sign", data={"kind": "typed", "typed": "Jan Peeters"})
    assert answer.status_code == 410
    assert Signer.get_by_id(jan.id).state == "sent"
    assert (
        "Canceled. Reason: Wrong salary"
        in sender_client.get(f"/itsme_sign/requests/{sign_request.id}").data.decode()
    )


def test_signers_are_mailed_in_order_and_a_later_one_waits(app, sent, mails, link_of):
    from addons.itsme_sign.models import Signer
    from addons.itsme_sign.signers import signer_url

    sign_request, jan, eva = sent()
    assert [m.to for m in mails()] == ["jan@example.be"]
    mail = mails()[0]
    assert "Employment contract" in mail.subject and "14 days" in mail.body
    # Eva's link (had she guessed it) says it is not her turn, without a Sign button.
    page = app.test_client().get(signer_url(Signer.get_by_id(eva.id))).data.decode()
    assert "It is not your turn to sign yet" in page and 'id="sign-form"' not in page
    app.test_client().post(
        link_of("jan@example.be") + "/sign", data={"kind": "typed", "typed": "Jan Peeters"}
    )
    assert [m.to for m in mails()] == ["jan@example.be", "eva@example.nl"]


def test_decline_asks_a_reason_and_tells_the_sender(app, sent, link_of, mails):
    from addons.itsme_sign.models import SignRequest

    sign_request, jan, eva = sent()
    client = app.test_client()
    link = link_of("jan@example.be")
    answer = client.post(link + "/decline", data={"reason": "  "})
    assert answer.status_code == 400
    assert "Say why you decline" in answer.data.decode()
    client.post(link + "/decline", data={"reason": "The start date is wrong."})
    assert SignRequest.get_by_id(sign_request.id).state == "declined"
    assert SignRequest.get_by_id(sign_request.id).reason == "The start date is wrong."
    assert "You declined to sign this document." in client.get(link).data.decode()
    declined = [m for m in mails() if "declined" in m.subject]
    assert [m.to for m in declined] == ["user@example.com"]
    assert "The start date is wrong." in declined[0].body
    answer = client.post(link + "/sign", data={"kind": "typed", "typed": "Jan"})
    assert answer.status_code == 409
    assert "This document is declined" in answer.data.decode()
    # The other signers' links say why there is nothing left to sign.
    from addons.itsme_sign.models import Signer
    from addons.itsme_sign.signers import signer_url

    answer = client.get(signer_url(Signer.get_by_id(eva.id)))
    assert answer.status_code == 410
    assert "Another signer declined this document" in answer.data.decode()


def test_a_signature_sent_twice_at_once_signs_once(app, sent, link_of, mails):
    import threading

    from addons.itsme_sign.models import Signer, SignRequest
    from host import messages_for

    sign_request, signer = (lambda r: (r[0], r[1]))(sent())
    Signer.delete().where(Signer.email == "eva@example.nl").execute()
    link = link_of("jan@example.be")
    barrier = threading.Barrier(2)
    codes = []

    def submit():
        client = app.test_client()
        barrier.wait()
        answer = client.post(link + "/sign", data={"kind": "typed", "typed": "Jan Peeters"})
        codes.append(answer.status_code)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [302, 409]
    assert SignRequest.get_by_id(sign_request.id).state == "signed"
    logs = [m.body for m in messages_for("itsme_sign.request", sign_request.id)]
    assert sum("Jan Peeters signed" in body for body in logs) == 1
    assert sum("Signed by everyone" in body for body in logs) == 1
    assert len([m for m in mails() if "is signed" in m.subject]) == 2  # Jan and the sender


def test_a_lost_completion_is_finished_by_the_sweep_not_expired(app, ready):
    """Every signer signed but the job making the signed PDF was lost (a
    worker died): the periodic job makes it, even past the expiry date."""
    from datetime import timedelta

    from addons.itsme_sign import jobs, lifecycle
    from addons.itsme_sign.models import Signer, SignRequest
    from host import utcnow

    sign_request, (jan,) = ready()
    lifecycle.send(sign_request)
    Signer.update(state="signed", signed_at=utcnow(), signature_kind="typed").execute()
    SignRequest.update(expires_at=utcnow() - timedelta(minutes=1)).execute()
    assert lifecycle.expire_due() == 0
    assert SignRequest.get_by_id(sign_request.id).state == "sent"
    jobs.expire()
    done = SignRequest.get_by_id(sign_request.id)
    assert done.state == "signed" and done.signed


def test_a_signed_pdf_that_cannot_be_made_stops_after_the_attempts_and_tells_the_sender(
    app, ready, sender, sender_client, mails, link_of
):
    """The PDF cannot be stamped (its stored original is broken): each
    sweep counts a failed attempt; at ITSME_SIGN_COMPLETION_ATTEMPTS the
    request becomes failed, shows the error on its page, in the chatter and
    to its signers, its sender is mailed once, and the sweep stops retrying it."""
    from addons.itsme_sign import completion, jobs, lifecycle
    from addons.itsme_sign.models import Signer, SignRequest
    from host import messages_for, utcnow

    app.config["ITSME_SIGN_COMPLETION_ATTEMPTS"] = 3
    sign_request, (jan,) = ready()
    lifecycle.send(sign_request)
    Signer.update(state="signed", signed_at=utcnow(), signature_kind="typed").execute()
    SignRequest.update(original=b"%PDF-1.7\n broken after upload").execute()

    def failure_mails():
        return [m for m in mails() if "could not be made" in m.subject]

    for attempt in (1, 2):
        jobs.expire()
        current = SignRequest.get_by_id(sign_request.id)
        assert current.state == "sent" and current.completion_attempts == attempt
        assert current.completion_error == "" and not failure_mails()
    assert lifecycle.unfinished() == [sign_request.id]

    jobs.expire()
    current = SignRequest.get_by_id(sign_request.id)
    assert current.state == "failed" and current.completion_attempts == 3
    assert current.signed is None
    assert current.completion_error.startswith("The signed PDF could not be made after 3 attempts")
    (mail,) = failure_mails()
    assert mail.to == sender.email and "Employment contract" in mail.subject
    assert current.completion_error in mail.body
    assert f"/itsme_sign/requests/{sign_request.id}" in mail.body
    chatter = [m.body for m in messages_for(lifecycle.MODEL, sign_request.id)]
    assert sum("could not be made after 3 attempts" in body for body in chatter) == 1
    page = sender_client.get(f"/itsme_sign/requests/{sign_request.id}").data.decode()
    assert 'id="sign-completion-error"' in page and "could not be made after 3 attempts" in page
    fragment = sender_client.get(f"/itsme_sign/requests/{sign_request.id}/state").data.decode()
    assert "could not be made" in fragment and "data-poll" not in fragment  # no endless poll
    assert "sign-state-failed" in fragment
    listed = sender_client.get("/itsme_sign/requests?state=failed").data.decode()
    assert "Failed (1)" in listed and "Employment contract" in listed
    signer_page = app.test_client().get(link_of(jan.email)).data.decode()
    assert 'id="sign-failed"' in signer_page and "could not be made" in signer_page

    assert lifecycle.unfinished() == []
    jobs.expire()
    assert completion.complete(sign_request.id) == "failed"  # a late job neither
    current = SignRequest.get_by_id(sign_request.id)
    assert current.completion_attempts == 3 and len(failure_mails()) == 1


def test_itsme_sign_migration_2_marks_the_requests_that_gave_up_failed(app, ready):
    """Version 1 left a request that gave up on its signed PDF ``sent``."""
    from addons.itsme_sign import lifecycle
    from addons.itsme_sign.models import SignRequest
    from host.migrations import AddonSchema
    from tests.host.addon_kit import close_app, rebuild

    gave_up, _ = ready()
    out, _ = ready()
    lifecycle.send(gave_up)
    lifecycle.send(out)
    SignRequest.update(completion_error="The signed PDF could not be made.").where(
        SignRequest.id == gave_up.id
    ).execute()
    AddonSchema.update(version=1).where(AddonSchema.addon == "itsme_sign").execute()
    restarted = rebuild(app, HOST_BUILTIN_ADDONS=app.config["HOST_BUILTIN_ADDONS"])
    try:
        with restarted.app_context():
            assert AddonSchema.get(AddonSchema.addon == "itsme_sign").version >= 2
            assert SignRequest.get_by_id(gave_up.id).state == "failed"
            assert SignRequest.get_by_id(out.id).state == "sent"
    finally:
        close_app(restarted)


def test_itsme_sign_migration_3_adds_the_pending_identifications_table(app, itsme_sign):
    """Version 2 kept identifications under way in the session cookie."""
    from addons.itsme_sign.pending import PendingIdentification
    from host import db
    from host.migrations import AddonSchema
    from tests.host.addon_kit import close_app, rebuild

    db.drop_tables([PendingIdentification])
    AddonSchema.update(version=2).where(AddonSchema.addon == "itsme_sign").execute()
    restarted = rebuild(app, HOST_BUILTIN_ADDONS=app.config["HOST_BUILTIN_ADDONS"])
    try:
        with restarted.app_context():
            assert AddonSchema.get(AddonSchema.addon == "itsme_sign").version == 3
            assert PendingIdentification.table_exists()
            assert {c.name for c in db.get_columns(PendingIdentification._meta.table_name)} == set(
                PendingIdentification._meta.columns
            )
    finally:
        close_app(restarted)
