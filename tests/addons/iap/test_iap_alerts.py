"""Low-credit warnings: set on the account page, sent once over real SMTP."""

import pytest

from addons.iap import charge, grant, ledger
from addons.iap.models import Account
from host.mail import deliver_mail
from host.models import MailMessage


@pytest.fixture
def mail_app(app, smtp_server):
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False, MAIL_USE_SSL=False
    )
    app.extensions["mail"].server = "127.0.0.1"
    app.extensions["mail"].port = smtp_server.port
    return app


def set_threshold(client, threshold="5", email="boss@example.com"):
    return client.post(
        "/iap/accounts/widget",
        data={"alert_enabled": "on", "alert_threshold": threshold, "alert_email": email},
    )


def spend(amount):
    with charge("widget", amount):
        pass


def test_crossing_the_threshold_sends_one_mail(widget, mail_app, admin_client, smtp_server):
    grant("widget", 10, reason="gift")
    assert set_threshold(admin_client).status_code == 302
    spend(4)  # 6 left: above
    assert smtp_server.messages == []
    spend(2)  # 4 left: crossed
    spend(1)  # still below: no second mail
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["To"] == "boss@example.com"
    body = mail.get_content()
    assert "Balance: 4 credits" in body and "Warning threshold: 5 credits" in body
    assert "/iap/buy/widget" in body
    grant("widget", 10, reason="refill")  # 13: re-armed
    spend(9)  # 4: crossed again
    assert len(smtp_server.messages) == 2


def test_mail_server_down_delays_but_never_loses_the_alert(widget, app, admin_client, smtp_server):
    from host.testing import free_port

    dead = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=dead)
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", dead
    grant("widget", 10, reason="gift")
    set_threshold(admin_client)
    spend(6)
    mail = MailMessage.get()
    assert (mail.state, mail.attempts) == ("queued", 1) and mail.last_error
    app.extensions["mail"].port = smtp_server.port
    assert deliver_mail(mail.id) == "sent"
    assert len(smtp_server.messages) == 1
    assert MailMessage.get_by_id(mail.id).state == "sent"


@pytest.mark.parametrize(
    "threshold, email, message",
    [
        ("-1", "boss@example.com", "The warning threshold is a number of credits, 0 or more."),
        ("lots", "boss@example.com", "The warning threshold is a number of credits, 0 or more."),
        ("5", "not-an-email", "Enter the email address that receives the warning."),
    ],
)
def test_threshold_form_validation(widget, admin_client, threshold, email, message):
    response = set_threshold(admin_client, threshold, email)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert not Account.get(Account.service == "widget").alert_enabled


def test_no_alert_without_the_checkbox(widget, mail_app, smtp_server):
    grant("widget", 10, reason="gift")
    spend(9)
    assert smtp_server.messages == []


def test_an_alert_set_after_charges_is_seen_by_the_next_one(
    widget, mail_app, admin_client, smtp_server
):
    # The first charge has the process keep the account, with no alert to
    # check after a capture; the alert set since sends the next hold the
    # long way, which reads the account again.
    ledger._kept_accounts.pop("widget", None)  # what an earlier test's process kept
    grant("widget", 10, reason="gift")
    spend(1)
    assert ledger._kept_accounts["widget"][1] is False
    assert set_threshold(admin_client).status_code == 302
    spend(5)  # 4 left: crossed
    assert len(smtp_server.messages) == 1
