"""Mail to people who are not users: declared templates, the administrators'
wording, escaped rendering, delivery over a real SMTP server."""

import pytest

from examples.hooks import mail_template
from host import MailTemplate, MailTemplateError, send_mail_template
from host.models import MailMessage, MailTemplateText
from tests.host.addon_kit import kit_config

LINK = "https://iap.example.com/quicksign/s/tok?a=1&b=2"


@pytest.fixture
def host_config(smtp_server):
    return kit_config(
        mail_template,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_DEFAULT_SENDER="IAP Host <noreply@example.com>",
    )


def _parts(message):
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    return text, html


def test_default_wording_reaches_the_signer_over_smtp(app, enable, smtp_server):
    enable("quicksign")
    mail = mail_template.request_signature(
        "jan@example.com", "Jan", "Marie Dubois", "Quote 42", LINK
    )
    assert MailMessage.get_by_id(mail.id).state == "sent"
    [message] = smtp_server.messages
    assert message["To"] == "jan@example.com"
    assert message["Subject"] == "Marie Dubois asks you to sign Quote 42"
    text, html = _parts(message)
    assert text.startswith("Hello Jan,\n\nMarie Dubois asks you to sign Quote 42:\n" + LINK)
    assert f'<a href="{LINK.replace("&", "&amp;")}">' in html
    assert "<p>Hello Jan,</p>" in html


def test_values_cannot_inject_markup_or_headers(app, enable, smtp_server):
    enable("quicksign")
    mail_template.request_signature(
        "jan@example.com",
        '<img src="https://evil.example/x">',
        "Marie",
        "Quote\r\nBcc: everyone@example.com",
        LINK,
    )
    [message] = smtp_server.messages
    assert message["Bcc"] is None
    assert message["Subject"] == "Marie asks you to sign Quote Bcc: everyone@example.com"
    text, html = _parts(message)
    assert '<img src="https://evil.example/x">' in text  # plain text shows what was given
    assert "<img" not in html and "&lt;img src=" in html


def test_administrator_rewords_the_mail_with_a_preview(app, enable, admin_client, smtp_server):
    enable("quicksign")
    listing = admin_client.get("/mail-templates").get_data(as_text=True)
    assert "Signature request" in listing and "Default" in listing
    form = admin_client.get("/mail-templates/quicksign.request").get_data(as_text=True)
    assert "Marie Dubois asks you to sign Quote 2026-042" in form  # preview from the samples
    saved = admin_client.post(
        "/mail-templates/quicksign.request",
        data={"subject": "Please sign {{ document }}", "body": "Dear {{ signer }}: {{ link }}"},
        follow_redirects=True,
    )
    assert "Signature request saved." in saved.get_data(as_text=True)
    assert "Reworded" in admin_client.get("/mail-templates").get_data(as_text=True)
    mail_template.request_signature("jan@example.com", "Jan", "Marie", "Quote 42", LINK)
    assert smtp_server.messages[-1]["Subject"] == "Please sign Quote 42"
    assert _parts(smtp_server.messages[-1])[0].strip() == f"Dear Jan: {LINK}"

    admin_client.post("/mail-templates/quicksign.request", data={"action": "reset"})
    assert not MailTemplateText.select().exists()
    mail_template.request_signature("jan@example.com", "Jan", "Marie", "Quote 42", LINK)
    assert smtp_server.messages[-1]["Subject"] == "Marie asks you to sign Quote 42"


@pytest.mark.parametrize(
    "body, message",
    [
        ("Dear {{ signr }}", "Unknown placeholder: 'signr' is undefined."),
        ("Dear {{ signer }", "The template does not read (line 1)"),
        ("{{ signer.__class__.__mro__ }}", "attribute '__class__' of 'str' object is unsafe"),
        ("", "A mail needs a body."),
    ],
)
def test_a_wording_that_does_not_render_is_refused(app, enable, admin_client, body, message):
    enable("quicksign")
    page = admin_client.post(
        "/mail-templates/quicksign.request", data={"subject": "Sign", "body": body}
    )
    assert page.status_code == 422
    assert message in page.get_data(as_text=True).replace("&#39;", "'")
    assert not MailTemplateText.select().exists()


