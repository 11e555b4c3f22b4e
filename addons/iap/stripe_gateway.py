"""Stripe Checkout as a payment provider for credit packs.

A thin, typed wrapper around the official ``stripe`` library:

* :meth:`StripeGateway.create_checkout` opens a hosted Checkout Session for one order,
* :meth:`StripeGateway.retrieve` reads a session back (e.g. on the success redirect),
* :meth:`StripeGateway.parse_webhook` verifies a ``Stripe-Signature`` and decodes the event.

Each gateway owns its own :class:`stripe.StripeClient`, so two apps (or two tenants) in the
same process never share the module-global ``stripe.api_key``. The API key and the webhook
secret are never logged, never part of ``repr()`` and never part of an exception message.

Every failure talking to Stripe surfaces as :class:`PaymentProviderError`; its ``retryable``
flag tells the caller whether trying again later can help (network trouble, 5xx, 409, 429)
or not (bad key, card declined, invalid request). Retrying :meth:`create_checkout` for the
same order is always safe: the idempotency key is derived from the order reference, so Stripe
answers a retry with the session it already created instead of making a second one.

This module is plain library code: it imports nothing from the host or from other addons.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import stripe

__all__ = [
    "PAID_EVENT_TYPES",
    "CheckoutSession",
    "CheckoutStatus",
    "PaymentProviderError",
    "StripeGateway",
    "WebhookEvent",
    "WebhookSignatureError",
]

log = logging.getLogger(__name__)

#: Webhook event types that carry a Checkout Session we decode into ``WebhookEvent.session``.
#: ``checkout.session.completed`` may still be unpaid for delayed payment methods (SEPA debit,
#: bank transfers); those are settled later by ``checkout.session.async_payment_succeeded``.
#: Always check ``session.paid``, not just the event type.
PAID_EVENT_TYPES = frozenset(
    {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
)

DEFAULT_MAX_NETWORK_RETRIES = 2
DEFAULT_TIMEOUT = 30.0
DEFAULT_WEBHOOK_TOLERANCE = 300

_CURRENCY_RE = re.compile(r"^[a-z]{3}$")
# Anything shaped like a Stripe secret (secret key, restricted key, webhook secret).
_SECRET_RE = re.compile(r"\b(?:sk|rk|whsec)_[A-Za-z0-9_]{8,}")
_MAX_REFERENCE_LENGTH = 200  # Stripe's limit for client_reference_id
_MAX_NAME_LENGTH = 250

T = TypeVar("T")


class PaymentProviderError(Exception):
    """Stripe could not perform the request.

    ``retryable`` is True when the same call may succeed later (connection problems, Stripe
    5xx, lock conflicts, rate limiting). The library has already retried those internally
    ``max_network_retries`` times (with the same idempotency key) before this is raised.
    """

    def __init__(
        self,
        message: str,
        retryable: bool = False,
        *,
        http_status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.http_status = http_status
        self.code = code
        self.request_id = request_id

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, retryable={self.retryable!r}, "
            f"http_status={self.http_status!r}, code={self.code!r})"
        )


class WebhookSignatureError(ValueError):
    """The ``Stripe-Signature`` header is missing, malformed, forged or too old."""


@dataclass(frozen=True, slots=True)
class CheckoutSession:
    """A freshly created Checkout Session: redirect the buyer to ``url``."""

    id: str
    url: str


@dataclass(frozen=True, slots=True)
class CheckoutStatus:
    """The payment-relevant state of a Checkout Session."""

    id: str
    paid: bool
    order_reference: str | None
    amount_total: int | None
    currency: str | None
    payment_intent: str | None
    #: Raw Stripe fields, for callers that need more than ``paid``:
    #: ``status`` is open/complete/expired, ``payment_status`` is paid/unpaid/no_payment_required.
    status: str | None = None
    payment_status: str | None = None


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A verified Stripe event. ``session`` is set only for :data:`PAID_EVENT_TYPES`."""

    id: str
    type: str
    session: CheckoutStatus | None
    livemode: bool = False


