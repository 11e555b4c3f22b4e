"""Automatic top-ups with Stripe: the card saved at checkout when the admin
asks, then charged off-session (a PaymentIntent confirmed with the buyer away),
against the fake Stripe on loopback."""

from decimal import Decimal

import pytest

from addons.iap import balance, charge
from addons.iap.models import Account, Order
from tests.addons.iap.test_iap_payments import post_webhook, stripe_app  # noqa: F401


def buy_and_pay(client, fake, *, save: bool, payment_method="pm_card_visa"):
    page = client.get("/iap/buy/widget").get_data(as_text=True)
    assert "Save the card for automatic top-ups" in page
    data = {"save_method": "on"} if save else {}
    response = client.post("/iap/buy/widget/starter", data=data)
    assert response.status_code == 303
    session_id = next(iter(fake.sessions))
    fake.complete(session_id, deliver=False, payment_method=payment_method)
    payload, header = fake.signed_event(session_id)
    assert post_webhook(client, payload, header).status_code == 200
    return session_id


def turn_on_topup(client, below="5"):
    response = client.post(
        "/iap/accounts/widget",
        data={
            "topup_enabled": "on",
            "topup_below": below,
            "topup_pack": "starter",
            "topup_max_per_month": "2",
        },
    )
    assert response.status_code == 302
    assert Account.get(Account.service == "widget").topup_enabled


def test_the_card_is_saved_only_when_asked(widget, stripe_app, admin_client, fake_stripe):  # noqa: F811
    buy_and_pay(admin_client, fake_stripe, save=False)
    [created] = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert "customer_creation" not in created.params
    assert "setup_future_usage" not in created.params["payment_intent_data"]
    assert Account.get(Account.service == "widget").saved_method == ""
    response = admin_client.post(
        "/iap/accounts/widget",
        data={"topup_enabled": "on", "topup_below": "5", "topup_pack": "starter"},
    )
    assert "Buy a pack once with a card you save" in response.get_data(as_text=True)


def test_auto_topup_charges_the_saved_card_off_session(
    widget,
    stripe_app,  # noqa: F811
    admin_client,
    fake_stripe,
):
    buy_and_pay(admin_client, fake_stripe, save=True)
    [created] = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert created.params["customer_creation"] == "always"
    assert created.params["payment_intent_data"]["setup_future_usage"] == "off_session"
    [customer] = fake_stripe.customers
    account = Account.get(Account.service == "widget")
    assert account.saved_method == f"stripe:{customer}/pm_card_visa"
    assert balance("widget") == 10
    page = admin_client.get("/iap/accounts/widget").get_data(as_text=True)
    assert "a card kept by Stripe" in page and customer not in page

    turn_on_topup(admin_client)
    for _ in range(4):  # 6 credits each: below 5 three times, two top-ups allowed a month
        with charge("widget", Decimal(6)):
            pass
    autos = list(Order.select().where(Order.origin == "auto").order_by(Order.id))
    assert [o.state for o in autos] == ["paid", "paid"]
    charges = fake_stripe.requests_to("POST", "/v1/payment_intents")
    assert len(charges) == 2
    for order, request in zip(autos, charges, strict=True):
        params = request.form_dict
        assert (params["amount"], params["currency"]) == ("1000", "eur")
        assert (params["customer"], params["payment_method"]) == (customer, "pm_card_visa")
        assert (params["off_session"], params["confirm"]) == ("true", "true")
        assert params["metadata[order_reference]"] == order.token
        assert fake_stripe.payment_intents[order.provider_ref]["status"] == "succeeded"
    assert balance("widget") == 10 + 20 - 24


@pytest.mark.parametrize(
    "method, message",
    [
        ("pm_card_chargeDeclined", "The saved card was declined"),
        ("pm_card_chargeDeclinedInsufficientFunds", "The saved card was declined"),
        ("pm_card_authenticationRequired", "The bank asks the cardholder to confirm"),
    ],
)
def test_a_declined_saved_card_credits_nothing_and_turns_topup_off(
    widget,
    stripe_app,  # noqa: F811
    admin_client,
    fake_stripe,
    method,
    message,
):
    buy_and_pay(admin_client, fake_stripe, save=True, payment_method=method)
    turn_on_topup(admin_client)
    for _ in range(2):
        with charge("widget", Decimal(3)):
            pass
    [auto] = Order.select().where(Order.origin == "auto")
    assert auto.state == "failed" and message in auto.error
    assert fake_stripe.api_key not in auto.error
    assert balance("widget") == 10 - 6  # nothing credited
    # Off, rather than trying the same card again at every charge.
    assert not Account.get(Account.service == "widget").topup_enabled
    page = admin_client.get("/iap/accounts/widget").get_data(as_text=True)
    assert message in page