def test_a_broken_stored_wording_falls_back_to_the_default(app, enable, smtp_server):
    enable("quicksign")
    # Saved before an upgrade renamed the placeholder: the mail still goes out.
    MailTemplateText.create(key="quicksign.request", subject="Sign", body="Dear {{ old_name }}")
    mail_template.request_signature("jan@example.com", "Jan", "Marie", "Quote 42", LINK)
    assert smtp_server.messages[-1]["Subject"] == "Marie asks you to sign Quote 42"


def test_only_administrators_edit_with_a_csrf_token(app, enable, user_client, admin_client):
    enable("quicksign")
    assert user_client.get("/mail-templates").status_code == 403
    assert user_client.get("/mail-templates/quicksign.request").status_code == 403
    refused = admin_client.post(
        "/mail-templates/quicksign.request", data={"subject": "x", "body": "y"}, csrf=False
    )
    assert refused.status_code == 400
    assert not MailTemplateText.select().exists()


def test_disabled_addon_mails_are_neither_listed_nor_sent(app, admin_client):
    assert "Signature request" not in admin_client.get("/mail-templates").get_data(as_text=True)
    assert admin_client.get("/mail-templates/quicksign.request").status_code == 404
    with pytest.raises(LookupError, match="quicksign.request"):
        send_mail_template("quicksign.request", to="jan@example.com", values={})


def test_missing_values_are_an_error_for_the_addon_author(app, enable):
    enable("quicksign")
    with pytest.raises(MailTemplateError, match="'link' is undefined"):
        send_mail_template(
            "quicksign.request",
            to="jan@example.com",
            values={"signer": "Jan", "sender": "M", "document": "D"},
        )
    assert not MailMessage.select().exists()


def test_declarations_are_checked_when_made():
    with pytest.raises(ValueError, match="<addon>.<name>"):
        MailTemplate(id="request", name="x", subject="s", body="b")
    with pytest.raises(MailTemplateError, match="'who' is undefined"):
        MailTemplate(id="kit.hello", name="x", subject="s", body="Hi {{ who }}")


def test_settings_page_links_to_the_templates(app, enable, admin_client):
    assert "Mail templates" not in admin_client.get("/settings").get_data(as_text=True)
    enable("quicksign")
    assert [t.id for t in mail_template.mail_templates()] == ["quicksign.request"]
    page = admin_client.get("/settings").get_data(as_text=True)
    assert "1 mail that apps send" in page and 'href="/mail-templates"' in page


def test_attachments_travel_with_the_mail(app, enable, smtp_server):
    from host.models import MailAttachment

    enable("quicksign")
    pdf = b"%PDF-1.4 signed document"
    mail = send_mail_template(
        "quicksign.request",
        to="jan@example.com",
        values={"signer": "Jan", "sender": "Marie", "document": "Quote 42", "link": LINK},
        attachments=[("Quote 42 (signed).pdf", "application/pdf", pdf)],
    )
    assert MailMessage.get_by_id(mail.id).state == "sent"
    [message] = smtp_server.messages
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "Quote 42 (signed).pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf
    assert MailAttachment.select().where(MailAttachment.mail == mail.id).count() == 1


def test_the_outbox_lists_attachments_and_gives_them_to_admins_only(
    app, enable, admin_client, user_client
):
    app.config["MAIL_SERVER"] = None
    enable("quicksign")
    send_mail_template(
        "quicksign.request",
        to="jan@example.com",
        values={"signer": "Jan", "sender": "Marie", "document": "Quote 42", "link": LINK},
        attachments=[("Quote 42 (signed).pdf", "application/pdf", b"%PDF-1.4 x")],
    )
    page = admin_client.get("/outbox").data.decode()
    assert "📎 Quote 42 (signed).pdf" in page
    from host.models import MailAttachment

    url = f"/outbox/attachments/{MailAttachment.get().id}"
    answer = admin_client.get(url)
    assert answer.data == b"%PDF-1.4 x"
    assert answer.headers["Content-Type"] == "application/pdf"
    assert "attachment;" in answer.headers["Content-Disposition"]
    assert user_client.get(url).status_code == 403
