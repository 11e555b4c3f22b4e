"""Buying packs: the demo card form, Stripe Checkout, crediting exactly once."""

import threading
from decimal import Decimal

import pytest

from addons.iap import balance
from addons.iap.models import Entry, Order

GOOD_CARD = {"number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123"}


def start_purchase(client, pack="standard"):
    response = client.post(f"/iap/buy/widget/{pack}")
    assert response.status_code == 303
    return response.headers["Location"]


def test_demo_purchase_credits_the_pack_once(widget, admin_client):
    pay_url = start_purchase(admin_client)
    page = admin_client.get(pay_url).get_data(as_text=True)
    assert "TEST MODE" in page and "Pay €90.00" in page
    done = admin_client.post(pay_url, data=GOOD_CARD)
    assert done.status_code == 303
    assert balance("widget") == 100
    # Reloading the return page, or posting the form again, credits nothing more.
    for _ in range(3):
        assert "Thank you" in admin_client.get(done.headers["Location"]).get_data(as_text=True)
        admin_client.post(pay_url, data=GOOD_CARD)
    assert balance("widget") == 100
    assert Order.get().state == "paid"
    assert Entry.select().where(Entry.kind == "purchase").count() == 1


@pytest.mark.parametrize(
    "card, message",
    [
        ({**GOOD_CARD, "number": "4242 4242 4242 4241"}, "This card number is not valid."),
        ({**GOOD_CARD, "number": "4000 0000 0000 0002"}, "The card was declined."),
        ({**GOOD_CARD, "expiry": "01/20"}, "This card has expired."),
        ({**GOOD_CARD, "expiry": "13/30"}, "Give the expiry date as MM/YY."),
        ({**GOOD_CARD, "cvc": "12"}, "The security code has 3 or 4 digits."),
        # Digits to str.isdigit() that int() refuses: a 500 once.
        ({**GOOD_CARD, "number": "4242 4242 4242 424²"}, "This card number is not valid."),
        ({**GOOD_CARD, "expiry": "①²/30"}, "Give the expiry date as MM/YY."),
        ({**GOOD_CARD, "cvc": "²²²"}, "The security code has 3 or 4 digits."),
    ],
)
def test_bad_cards_credit_nothing(widget, admin_client, card, message):
    pay_url = start_purchase(admin_client)
    response = admin_client.post(pay_url, data=card)
    assert response.status_code == 402
    assert message in response.get_data(as_text=True)
    assert balance("widget") == 0 and Order.get().state == "pending"


def test_unknown_pack_and_service_are_404(widget, admin_client):
    assert admin_client.post("/iap/buy/widget/mega").status_code == 404
    assert admin_client.get("/iap/buy/nothing").status_code == 404


def test_buying_is_for_admins(widget, user_client):
    assert user_client.get("/iap/buy/widget").status_code == 403
    assert user_client.post("/iap/buy/widget/starter").status_code == 403


@pytest.fixture
def stripe_app(app, fake_stripe):
    app.config.update(
        IAP_PAYMENT_PROVIDER="stripe",
        STRIPE_API_KEY=fake_stripe.api_key,
        STRIPE_WEBHOOK_SECRET=fake_stripe.webhook_secret,
        STRIPE_API_BASE=fake_stripe.api_base,
    )
    return app


def stripe_purchase(client, fake):
    checkout_url = start_purchase(client)
    session_id = next(iter(fake.sessions))
    assert checkout_url == fake.sessions[session_id]["url"]
    return session_id


def post_webhook(client, payload, header):
    return client.post(
        "/iap/webhooks/stripe",
        data=payload,
        csrf=False,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


def test_stripe_webhook_replayed_ten_times_credits_once(
    widget, stripe_app, admin_client, fake_stripe
):
    session_id = stripe_purchase(admin_client, fake_stripe)
    fake_stripe.complete(session_id, deliver=False)
    payload, header = fake_stripe.signed_event(session_id)
    for _ in range(10):
        assert post_webhook(admin_client, payload, header).status_code == 200
    assert balance("widget") == 100
    order = Order.get()
    assert order.state == "paid" and order.provider_ref == session_id
    # The buyer's browser comes back after the webhook: nothing more.
    page = admin_client.get(f"/iap/orders/{order.token}?session_id={session_id}")
    assert "Thank you" in page.get_data(as_text=True)
    assert balance("widget") == 100


def test_stripe_return_page_confirms_without_webhook(widget, stripe_app, admin_client, fake_stripe):
    session_id = stripe_purchase(admin_client, fake_stripe)
    order = Order.get()
    pending = admin_client.get(f"/iap/orders/{order.token}?session_id={session_id}")
    assert "Waiting for the payment" in pending.get_data(as_text=True)
    fake_stripe.complete(session_id, deliver=False)
    for _ in range(3):
        admin_client.get(f"/iap/orders/{order.token}?session_id={session_id}")
    assert balance("widget") == 100


def test_webhook_racing_the_return_page_credits_once(
    widget, stripe_app, admin_client, fake_stripe, app
):
    session_id = stripe_purchase(admin_client, fake_stripe)
    fake_stripe.complete(session_id, deliver=False)
    order = Order.get()
    payload, header = fake_stripe.signed_event(session_id)
    barrier = threading.Barrier(6)
    errors = []

    def hit(kind):
        try:
            client = app.test_client()
            from host.models import User
            from host.testing import log_in

            with app.app_context():
                log_in(client, User.get(User.is_admin))
            barrier.wait()
            if kind == "webhook":
                post_webhook(client, payload, header)
            else:
                client.get(f"/iap/orders/{order.token}?session_id={session_id}")
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=hit, args=(k,)) for k in ["webhook", "return"] * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert balance("widget") == 100
    assert Entry.select().where(Entry.kind == "purchase").count() == 1


