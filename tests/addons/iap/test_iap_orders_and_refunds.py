"""URLs and webhooks that name something of someone else: a hold of another
service, an order of another provider, a payment of another amount."""

import time

import pytest

from addons.iap import balance, charge, grant
from addons.iap.models import Hold, Order
from addons.iap.testing import ServiceAddon
from tests.addons.iap.test_iap_payments import post_webhook, start_purchase, stripe_purchase


@pytest.fixture
def host_config(host_config):
    host_config["HOST_EXTRA_ADDONS"] = [*host_config["HOST_EXTRA_ADDONS"], ServiceAddon("gadget")]
    return host_config


@pytest.fixture
def stripe_settings(app, fake_stripe):
    return {
        "STRIPE_API_KEY": fake_stripe.api_key,
        "STRIPE_WEBHOOK_SECRET": fake_stripe.webhook_secret,
        "STRIPE_API_BASE": fake_stripe.api_base,
    }


def test_a_refund_url_must_name_the_hold_s_own_service(widget, enable, admin_client):
    enable("gadget")
    grant("widget", 10, reason="gift")
    with charge("widget", 4, reference="w:1"):
        pass
    hold = Hold.get(Hold.reference == "w:1")
    response = admin_client.post(
        f"/iap/accounts/gadget/refund/{hold.id}", data={"amount": "", "reason": "wrong page"}
    )
    assert response.status_code == 404
    assert balance("widget") == 6 and Hold.get_by_id(hold.id).refunded == 0
    admin_client.post(f"/iap/accounts/widget/refund/{hold.id}", data={"reason": "right page"})
    assert balance("widget") == 10


def test_a_stripe_payment_never_credits_a_demo_order(
    app, widget, admin_client, fake_stripe, stripe_gateway, stripe_settings
):
    start_purchase(admin_client)  # the demo provider's order, not paid
    order = Order.get()
    assert order.provider == "demo"
    app.config.update(IAP_PAYMENT_PROVIDER="stripe", **stripe_settings)
    session = stripe_gateway.create_checkout(
        order_reference=order.token,  # someone pays a Stripe session naming the demo order
        description="x",
        amount_cents=int(order.price * 100),
        currency=order.currency.lower(),
        success_url="http://127.0.0.1/ok",
        cancel_url="http://127.0.0.1/no",
    )
    fake_stripe.complete(session.id, deliver=False)
    payload, header = fake_stripe.signed_event(session.id)
    assert post_webhook(admin_client, payload, header).status_code == 200
    assert balance("widget") == 0
    assert Order.get_by_id(order.id).state == "pending"


def test_a_payment_of_another_amount_disputes_the_order(
    app, widget, admin_client, fake_stripe, stripe_settings
):
    app.config.update(IAP_PAYMENT_PROVIDER="stripe", **stripe_settings)
    session_id = stripe_purchase(admin_client, fake_stripe)
    fake_stripe.complete(session_id, deliver=False)
    fake_stripe.sessions[session_id]["amount_total"] = 100  # 1.00 for a 90.00 pack
    payload, header = fake_stripe.signed_event(session_id)
    assert post_webhook(admin_client, payload, header).status_code == 200
    order = Order.get()
    assert order.state == "disputed" and "took 1.00 EUR, not 90.00 EUR" in order.error
    assert balance("widget") == 0
    page = admin_client.get("/iap/accounts/widget").get_data(as_text=True)
    assert "data-disputed" in page and "took 1.00 EUR" in page


def test_a_webhook_signed_in_the_future_is_refused(
    app, widget, admin_client, fake_stripe, stripe_settings
):
    app.config.update(IAP_PAYMENT_PROVIDER="stripe", **stripe_settings)
    session_id = stripe_purchase(admin_client, fake_stripe)
    fake_stripe.complete(session_id, deliver=False)
    payload, _ = fake_stripe.signed_event(session_id)
    secret = fake_stripe.webhook_secret
    future = fake_stripe.sign(payload, secret, timestamp=int(time.time()) + 3600)
    assert post_webhook(admin_client, payload, future).status_code == 400
    assert balance("widget") == 0
    soon = fake_stripe.sign(payload, secret, timestamp=int(time.time()) + 60)  # clock skew
    assert post_webhook(admin_client, payload, soon).status_code == 200
    assert balance("widget") == 100
