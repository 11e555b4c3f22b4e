"""Each bad input of issue 17's signing app gets a clear message, and nothing is kept."""

import io

import pytest

from tests.addons.itsme_sign import documents


def _upload(client, data: bytes, filename: str = "contract.pdf"):
    return client.post(
        "/itsme_sign/requests/new",
        data={"name": "Contract", "document": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 a zip, not a PDF", "This file is not a PDF"),
        (b"", "The file is empty."),
        (documents.encrypted_pdf(), "protected by a password or encrypted"),
        (documents.no_page_pdf(), "This PDF has no page"),
        (b"%PDF-1.7\n garbage without objects", "This PDF cannot be read"),
    ],
    ids=["not-pdf", "empty", "encrypted", "no-page", "broken"],
)
def test_an_upload_that_cannot_be_signed_is_refused_and_nothing_kept(sender_client, data, message):
    from addons.itsme_sign.models import SignRequest

    answer = _upload(sender_client, data)
    assert answer.status_code == 400
    assert message in answer.data.decode()
    assert SignRequest.select().count() == 0


def test_a_pdf_longer_than_the_limit_is_refused(sender_client, app):
    app.config["ITSME_SIGN_MAX_PAGES"] = 2
    answer = _upload(sender_client, documents.pdf(3))
    assert "This PDF has 3 pages; at most 2 can be signed." in answer.data.decode()


def test_a_signer_without_email_is_refused(sender_client, draft):
    from addons.itsme_sign.models import Signer

    sign_request = draft()
    answer = sender_client.post(
        f"/itsme_sign/requests/{sign_request.id}/signers",
        data={"name": "Jan Peeters", "email": "", "role": "Customer"},
        follow_redirects=True,
    )
    assert "Jan Peeters has no email address: a signer is reached by mail." in answer.data.decode()
    answer = sender_client.post(
        f"/itsme_sign/requests/{sign_request.id}/signers",
        data={"name": "Jan Peeters", "email": "jan at example", "role": "Customer"},
        follow_redirects=True,
    )
    assert "is not an email address" in answer.data.decode()
    assert Signer.select().count() == 0


def test_two_signers_with_the_same_email_and_role_are_refused(sender_client, draft):
    from addons.itsme_sign.models import Role, Signer

    Role.create(name="Customer")
    Role.create(name="Employee")
    sign_request = draft()
    url = f"/itsme_sign/requests/{sign_request.id}/signers"
    values = {"name": "Jan Peeters", "email": "jan@example.be", "role": "Customer"}
    sender_client.post(url, data=values)
    answer = sender_client.post(
        url, data={**values, "name": "Jan P.", "email": "JAN@example.be"}, follow_redirects=True
    )
    assert "jan@example.be already signs this document as Customer." in answer.data.decode()
    # The same person in another role is a second signature, which is allowed.
    sender_client.post(url, data={**values, "role": "Employee"})
    assert Signer.select().count() == 2


@pytest.mark.parametrize(
    ("page", "x", "y", "message"),
    [
        (1, 500, 100, "does not fit on page 1"),  # 500 + 160 > 595 pt
        (1, 72, 820, "does not fit on page 1"),  # 820 + 50 > 842 pt
        (1, -5, 100, "does not fit on page 1"),
        (2, 72, 100, "The document has no page 2."),
        (1, "nan", 100, "needs a position"),
    ],
)
def test_a_field_outside_the_page_is_refused(sender_client, draft, page, x, y, message):
    from addons.itsme_sign import lifecycle
    from addons.itsme_sign.models import Field

    sign_request = draft()
    signer = lifecycle.add_signer(
        sign_request, name="Jan Peeters", email="jan@example.be", role="Customer", create_role=True
    )
    answer = sender_client.post(
        f"/itsme_sign/requests/{sign_request.id}/fields",
        data={"signer_id": signer.id, "kind": "signature", "page": page, "x": x, "y": y},
        headers={"X-Requested-With": "fetch"},
    )
    assert answer.status_code == 400
    assert message in answer.json["error"]
    assert Field.select().count() == 0


def test_a_field_for_another_requests_signer_or_of_an_unknown_kind_is_refused(sender, draft):
    from addons.itsme_sign import lifecycle

    first, second = draft(), draft()
    stranger = lifecycle.add_signer(
        second, name="Eva", email="eva@example.nl", role="Customer", create_role=True
    )
    with pytest.raises(lifecycle.SignError, match="Choose a signer of this document"):
        lifecycle.place_field(first, signer_id=stranger.id, kind="signature", page=1, x=1, y=1)
    with pytest.raises(lifecycle.SignError, match="is not a kind of field"):
        lifecycle.place_field(second, signer_id=stranger.id, kind="stamp", page=1, x=1, y=1)