def test_a_charge_retried_after_a_lost_connection_charges_once(
    widget,
    stripe_app,  # noqa: F811
    admin_client,
    fake_stripe,
):
    from addons.iap import payments

    buy_and_pay(admin_client, fake_stripe, save=True)
    account = Account.get(Account.service == "widget")
    order = payments.create_order(
        _widget(),
        "starter",
        user_id=None,
        provider="stripe",
        origin="auto",
    )
    provider = payments.providers()["stripe"]
    method = account.saved_method.partition(":")[2]
    fake_stripe.drop_next()  # the first answer is lost; the library retries, same key
    first = provider.charge_saved(order, method)
    again = provider.charge_saved(order, method)  # the job itself retried
    assert first == again
    assert len(fake_stripe.payment_intents) == 2  # the checkout's, and this one
    assert len(fake_stripe.requests_to("POST", "/v1/payment_intents")) == 3


def _widget():
    from addons.iap.services import get_service

    return get_service("widget")


def test_iap_installed_before_saved_cards_gets_the_column_on_restart(app, widget):
    from host import db
    from host.migrations import AddonSchema
    from tests.host.addon_kit import close_app, rebuild

    db.execute_sql("ALTER TABLE iap_order DROP COLUMN save_method")
    AddonSchema.update(version=0).where(AddonSchema.addon == "iap").execute()
    restarted = rebuild(
        app,
        HOST_BUILTIN_ADDONS=app.config["HOST_BUILTIN_ADDONS"],
        HOST_EXTRA_ADDONS=app.config["HOST_EXTRA_ADDONS"],
    )
    try:
        with restarted.app_context():
            from addons.iap.migrations import MIGRATIONS

            assert AddonSchema.get(AddonSchema.addon == "iap").version == MIGRATIONS[-1].version
            assert "save_method" in {c.name for c in db.get_columns("iap_order")}
    finally:
        close_app(restarted)


def test_stripe_down_during_a_topup_keeps_the_order_and_pays_it_once_later(
    widget,
    stripe_app,  # noqa: F811
    admin_client,
    fake_stripe,
    monkeypatch,
):
    from addons.iap import payments
    from addons.iap.stripe_gateway import PaymentProviderError

    buy_and_pay(admin_client, fake_stripe, save=True)
    turn_on_topup(admin_client, below="20")  # 10 available: a top-up is due
    account = Account.get(Account.service == "widget")
    fake_stripe.fail_next(503, times=20)  # more than the library's own retries
    with pytest.raises(PaymentProviderError):
        payments.auto_topup(account.id)  # the job fails and huey retries it
    [pending] = Order.select().where(Order.origin == "auto")
    assert pending.state == "pending" and balance("widget") == 10
    fake_stripe.clear_failures()  # Stripe is back
    paid = payments.auto_topup(account.id)  # the retry: the same order, paid once
    assert paid.id == pending.id and paid.state == "paid"
    assert payments.auto_topup(account.id) is None  # 20 available: none due any more
    succeeded = [
        pi
        for pi in fake_stripe.payment_intents.values()
        if pi["metadata"].get("order_reference") == pending.token
    ]
    assert len(succeeded) == 1 and succeeded[0]["status"] == "succeeded"
    assert balance("widget") == 20


def test_a_card_saved_with_another_provider_never_pays(widget, app, admin_client, fake_stripe):
    """Issue 11 #1: a demo card saved before the switch to Stripe must not keep
    buying packs for free; the account page says it cannot be used."""
    from tests.addons.iap.test_iap_payments import GOOD_CARD, start_purchase

    admin_client.post(start_purchase(admin_client, "starter"), data={**GOOD_CARD, "save": "on"})
    turn_on_topup(admin_client)
    app.config.update(
        IAP_PAYMENT_PROVIDER="stripe",
        STRIPE_API_KEY=fake_stripe.api_key,
        STRIPE_WEBHOOK_SECRET=fake_stripe.webhook_secret,
        STRIPE_API_BASE=fake_stripe.api_base,
    )
    for _ in range(2):
        with charge("widget", Decimal(4)):
            pass
    assert balance("widget") == 10 - 8
    assert not Order.select().where(Order.origin == "auto").exists()
    assert fake_stripe.requests_to("POST", "/v1/payment_intents") == []
    page = admin_client.get("/iap/accounts/widget").get_data(as_text=True)
    assert "which is not the active payment provider: it cannot be used" in page
    # Nor can top-ups be turned on again with it.
    response = admin_client.post(
        "/iap/accounts/widget",
        data={"topup_enabled": "on", "topup_below": "5", "topup_pack": "starter"},
    )
    assert "cannot be used" in response.get_data(as_text=True)