class StripeGateway:
    """Stripe Checkout for one Stripe account.

    ``api_base`` overrides the API origin (e.g. ``http://127.0.0.1:8123`` for a local fake);
    ``None`` means the real ``https://api.stripe.com``.
    """

    def __init__(
        self,
        api_key: str,
        webhook_secret: str | None,
        api_base: str | None = None,
        *,
        max_network_retries: int = DEFAULT_MAX_NETWORK_RETRIES,
        timeout: float = DEFAULT_TIMEOUT,
        idempotency_prefix: str = "iap-checkout",
    ) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise ValueError("StripeGateway needs a Stripe secret API key")
        if max_network_retries < 0:
            raise ValueError("max_network_retries must be >= 0")
        self._api_key = api_key
        self._webhook_secret = webhook_secret or None
        self.api_base = api_base.rstrip("/") if api_base else None
        self.idempotency_prefix = idempotency_prefix
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": self.api_base} if self.api_base else None,
            max_network_retries=max_network_retries,
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    def __repr__(self) -> str:
        base = self.api_base or "https://api.stripe.com"
        mode = "live" if self._api_key.startswith(("sk_live_", "rk_live_")) else "test"
        return f"<StripeGateway {mode} api_base={base!r}>"

    # -- checkout -------------------------------------------------------------------------

    def idempotency_key_for(self, order_reference: str) -> str:
        """The ``Idempotency-Key`` sent when creating the checkout for ``order_reference``.

        Stripe scopes keys to the account and remembers them for 24 hours. Installations that
        share one Stripe account must use distinct ``idempotency_prefix`` values (or globally
        unique order references).
        """
        digest = hashlib.sha256(order_reference.encode("utf-8")).hexdigest()[:40]
        return f"{self.idempotency_prefix}-{digest}"

    def create_checkout(
        self,
        *,
        order_reference: str,
        description: str,
        amount_cents: int,
        currency: str,
        success_url: str,
        cancel_url: str,
        customer_email: str | None = None,
        save_method: bool = False,
    ) -> CheckoutSession:
        """Open a one-item hosted Checkout Session in ``payment`` mode.

        ``success_url`` may contain Stripe's ``{CHECKOUT_SESSION_ID}`` template, which Stripe
        replaces with the session id when redirecting the buyer back. With ``save_method``
        the buyer's card is kept on a new Stripe customer for later off-session charges
        (:meth:`saved_method_of`, :meth:`charge_saved`).
        """
        if not isinstance(order_reference, str) or not order_reference.strip():
            raise ValueError("order_reference must be a non-empty string")
        if len(order_reference) > _MAX_REFERENCE_LENGTH:
            raise ValueError(f"order_reference is longer than {_MAX_REFERENCE_LENGTH} characters")
        if not isinstance(description, str) or not description.strip():
            raise ValueError("description must be a non-empty string")
        if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
            raise ValueError("amount_cents must be a positive integer")
        currency = currency.strip().lower() if isinstance(currency, str) else ""
        if not _CURRENCY_RE.match(currency):
            raise ValueError("currency must be a three-letter ISO 4217 code")
        for name, url in (("success_url", success_url), ("cancel_url", cancel_url)):
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                raise ValueError(f"{name} must be an absolute http(s) URL")

        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency,
                        "unit_amount": amount_cents,
                        "product_data": {"name": description.strip()[:_MAX_NAME_LENGTH]},
                    },
                }
            ],
            "client_reference_id": order_reference,
            "metadata": {"order_reference": order_reference},
            "payment_intent_data": {"metadata": {"order_reference": order_reference}},
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        if customer_email:
            params["customer_email"] = customer_email
        if save_method:
            params["customer_creation"] = "always"
            params["payment_intent_data"]["setup_future_usage"] = "off_session"

        session = self._call(
            "create a checkout session",
            lambda: self._client.v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": self.idempotency_key_for(order_reference)},
            ),
        )
        data = session.to_dict()
        session_id, url = data.get("id"), data.get("url")
        if not isinstance(session_id, str) or not isinstance(url, str) or not url:
            raise PaymentProviderError(
                "Stripe returned a checkout session without an id or a hosted payment URL "
                f"(status {data.get('status')!r})",
                retryable=False,
            )
        log.info("Stripe checkout session %s opened for order %s", session_id, order_reference)
        return CheckoutSession(id=session_id, url=url)

    def retrieve(self, session_id: str) -> CheckoutStatus:
        """Fetch the current state of a Checkout Session."""
        if not isinstance(session_id, str) or not session_id.strip():
            raise ValueError("session_id must be a non-empty string")
        session = self._call(
            "retrieve a checkout session",
            lambda: self._client.v1.checkout.sessions.retrieve(session_id),
        )
        return _status_from_session(session.to_dict())

    # -- saved payment methods ------------------------------------------------------------

    def saved_method_of(self, payment_intent: str) -> tuple[str, str] | None:
        """``(customer, payment method)`` a paid Checkout payment saved, if it saved one."""
        intent = self._call(
            "retrieve a payment intent",
            lambda: self._client.v1.payment_intents.retrieve(payment_intent),
        ).to_dict()
        customer, method = intent.get("customer"), intent.get("payment_method")
        if isinstance(method, Mapping):
            method = method.get("id")
        if intent.get("setup_future_usage") != "off_session":
            return None
        if not isinstance(customer, str) or not isinstance(method, str):
            return None
        return customer, method

    def charge_saved(
        self,
        *,
        order_reference: str,
        description: str,
        amount_cents: int,
        currency: str,
        customer: str,
        payment_method: str,
    ) -> str:
        """Charge a saved card with the buyer away (an automatic top-up): a
        PaymentIntent created and confirmed off-session in one call, idempotent
        per order. Returns its id once it succeeded; a decline, or a bank asking
        the cardholder to authenticate, raises :class:`PaymentProviderError` with
        Stripe's ``code`` (``card_declined``, ``authentication_required``...)."""
        if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
            raise ValueError("amount_cents must be a positive integer")
        currency = currency.strip().lower() if isinstance(currency, str) else ""
        if not _CURRENCY_RE.match(currency):
            raise ValueError("currency must be a three-letter ISO 4217 code")
        params = {
            "amount": amount_cents,
            "currency": currency,
            "customer": customer,
            "payment_method": payment_method,
            "off_session": True,
            "confirm": True,
            "description": description.strip()[:_MAX_NAME_LENGTH],
            "metadata": {"order_reference": order_reference},
        }
        intent = self._call(
            "charge a saved card",
            lambda: self._client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": f"{self.idempotency_key_for(order_reference)}-pi"},
            ),
        ).to_dict()
        if intent.get("status") != "succeeded":
            raise PaymentProviderError(
                f"Stripe did not complete the charge (status {intent.get('status')!r})",
                retryable=False,
                code=intent.get("status"),
            )
        return str(intent["id"])

    # -- webhooks -------------------------------------------------------------------------

    def parse_webhook(
        self,
        payload: bytes | str,
        sig_header: str | None,
        tolerance: int = DEFAULT_WEBHOOK_TOLERANCE,
    ) -> WebhookEvent:
        """Verify and decode a webhook request body.

        ``payload`` must be the raw, unmodified request body. Raises
        :class:`WebhookSignatureError` when the signature does not verify (missing, malformed,
        forged, or the timestamp is more than ``tolerance`` seconds old) and a plain
        :class:`ValueError` when a correctly signed body is not a Stripe event.

        Stripe delivers events at least once and in no particular order: deduplicate on
        ``event.id`` / ``event.session.id`` before granting anything.
        """
        if not self._webhook_secret:
            raise WebhookSignatureError("no Stripe webhook signing secret is configured")
        if not isinstance(tolerance, int) or tolerance <= 0:
            raise ValueError("tolerance must be a positive number of seconds")
        if isinstance(payload, (bytes, bytearray, memoryview)):
            try:
                text = bytes(payload).decode("utf-8")
            except UnicodeDecodeError:
                raise ValueError("webhook payload is not valid UTF-8") from None
        elif isinstance(payload, str):
            text = payload
        else:
            raise TypeError("webhook payload must be the raw request body (bytes)")

        # The same verification stripe.Webhook.construct_event performs; the body is decoded
        # by hand below so that malformed input yields a clean ValueError and plain dicts.
        try:
            stripe.WebhookSignature.verify_header(text, sig_header, self._webhook_secret, tolerance)
        except stripe.SignatureVerificationError as exc:
            reason = _scrub(exc.user_message or "invalid signature", self._secrets())
            raise WebhookSignatureError(f"Stripe webhook signature rejected: {reason}") from None
        # Stripe's check refuses only old timestamps: one from the future is
        # refused too, or a leaked signed body would stay valid until then.
        if _signed_at(sig_header) > time.time() + tolerance:
            raise WebhookSignatureError(
                "Stripe webhook signature rejected: its timestamp is in the future"
            )

        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"webhook payload is not valid JSON: {exc.msg}") from None
        if not isinstance(data, dict) or data.get("object") != "event":
            raise ValueError("webhook payload is not a Stripe event")
        event_id, event_type = data.get("id"), data.get("type")
        if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str):
            raise ValueError("webhook event has no id or type")

        session = None
        if event_type in PAID_EVENT_TYPES:
            inner = data.get("data")
            obj = inner.get("object") if isinstance(inner, dict) else None
            if (
                not isinstance(obj, dict)
                or obj.get("object") != "checkout.session"
                or not isinstance(obj.get("id"), str)
            ):
                raise ValueError(f"{event_type} event does not carry a checkout session")
            session = _status_from_session(obj)
        return WebhookEvent(
            id=event_id,
            type=event_type,
            session=session,
            livemode=bool(data.get("livemode", False)),
        )

    # -- internals ------------------------------------------------------------------------

    def _secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self._api_key, self._webhook_secret) if s)

    def _call(self, action: str, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except stripe.StripeError as exc:
            error = _translate(action, exc, self._secrets())
        log.warning("Stripe: %s (retryable=%s)", error.message, error.retryable)
        # Not chained: the library error carries raw bodies and headers we do not vet.
        raise error


def _signed_at(sig_header: str) -> int:
    """The ``t=`` of a header ``verify_header`` accepted (so it has one)."""
    for item in sig_header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            return int(value)
    raise WebhookSignatureError("Stripe webhook signature rejected: no timestamp")


def _status_from_session(data: Mapping[str, Any]) -> CheckoutStatus:
    metadata = data.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    order_reference = data.get("client_reference_id") or metadata.get("order_reference")
    payment_intent = data.get("payment_intent")
    if isinstance(payment_intent, Mapping):  # expanded
        payment_intent = payment_intent.get("id")
    amount_total = data.get("amount_total")
    return CheckoutStatus(
        id=str(data["id"]),
        paid=data.get("payment_status") == "paid",
        order_reference=order_reference if isinstance(order_reference, str) else None,
        amount_total=amount_total if isinstance(amount_total, int) else None,
        currency=data.get("currency"),
        payment_intent=payment_intent if isinstance(payment_intent, str) else None,
        status=data.get("status"),
        payment_status=data.get("payment_status"),
    )


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    text = _SECRET_RE.sub("[redacted]", text)
    return " ".join(text.split())  # the library's network errors are multi-line


def _error_field(exc: stripe.StripeError, name: str) -> str | None:
    body = exc.json_body
    error = body.get("error") if isinstance(body, dict) else None
    value = error.get(name) if isinstance(error, dict) else None
    return value if isinstance(value, str) else None


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    try:
        items = headers.items()
    except AttributeError:
        return None
    for key, value in items:
        if isinstance(key, str) and key.lower() == name:
            return value
    return None


def _translate(
    action: str, exc: stripe.StripeError, secrets: tuple[str, ...]
) -> PaymentProviderError:
    status = exc.http_status
    code = exc.code or _error_field(exc, "code")
    detail = _scrub(exc.user_message or "", secrets) or "no details"
    request_id = exc.request_id
    suffix = f" [request {request_id}]" if request_id else ""
    retryable = False

    if isinstance(exc, stripe.AuthenticationError):
        # Never echo the server's message here: it quotes (part of) the key.
        message = f"Stripe rejected the API key (HTTP {status}); check the configured secret key"
    elif isinstance(exc, stripe.PermissionError):
        message = f"the Stripe API key may not {action} (HTTP {status}): {detail}"
    elif isinstance(exc, stripe.CardError):
        message = f"Stripe declined the payment ({code or 'card_error'}): {detail}"
    elif isinstance(exc, stripe.RateLimitError):
        message = f"Stripe is rate limiting requests (HTTP {status}): {detail}"
        retryable = True
    elif isinstance(exc, stripe.IdempotencyError):
        message = (
            f"Stripe refused to {action}: the idempotency key was already used with different "
            f"parameters (HTTP {status}): {detail}"
        )
    elif isinstance(exc, stripe.InvalidRequestError):
        param = f", parameter {exc.param}" if getattr(exc, "param", None) else ""
        message = f"Stripe rejected the request to {action} (HTTP {status}{param}): {detail}"
    elif isinstance(exc, stripe.APIConnectionError):
        message = f"could not reach Stripe to {action}: {detail}"
        retryable = bool(getattr(exc, "should_retry", True))
    elif isinstance(exc, stripe.APIError):
        message = f"Stripe failed to {action} (HTTP {status}): {detail}"
        retryable = status is None or status >= 500 or status == 409
    else:
        message = f"Stripe error while trying to {action} (HTTP {status}): {detail}"
        retryable = status is not None and status >= 500
    if retryable and _header(exc.headers, "stripe-should-retry") == "false":
        retryable = False
    return PaymentProviderError(
        message + suffix,
        retryable,
        http_status=status,
        code=code,
        request_id=request_id,
    )
