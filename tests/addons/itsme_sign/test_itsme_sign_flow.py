"""From upload to the signed PDF, through the pages a sender and a signer use."""

import io
import re

from tests.addons.itsme_sign import documents


def test_upload_signers_fields_send_sign_and_the_signed_pdf(
    sender_client, app, mails, link_of, tmp_path
):
    from addons.itsme_sign.models import Role

    Role.create(name="Employee")  # a User picks the roles a Manager made
    client = sender_client
    answer = client.post(
        "/itsme_sign/requests/new",
        data={"name": "Employment contract", "document": (io.BytesIO(documents.pdf(2)), "c.pdf")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    page_url = answer.headers["Location"]
    request_id = int(re.search(r"/requests/(\d+)", page_url)[1])
    assert b"Page 2 of 2" in client.get(page_url).data
    assert client.get(f"/itsme_sign/requests/{request_id}/pages/2.png").data[:4] == b"\x89PNG"

    for name, email, order in (
        ("Jan Peeters", "jan@example.be", 1),
        ("Eva Smit", "eva@example.nl", 2),
    ):
        answer = client.post(
            f"/itsme_sign/requests/{request_id}/signers",
            data={
                "name": name,
                "email": email,
                "role": "Employee",
                "order": order,
                "country": "BE",
            },
        )
        assert answer.status_code == 302
    from addons.itsme_sign.models import Signer

    jan, eva = Signer.select().order_by(Signer.order)
    # Send is refused while a signer has no signature field.
    page = client.get(page_url).data.decode()
    assert "Place a signature field for Jan Peeters." in page
    for signer, y in ((jan, 600), (eva, 700)):
        answer = client.post(
            f"/itsme_sign/requests/{request_id}/fields",
            data={"signer_id": signer.id, "kind": "signature", "page": 2, "x": 72, "y": y},
            headers={"X-Requested-With": "fetch"},
        )
        assert answer.status_code == 200, answer.json
    client.post(
        f"/itsme_sign/requests/{request_id}/fields",
        data={"signer_id": jan.id, "kind": "text", "page": 1, "x": 72, "y": 300},
    )
    client.post(
        f"/itsme_sign/requests/{request_id}/fields",
        data={"signer_id": jan.id, "kind": "date", "page": 2, "x": 300, "y": 600},
    )
    answer = client.post(f"/itsme_sign/requests/{request_id}/send", follow_redirects=True)
    assert "Signing link mailed to Jan Peeters" in answer.data.decode()
    # In order: only the first signer has a mail.
    assert [m.to for m in mails()] == ["jan@example.be"]

    anonymous = app.test_client()
    jan_link = link_of("jan@example.be")
    page = anonymous.get(jan_link)
    assert page.status_code == 200 and "Your signature" in page.data.decode()
    text_field = [f for f in Signer.get_by_id(jan.id).fields if f.kind == "text"][0]
    answer = anonymous.post(
        jan_link + "/sign",
        data={"kind": "typed", "typed": "Jan Peeters", f"field-{text_field.id}": "Brussels office"},
    )
    assert answer.status_code == 302, answer.data
    assert "You signed this document" in anonymous.get(jan_link).data.decode()
    assert [m.to for m in mails()] == ["jan@example.be", "eva@example.nl"]

    eva_link = link_of("eva@example.nl")
    # A drawn signature: a small PNG with a stroke.
    from PIL import Image, ImageDraw

    picture = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(picture).line((10, 80, 290, 20), fill=(16, 32, 74, 255), width=4)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    import base64

    drawn = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    answer = anonymous.post(eva_link + "/sign", data={"kind": "drawn", "drawn": drawn})
    assert answer.status_code == 302, answer.data

    from addons.itsme_sign.models import SignRequest

    done = SignRequest.get_by_id(request_id)
    assert done.state == "signed"
    signed = bytes(done.signed)
    text = documents.text_of(signed)
    assert "Brussels office" in text and "Jan Peeters" in text
    assert "Signature certificate" in text
    assert done.original_sha256 in text and done.stamped_sha256 in text
    assert "jan@example.be" in text and "eva@example.nl" in text
    assert "no identity check" in text
    status = documents.signature_status(signed, tmp_path / "instance" / "itsme_sign_cert.pem")
    assert status.intact and status.valid and status.trusted
    # Everyone (two signers, the sender) got the signed PDF's link.
    finals = [m for m in mails() if "is signed" in m.subject]
    assert sorted(m.to for m in finals) == ["eva@example.nl", "jan@example.be", "user@example.com"]
    from host.models import MailAttachment

    for mail in finals:
        (attachment,) = MailAttachment.select().where(MailAttachment.mail == mail.id)
        assert attachment.filename == "Employment contract (signed).pdf"
        assert bytes(attachment.data) == signed
    download = re.search(r"http://localhost(/itsme_sign/s/\S+/signed.pdf)", finals[0].body)[1]
    assert anonymous.get(download).data == signed
    assert client.get(f"/itsme_sign/requests/{request_id}/signed.pdf").data == signed
    listing = client.get("/itsme_sign/requests?state=signed").data.decode()
    assert "Employment contract" in listing


def test_the_list_follows_a_sent_request_until_it_is_final(sender_client, ready):
    from addons.itsme_sign import lifecycle

    sign_request, _ = ready()
    lifecycle.send(sign_request)
    listing = sender_client.get("/itsme_sign/requests").data.decode()
    badge_url = f"/itsme_sign/requests/{sign_request.id}/badge"
    assert f'data-poll="{badge_url}"' in listing
    assert "data-poll" in sender_client.get(badge_url).data.decode()
    lifecycle.cancel(type(sign_request).get_by_id(sign_request.id))
    badge = sender_client.get(badge_url).data.decode()
    assert "Canceled" in badge and "data-poll" not in badge