def test_send_needs_signers_each_with_a_signature_field(sender_client, draft, mails):
    from addons.itsme_sign import lifecycle

    sign_request = draft()
    answer = sender_client.post(
        f"/itsme_sign/requests/{sign_request.id}/send", follow_redirects=True
    )
    assert "Add at least one signer." in answer.data.decode()
    signer = lifecycle.add_signer(
        sign_request, name="Jan Peeters", email="jan@example.be", role="Customer", create_role=True
    )
    lifecycle.place_field(sign_request, signer_id=signer.id, kind="date", page=1, x=72, y=72)
    answer = sender_client.post(
        f"/itsme_sign/requests/{sign_request.id}/send", follow_redirects=True
    )
    assert "Place a signature field for Jan Peeters." in answer.data.decode()
    assert mails() == []
    assert type(sign_request).get_by_id(sign_request.id).state == "draft"


def test_a_sent_request_can_no_longer_change(sender, ready):
    from addons.itsme_sign import lifecycle

    sign_request, (jan,) = ready()
    lifecycle.send(sign_request)
    with pytest.raises(lifecycle.SignError, match="only a draft can be changed"):
        lifecycle.add_signer(
            type(sign_request).get_by_id(sign_request.id),
            name="Eva",
            email="eva@example.nl",
            role="Customer",
        )


def test_a_user_picks_an_existing_role_and_only_a_manager_creates_one(
    app, sender_client, draft, admin
):
    """A new role name is refused for an itsme Sign User, with the roles there
    are; a Manager's new role name creates the role."""
    from addons.itsme_sign.models import Role, Signer
    from host.testing import log_in

    Role.create(name="Customer")
    sign_request = draft()
    url = f"/itsme_sign/requests/{sign_request.id}/signers"
    values = {"name": "Jan Peeters", "email": "jan@example.be", "role": "Supplier"}
    answer = sender_client.post(url, data=values, follow_redirects=True)
    page = answer.data.decode()
    assert "There is no role named &#39;Supplier&#39;: pick an existing role (Customer)" in page
    assert "ask an itsme Sign manager to create it." in page
    assert "an itsme Sign manager creates new ones" in page  # the form says so beforehand
    assert Signer.select().count() == 0
    assert [r.name for r in Role.select()] == ["Customer"]
    sender_client.post(url, data={**values, "role": "Customer"})
    assert [s.role.name for s in Signer.select()] == ["Customer"]

    manager = log_in(app.test_client(), admin)
    answer = manager.post(url, data={**values, "role": "Supplier"}, follow_redirects=True)
    assert "Jan Peeters added." in answer.data.decode()
    assert sorted(r.name for r in Role.select()) == ["Customer", "Supplier"]
    assert sorted(s.role.name for s in Signer.select()) == ["Customer", "Supplier"]


def test_add_signer_picks_an_existing_role_unless_told_to_create_it(sender, draft):
    """Issue 11: a misspelt role from Python is refused, not made into a role
    that asks for no itsme identification; ``create_role=True`` says it is meant."""
    from addons.itsme_sign import lifecycle
    from addons.itsme_sign.models import Role, Signer

    Role.create(name="Customer", requires_itsme=True)
    Role.create(name="Employee")
    sign_request = draft()
    jan = {"name": "Jan Peeters", "email": "jan@example.be"}
    with pytest.raises(lifecycle.SignError) as refused:
        lifecycle.add_signer(sign_request, **jan, role="Custmer")
    assert str(refused.value) == (
        "There is no role named 'Custmer': pick an existing role (Customer, Employee) "
        "or ask an itsme Sign manager to create it."
    )
    assert Role.select().count() == 2 and Signer.select().count() == 0
    assert lifecycle.add_signer(sign_request, **jan, role="Customer").role.requires_itsme
    made = lifecycle.add_signer(sign_request, **jan, role="Witness", create_role=True)
    assert (made.role.name, made.role.requires_itsme) == ("Witness", False)


# "²" and "①" are digits to str.isdigit() that int() refuses: a 500 once.
def test_odd_unicode_digits_in_numbers_are_refused_not_a_500(sender_client, draft):
    from addons.itsme_sign import lifecycle
    from addons.itsme_sign.models import Field

    sign_request = draft()
    answer = sender_client.post(
        f"/itsme_sign/requests/{sign_request.id}/signers",
        data={"name": "Jan", "email": "jan@example.be", "role": "Customer", "order": "²"},
    )
    assert answer.status_code < 500
    signer = lifecycle.add_signer(
        sign_request, name="Eva", email="eva@example.nl", role="Customer", create_role=True
    )
    answer = sender_client.post(
        f"/itsme_sign/requests/{sign_request.id}/fields",
        data={"signer_id": signer.id, "kind": "signature", "page": "①", "x": 72, "y": 100},
        headers={"X-Requested-With": "fetch"},
    )
    assert answer.status_code == 400 and Field.select().count() == 0
    assert lifecycle.problems(sign_request)


def test_an_odd_unicode_field_number_on_the_public_sign_form_is_no_500(app, ready, link_of):
    from addons.itsme_sign import lifecycle

    sign_request, _ = ready()
    lifecycle.send(sign_request)
    answer = app.test_client().post(
        link_of("jan@example.be") + "/sign",
        data={"kind": "typed", "typed": "Jan Peeters", "field-²": "Brussels"},
    )
    assert answer.status_code < 500
