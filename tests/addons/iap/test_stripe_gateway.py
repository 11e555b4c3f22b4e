"""The real StripeGateway (and the real ``stripe`` library) against a fake Stripe on loopback.

The ``fake_stripe`` / ``stripe_gateway`` fixtures live in ``conftest_stripe.py`` next to this
file; the directory's conftest imports them.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import stripe

from addons.iap.stripe_gateway import (
    CheckoutSession,
    PaymentProviderError,
    StripeGateway,
    WebhookSignatureError,
)
from tests.addons.iap.fake_stripe import FakeStripe

ORDER = "IAP-2024-000042"
CHECKOUT = {
    "order_reference": ORDER,
    "description": "100 OCR credits",
    "amount_cents": 1999,
    "currency": "EUR",
    "success_url": "https://shop.example/iap/return?session={CHECKOUT_SESSION_ID}",
    "cancel_url": "https://shop.example/iap/cancel",
}


def gateway_for(fake: FakeStripe, **overrides) -> StripeGateway:
    kwargs = {
        "api_key": fake.api_key,
        "webhook_secret": fake.webhook_secret,
        "api_base": fake.api_base,
        "max_network_retries": 2,
        "timeout": 10,
    }
    kwargs.update(overrides)
    return StripeGateway(**kwargs)


def checkout(gateway: StripeGateway, **overrides) -> CheckoutSession:
    return gateway.create_checkout(**{**CHECKOUT, **overrides})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- create_checkout ----------------------------------------------------------------------


def test_create_checkout_sends_stripe_wire_format(fake_stripe, stripe_gateway):
    session = checkout(stripe_gateway, customer_email="admin@shop.example")

    assert session.id.startswith("cs_test_")
    assert session.url == fake_stripe.checkout_url(session.id)

    request = fake_stripe.last_request
    assert (request.method, request.path) == ("POST", "/v1/checkout/sessions")
    assert request.headers["authorization"] == f"Bearer {fake_stripe.api_key}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.idempotency_key == stripe_gateway.idempotency_key_for(ORDER)
    # Stripe's bracket notation, with the brackets left unescaped by the library.
    assert "line_items[0][price_data][currency]=eur" in request.body
    assert request.form_dict == {
        "mode": "payment",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "eur",
        "line_items[0][price_data][unit_amount]": "1999",
        "line_items[0][price_data][product_data][name]": "100 OCR credits",
        "client_reference_id": ORDER,
        "metadata[order_reference]": ORDER,
        "payment_intent_data[metadata][order_reference]": ORDER,
        "success_url": CHECKOUT["success_url"],
        "cancel_url": CHECKOUT["cancel_url"],
        "customer_email": "admin@shop.example",
    }

    stored = fake_stripe.session(session.id)
    assert stored["amount_total"] == 1999
    assert stored["currency"] == "eur"
    assert stored["mode"] == "payment"
    assert stored["status"] == "open"
    assert stored["payment_status"] == "unpaid"


def test_customer_email_is_optional(fake_stripe, stripe_gateway):
    checkout(stripe_gateway)
    assert "customer_email" not in fake_stripe.last_request.form_dict


def test_retrying_an_order_returns_the_same_session(fake_stripe, stripe_gateway):
    first = checkout(stripe_gateway)
    again = checkout(stripe_gateway)
    other = checkout(stripe_gateway, order_reference="IAP-2024-000043")

    assert again == first
    assert other.id != first.id
    assert len(fake_stripe.sessions) == 2
    posts = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert posts[0].idempotency_key == posts[1].idempotency_key != posts[2].idempotency_key


def test_idempotency_keys_differ_per_prefix(fake_stripe):
    one = gateway_for(fake_stripe, idempotency_prefix="shop-a")
    two = gateway_for(fake_stripe, idempotency_prefix="shop-b")
    assert one.idempotency_key_for(ORDER) != two.idempotency_key_for(ORDER)
    assert checkout(one).id != checkout(two).id


def test_reusing_an_order_reference_for_another_amount_is_refused(fake_stripe, stripe_gateway):
    checkout(stripe_gateway)
    with pytest.raises(PaymentProviderError) as info:
        checkout(stripe_gateway, amount_cents=2999)
    assert info.value.http_status == 400
    assert info.value.retryable is False
    assert "idempotency key" in str(info.value)
    assert len(fake_stripe.sessions) == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"amount_cents": 0},
        {"amount_cents": -5},
        {"amount_cents": 19.99},
        {"amount_cents": True},
        {"currency": "euro"},
        {"currency": ""},
        {"order_reference": ""},
        {"order_reference": "x" * 201},
        {"description": "  "},
        {"success_url": "/relative"},
        {"cancel_url": ""},
    ],
)
def test_create_checkout_rejects_bad_arguments_locally(fake_stripe, stripe_gateway, overrides):
    with pytest.raises(ValueError):
        checkout(stripe_gateway, **overrides)
    assert fake_stripe.requests == []


# -- retrieve -----------------------------------------------------------------------------


def test_retrieve_unpaid_then_paid(fake_stripe, stripe_gateway):
    session = checkout(stripe_gateway)

    status = stripe_gateway.retrieve(session.id)
    assert status.id == session.id
    assert status.paid is False
    assert status.order_reference == ORDER
    assert (status.amount_total, status.currency) == (1999, "eur")
    assert status.payment_intent is None
    assert (status.status, status.payment_status) == ("open", "unpaid")
    assert fake_stripe.last_request.method == "GET"
    assert fake_stripe.last_request.path == f"/v1/checkout/sessions/{session.id}"

    fake_stripe.complete(session.id)

    status = stripe_gateway.retrieve(session.id)
    assert status.paid is True
    assert status.payment_intent.startswith("pi_test_")
    assert (status.status, status.payment_status) == ("complete", "paid")


def test_retrieve_delayed_payment_is_not_paid_until_settled(fake_stripe, stripe_gateway):
    session = checkout(stripe_gateway)
    fake_stripe.complete(session.id, delayed=True)
    status = stripe_gateway.retrieve(session.id)
    assert (status.status, status.paid) == ("complete", False)

    fake_stripe.settle(session.id)
    assert stripe_gateway.retrieve(session.id).paid is True


def test_retrieve_unknown_session(fake_stripe, stripe_gateway):
    with pytest.raises(PaymentProviderError) as info:
        stripe_gateway.retrieve("cs_test_does_not_exist")
    assert info.value.http_status == 404
    assert info.value.code == "resource_missing"
    assert info.value.retryable is False
    assert "No such checkout.session" in str(info.value)


# -- hosted page and webhook delivery -----------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((body, self.headers.get("Stripe-Signature")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_hosted_checkout_pays_redirects_and_calls_back(
    fake_stripe, stripe_gateway, webhook_receiver
):
    host, port = webhook_receiver.server_address[:2]
    fake_stripe.configure_webhook(f"http://{host}:{port}/webhooks/stripe")
    session = checkout(stripe_gateway)

    page = requests.get(session.url, timeout=5)
    assert page.status_code == 200
    assert "100 OCR credits" in page.text
    assert "19.99 EUR" in page.text

    paid = requests.post(session.url, allow_redirects=False, timeout=5)
    assert paid.status_code == 303
    assert paid.headers["Location"] == f"https://shop.example/iap/return?session={session.id}"
    assert stripe_gateway.retrieve(session.id).paid is True

    assert len(webhook_receiver.received) == 1
    assert fake_stripe.webhook_deliveries[0].ok
    payload, header = webhook_receiver.received[0]
    event = stripe_gateway.parse_webhook(payload, header)
    assert event.type == "checkout.session.completed"
    assert event.session.id == session.id
    assert event.session.paid is True
    assert event.session.order_reference == ORDER

    # Paying again changes nothing and sends nothing.
    requests.post(session.url, allow_redirects=False, timeout=5)
    assert len(webhook_receiver.received) == 1


# -- webhooks -----------------------------------------------------------------------------


def test_webhook_completed_event(fake_stripe, stripe_gateway):
    session = checkout(stripe_gateway)
    fake_stripe.complete(session.id)
    payload, header = fake_stripe.signed_event(session.id, fake_stripe.webhook_secret)

    event = stripe_gateway.parse_webhook(payload, header)

    assert event.id.startswith("evt_")
    assert event.type == "checkout.session.completed"
    assert event.livemode is False
    assert event.session.id == session.id
    assert event.session.paid is True
    assert event.session.order_reference == ORDER
    assert (event.session.amount_total, event.session.currency) == (1999, "eur")
    assert event.session.payment_intent.startswith("pi_test_")
    # A str body (already decoded by a framework) is accepted as well.
    assert stripe_gateway.parse_webhook(payload.decode(), header) == event


def test_webhook_delayed_payment_flow(fake_stripe, stripe_gateway):
    session = checkout(stripe_gateway)
    fake_stripe.complete(session.id, delayed=True)
    completed = stripe_gateway.parse_webhook(*fake_stripe.signed_event(session.id))
    assert completed.type == "checkout.session.completed"
    assert completed.session.paid is False

    fake_stripe.settle(session.id)
    settled = stripe_gateway.parse_webhook(
        *fake_stripe.signed_event(session.id, type="checkout.session.async_payment_succeeded")
    )
    assert settled.type == "checkout.session.async_payment_succeeded"
    assert settled.session.paid is True


@pytest.mark.parametrize(
    "event_type",
    ["checkout.session.expired", "checkout.session.async_payment_failed", "charge.refunded"],
)
def test_webhook_other_event_types_pass_through(fake_stripe, stripe_gateway, event_type):
    session = checkout(stripe_gateway)
    event = stripe_gateway.parse_webhook(*fake_stripe.signed_event(session.id, type=event_type))
    assert event.type == event_type
    assert event.session is None


def _forgeries(fake: FakeStripe, payload: bytes, header: str):
    now = int(time.time())
    timestamp, signature = (part.split("=", 1)[1] for part in header.split(","))
    tampered = payload.replace(b'"amount_total": 1999', b'"amount_total": 1')
    assert tampered != payload
    return {
        "wrong secret": (payload, fake.sign(payload, "whsec_someone_else_entirely", now)),
        "tampered body": (tampered, header),
        "signature for another timestamp": (payload, f"t={now + 7},v1={signature}"),
        "v0 scheme only": (payload, f"t={timestamp},v0={signature}"),
        "garbage header": (payload, "t=yesterday,v1=abc"),
        "empty header": (payload, ""),
        "no header": (payload, None),
    }


def test_webhook_forged_signatures_are_rejected(fake_stripe, stripe_gateway):
    session = checkout(stripe_gateway)
    payload, header = fake_stripe.signed_event(session.id)
    assert stripe_gateway.parse_webhook(payload, header).session.id == session.id

    for name, (body, sig) in _forgeries(fake_stripe, payload, header).items():
        with pytest.raises(WebhookSignatureError) as info:
            stripe_gateway.parse_webhook(body, sig)
        assert fake_stripe.webhook_secret not in str(info.value), name


def test_webhook_stale_timestamp_is_rejected(fake_stripe, stripe_gateway):
    session = checkout(stripe_gateway)
    old = int(time.time()) - 301
    payload, header = fake_stripe.signed_event(session.id, timestamp=old)

    with pytest.raises(WebhookSignatureError, match="tolerance"):
        stripe_gateway.parse_webhook(payload, header)
    # Still fine within a wider, explicitly chosen tolerance.
    assert stripe_gateway.parse_webhook(payload, header, tolerance=600).session is not None
    with pytest.raises(ValueError):
        stripe_gateway.parse_webhook(payload, header, tolerance=0)


def test_webhook_signature_error_is_a_value_error():
    assert issubclass(WebhookSignatureError, ValueError)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json at all",
        b"[1, 2, 3]",
        b'{"id": "evt_1", "object": "charge", "type": "charge.succeeded"}',
        b'{"object": "event", "type": "checkout.session.completed"}',
        b'{"id": "evt_1", "object": "event", "type": "checkout.session.completed",'
        b' "data": {"object": {"object": "charge", "id": "ch_1"}}}',
        b'{"id": "evt_1", "object": "event", "type": "checkout.session.completed"}',
        b"\xff\xfe\x00garbage",
    ],
)
def test_webhook_malformed_payload(fake_stripe, stripe_gateway, payload):
    header = fake_stripe.sign(payload, fake_stripe.webhook_secret)
    with pytest.raises(ValueError) as info:
        stripe_gateway.parse_webhook(payload, header)
    if payload != b"\xff\xfe\x00garbage":
        assert not isinstance(info.value, WebhookSignatureError)


def test_webhook_without_configured_secret(fake_stripe):
    gateway = gateway_for(fake_stripe, webhook_secret=None)
    session = checkout(gateway)
    with pytest.raises(WebhookSignatureError, match="no Stripe webhook signing secret"):
        gateway.parse_webhook(*fake_stripe.signed_event(session.id))


# -- errors -------------------------------------------------------------------------------


def test_wrong_api_key(fake_stripe):
    bad_key = "sk_test_WRONGwrongWRONG0123456789"
    gateway = gateway_for(fake_stripe, api_key=bad_key)

    with pytest.raises(PaymentProviderError) as info:
        checkout(gateway)

    error = info.value
    assert error.http_status == 401
    assert error.retryable is False
    assert "API key" in str(error)
    for text in (str(error), repr(error), error.message):
        assert bad_key not in text
        assert bad_key[-4:] not in text
    assert error.__cause__ is None and error.__context__ is None  # no raw library error chained
    assert fake_stripe.last_request.status == 401
    assert fake_stripe.last_request.headers["authorization"] == f"Bearer {bad_key}"
    assert fake_stripe.sessions == {}


def test_secrets_echoed_by_the_server_are_scrubbed(fake_stripe, stripe_gateway):
    fake_stripe.fail_next(
        400, message=f"bad request for {fake_stripe.api_key} / {fake_stripe.webhook_secret}"
    )
    with pytest.raises(PaymentProviderError) as info:
        checkout(stripe_gateway)
    text = str(info.value) + repr(info.value)
    assert fake_stripe.api_key not in text
    assert fake_stripe.webhook_secret not in text
    assert "[redacted]" in text


def test_secrets_not_in_repr_or_logs(fake_stripe, caplog):
    caplog.set_level(logging.DEBUG)
    gateway = gateway_for(fake_stripe)
    assert fake_stripe.api_key not in repr(gateway)
    assert fake_stripe.webhook_secret not in repr(gateway)

    session = checkout(gateway)
    fake_stripe.complete(session.id)
    gateway.retrieve(session.id)
    gateway.parse_webhook(*fake_stripe.signed_event(session.id))
    fake_stripe.fail_next(500, times=3)
    with pytest.raises(PaymentProviderError):
        gateway.retrieve(session.id)

    assert caplog.records, "expected the flow to log something"
    assert fake_stripe.api_key not in caplog.text
    assert fake_stripe.webhook_secret not in caplog.text


def test_server_error_is_retryable(fake_stripe):
    gateway = gateway_for(fake_stripe, max_network_retries=0)
    fake_stripe.fail_next(500)

    with pytest.raises(PaymentProviderError) as info:
        checkout(gateway)

    assert info.value.retryable is True
    assert info.value.http_status == 500
    assert "HTTP 500" in str(info.value)
    assert len(fake_stripe.requests) == 1
    # Nothing was created, so the caller's later retry succeeds with the same key.
    assert checkout(gateway).id in fake_stripe.sessions


def test_library_retry_reuses_the_idempotency_key(fake_stripe, stripe_gateway):
    fake_stripe.fail_next(503)

    session = checkout(stripe_gateway)

    posts = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert [p.status for p in posts] == [503, 200]
    assert {p.idempotency_key for p in posts} == {stripe_gateway.idempotency_key_for(ORDER)}
    assert list(fake_stripe.sessions) == [session.id]


def test_retries_exhausted(fake_stripe, stripe_gateway):
    fake_stripe.fail_next(500, times=3)

    with pytest.raises(PaymentProviderError) as info:
        checkout(stripe_gateway)

    assert info.value.retryable is True
    posts = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert len(posts) == 3  # first try + max_network_retries=2
    assert len({p.idempotency_key for p in posts}) == 1
    assert fake_stripe.sessions == {}


def test_stripe_should_retry_false_is_honoured(fake_stripe, stripe_gateway):
    fake_stripe.fail_next(500, should_retry=False)
    with pytest.raises(PaymentProviderError) as info:
        checkout(stripe_gateway)
    assert info.value.retryable is False
    assert len(fake_stripe.requests) == 1


def test_dropped_connection_is_retried_with_the_same_key(fake_stripe, stripe_gateway):
    fake_stripe.drop_next()
    session = checkout(stripe_gateway)
    posts = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert len(posts) == 2
    assert posts[0].idempotency_key == posts[1].idempotency_key
    assert list(fake_stripe.sessions) == [session.id]


def test_connection_errors_are_retryable(fake_stripe):
    gateway = gateway_for(fake_stripe, max_network_retries=1)
    fake_stripe.drop_next(times=2)
    with pytest.raises(PaymentProviderError) as info:
        checkout(gateway)
    assert info.value.retryable is True
    assert info.value.http_status is None
    assert str(info.value).startswith("could not reach Stripe")

    nowhere = gateway_for(
        fake_stripe, api_base=f"http://127.0.0.1:{free_port()}", max_network_retries=0
    )
    with pytest.raises(PaymentProviderError) as info:
        nowhere.retrieve("cs_test_x")
    assert info.value.retryable is True


@pytest.mark.parametrize(
    ("status", "retryable", "code", "requests_made"),
    [
        (400, False, None, 1),
        (402, False, "card_declined", 1),
        (403, False, None, 1),
        (409, True, None, 3),  # the library retries conflicts itself
        (429, True, "rate_limit", 1),
        (502, True, None, 3),
    ],
)
def test_error_mapping(fake_stripe, stripe_gateway, status, retryable, code, requests_made):
    fake_stripe.fail_next(status, times=3)
    with pytest.raises(PaymentProviderError) as info:
        checkout(stripe_gateway)
    assert info.value.http_status == status
    assert info.value.retryable is retryable
    assert info.value.code == code
    assert len(fake_stripe.requests) == requests_made
    assert info.value.request_id and info.value.request_id.startswith("req_")


def test_two_gateways_do_not_share_credentials(fake_stripe):
    with FakeStripe(api_key="sk_test_second_account_000000000") as other:
        one = gateway_for(fake_stripe)
        two = gateway_for(other)
        a, b = checkout(one), checkout(two)
        assert a.id in fake_stripe.sessions and b.id in other.sessions
        assert other.last_request.headers["authorization"] == f"Bearer {other.api_key}"
        assert fake_stripe.last_request.headers["authorization"] == f"Bearer {fake_stripe.api_key}"
    assert stripe.api_key is None


def test_fake_rejects_what_real_stripe_rejects(fake_stripe):
    """Guards the fake itself: unknown params and missing auth fail like Stripe."""
    base = fake_stripe.api_base + "/v1/checkout/sessions"
    auth = {"Authorization": f"Bearer {fake_stripe.api_key}"}

    missing = requests.post(base, data={"mode": "payment"}, timeout=5)
    assert missing.status_code == 401
    assert missing.json()["error"]["type"] == "invalid_request_error"

    unknown = requests.post(
        base, data={"mode": "payment", "colour": "red"}, headers=auth, timeout=5
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["param"] == "colour"

    no_quantity = requests.post(
        base,
        data={
            "mode": "payment",
            "line_items[0][price_data][currency]": "eur",
            "line_items[0][price_data][unit_amount]": "100",
            "line_items[0][price_data][product_data][name]": "x",
        },
        headers=auth,
        timeout=5,
    )
    assert no_quantity.status_code == 400
    assert no_quantity.json()["error"]["param"] == "line_items[0][quantity]"
    assert json.loads(no_quantity.text)["error"]["message"].startswith("Missing required param")
