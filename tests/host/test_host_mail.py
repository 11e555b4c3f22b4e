"""Outgoing mail: the Outbox without a server, SMTP delivery, and retries while it is down."""

import email
import socket
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from host import RetryTask, send_mail
from host.mail import deliver_mail
from host.models import MailMessage
from tests.host.addon_kit import kit_config


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port():
    return _free_port()


@pytest.fixture
def start_smtp(smtp_port):
    """``start_smtp()`` starts an aiosmtpd server on ``smtp_port``, stopped after the test."""
    inbox = Inbox()
    controllers = []

    def start():
        controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        controllers.append(controller)
        return inbox

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def host_config(smtp_port):
    return kit_config(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_port,
        MAIL_DEFAULT_SENDER="IAP Host <noreply@example.com>",
        # Flask-Mail only pretends to send while TESTING is on.
        MAIL_SUPPRESS_SEND=False,
    )


def _body(message: EmailMessage) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


@pytest.mark.parametrize("host_config", [kit_config()])
def test_without_a_server_mail_waits_in_the_outbox(app, admin_client):
    mail = send_mail("marie@example.com", "Your invoice", "Dear Marie,\nhere it is.")
    stored = MailMessage.get_by_id(mail.id)
    assert (stored.state, stored.attempts, stored.sent_at) == ("outbox", 0, None)
    page = admin_client.get("/outbox").get_data(as_text=True)
    assert "No mail server is configured" in page
    assert "marie@example.com" in page and "Your invoice" in page
    assert "Dear Marie," in page and "<td>outbox" in page


def test_mail_arrives_through_smtp(app, start_smtp):
    inbox = start_smtp()
    mail = send_mail("jan@example.com", "Welcome", "Hello Jan", html="<p>Hello <b>Jan</b></p>")
    stored = MailMessage.get_by_id(mail.id)
    assert stored.state == "sent" and stored.attempts == 1 and stored.sent_at is not None
    [message] = inbox.messages
    assert inbox.recipients == [["jan@example.com"]]
    assert message["Subject"] == "Welcome"
    assert message["To"] == "jan@example.com"
    assert message["From"] == "IAP Host <noreply@example.com>"
    assert _body(message).strip() == "Hello Jan"
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    assert "<b>Jan</b>" in html.get_payload(decode=True).decode()


def test_server_down_delays_the_mail_and_loses_nothing(app, start_smtp, admin_client):
    mail = MailMessage.create(to="lukas@example.com", subject="Reminder", body="Pay me")
    delays = []
    for attempt in (1, 2, 3):
        with pytest.raises(RetryTask) as retry:
            deliver_mail(mail.id)
        delays.append(retry.value.delay)
        stored = MailMessage.get_by_id(mail.id)
        assert (stored.state, stored.attempts) == ("queued", attempt)
        assert stored.last_error
    assert delays[0] > 0 and delays[0] < delays[1] < delays[2]
    assert "(last error)" in admin_client.get("/outbox").get_data(as_text=True)

    inbox = start_smtp()
    assert deliver_mail(mail.id) == "sent"
    stored = MailMessage.get_by_id(mail.id)
    assert (stored.state, stored.attempts) == ("sent", 4)
    assert [m["Subject"] for m in inbox.messages] == ["Reminder"]
    assert _body(inbox.messages[0]).strip() == "Pay me"
    # A retry that was already queued finds the mail sent and sends nothing twice.
    assert deliver_mail(mail.id) == "gone"
    assert len(inbox.messages) == 1


def test_back_off_is_capped(app):
    from host.mail import MAX_BACKOFF

    mail = MailMessage.create(to="a@example.com", subject="s", body="b", attempts=30)
    with pytest.raises(RetryTask) as retry:
        deliver_mail(mail.id)
    assert retry.value.delay == MAX_BACKOFF


def test_deleted_mail_is_skipped(app):
    assert deliver_mail(123456) == "gone"