def test_forged_and_stale_webhooks_credit_nothing(widget, stripe_app, admin_client, fake_stripe):
    session_id = stripe_purchase(admin_client, fake_stripe)
    fake_stripe.complete(session_id, deliver=False)
    payload, _ = fake_stripe.signed_event(session_id)
    forged = fake_stripe.sign(payload, "whsec_attacker")
    assert post_webhook(admin_client, payload, forged).status_code == 400
    stale = fake_stripe.sign(payload, fake_stripe.webhook_secret, timestamp=1_000_000)
    assert post_webhook(admin_client, payload, stale).status_code == 400
    tampered = payload.replace(b'"paid"', b'"paid" ')
    _, header = fake_stripe.signed_event(session_id)
    assert post_webhook(admin_client, tampered, header).status_code == 400
    assert post_webhook(admin_client, b"{not json", "t=1,v1=00").status_code == 400
    assert balance("widget") == 0 and Order.get().state == "pending"


def test_unpaid_session_is_not_credited(widget, stripe_app, admin_client, fake_stripe):
    session_id = stripe_purchase(admin_client, fake_stripe)
    fake_stripe.complete(session_id, delayed=True, deliver=False)
    payload, header = fake_stripe.signed_event(session_id)
    assert post_webhook(admin_client, payload, header).status_code == 200
    assert balance("widget") == 0
    fake_stripe.settle(session_id, deliver=False)
    payload, header = fake_stripe.signed_event(
        session_id, type="checkout.session.async_payment_succeeded"
    )
    assert post_webhook(admin_client, payload, header).status_code == 200
    assert balance("widget") == 100


def test_stripe_down_shows_a_clear_message(widget, stripe_app, admin_client, fake_stripe):
    fake_stripe.fail_next(500, times=5)
    response = admin_client.post("/iap/buy/widget/standard")
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Stripe did not start the payment" in page
    assert fake_stripe.api_key not in page


def test_an_odd_unicode_monthly_cap_is_refused_not_a_500(widget, admin_client):
    form = {"topup_enabled": "on", "topup_below": "5", "topup_pack": "starter"}
    response = admin_client.post("/iap/accounts/widget", data={**form, "topup_max_per_month": "²"})
    assert response.status_code == 422
    assert "Between 1 and 31 top-ups a month." in response.get_data(as_text=True)


def test_auto_topup_buys_again_within_the_monthly_cap(widget, admin_client, app):
    from addons.iap import charge
    from addons.iap.models import Account

    pay_url = start_purchase(admin_client, "starter")
    admin_client.post(pay_url, data={**GOOD_CARD, "save": "on"})
    account = Account.get(Account.service == "widget")
    assert account.saved_method == "demo:demo_card_4242"
    response = admin_client.post(
        "/iap/accounts/widget",
        data={
            "topup_enabled": "on",
            "topup_below": "5",
            "topup_pack": "starter",
            "topup_max_per_month": "2",
        },
    )
    assert response.status_code == 302
    for _ in range(4):
        with charge("widget", Decimal(6)):
            pass
    autos = Order.select().where(Order.origin == "auto")
    assert autos.count() == 2 and all(o.state == "paid" for o in autos)
    assert balance("widget") == 10 + 20 - 24


class VoucherProvider:
    """A third-party provider, declared through the iap_payment_providers hook."""

    from host import Manifest

    manifest = Manifest(name="voucher", title="Vouchers", depends=("iap",))

    from host import hookimpl

    @hookimpl
    def iap_payment_providers(self):
        from addons.iap.payments import PaymentProvider, confirm_order

        class Voucher(PaymentProvider):
            key = "voucher"
            name = "Prepaid voucher"

            def start(self, order):
                confirm_order(order.id, provider_ref=f"voucher-{order.id}")
                return f"/iap/orders/{order.token}"

        return [Voucher()]


def test_third_party_payment_provider(app, host_config, admin):
    from host import create_app
    from host.testing import HostClient, log_in

    config = {
        **app.config,
        "HOST_EXTRA_ADDONS": [*host_config["HOST_EXTRA_ADDONS"], VoucherProvider()],
        "IAP_PAYMENT_PROVIDER": "voucher",
    }
    other = create_app(config)
    other.test_client_class = HostClient
    with other.app_context():
        other.extensions["host"].enable("widget")
        other.extensions["host"].enable("voucher")
        client = log_in(other.test_client(), admin)
        assert "Prepaid voucher" in client.get("/iap/buy/widget").get_data(as_text=True)
        response = client.post("/iap/buy/widget/starter")
        assert response.status_code == 303
        assert "Thank you" in client.get(response.headers["Location"]).get_data(as_text=True)
        assert balance("widget") == 10
        assert Order.get().provider == "voucher"
