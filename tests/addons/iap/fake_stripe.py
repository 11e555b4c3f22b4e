"""A local stand-in for the Stripe API, speaking Stripe's wire format over real HTTP.

Only what the IAP Stripe gateway uses is implemented, but that part is faithful enough for the
official ``stripe`` library to talk to it unmodified (point ``api_base`` at ``fake.api_base``):

* ``POST /v1/checkout/sessions`` - form-encoded with Stripe's bracket notation
  (``line_items[0][price_data][currency]=eur``), bearer auth, ``Idempotency-Key`` replay
  (same key + same body -> the original response with ``Idempotent-Replayed: true``; same key +
  different body -> ``400 idempotency_error``), Stripe-style validation errors.
* ``GET /v1/checkout/sessions/{id}``.
* A "hosted checkout" page: ``GET /pay/{id}`` shows a small HTML form, ``POST /pay/{id}`` pays
  the session, delivers the signed webhook (if configured) and redirects (303) to the
  session's ``success_url`` with ``{CHECKOUT_SESSION_ID}`` filled in.

Test helpers: :meth:`FakeStripe.complete`, :meth:`~FakeStripe.settle`, :meth:`~FakeStripe.expire`,
:meth:`~FakeStripe.signed_event`, :meth:`~FakeStripe.sign`, :meth:`~FakeStripe.fail_next`,
:meth:`~FakeStripe.drop_next`, :meth:`~FakeStripe.configure_webhook`. Every API request is
recorded in :attr:`FakeStripe.requests` (injected failures included).

Signing is implemented here from Stripe's documented scheme (HMAC-SHA256 over ``"{t}.{body}"``)
rather than borrowed from the ``stripe`` library, so tests really check compatibility.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import secrets
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2025-01-27.acacia"
DEFAULT_API_KEY = "sk_test_fake_0123456789abcdefABCDEF"
DEFAULT_WEBHOOK_SECRET = "whsec_fake_0123456789abcdefABCDEF"
SESSION_LIFETIME = 24 * 3600

# Top-level parameters the fake accepts on POST /v1/checkout/sessions (Stripe answers
# "Received unknown parameter" for anything else; a typo in the gateway should fail loudly).
KNOWN_SESSION_PARAMS = frozenset(
    {
        "mode",
        "line_items",
        "success_url",
        "cancel_url",
        "client_reference_id",
        "metadata",
        "customer_email",
        "customer",
        "payment_intent_data",
        "payment_method_types",
        "locale",
        "expires_at",
        "expand",
        "ui_mode",
        "allow_promotion_codes",
        "billing_address_collection",
        "submit_type",
        "customer_creation",
    }
)
# Parameters of POST /v1/payment_intents the fake accepts.
KNOWN_INTENT_PARAMS = frozenset(
    {
        "amount",
        "currency",
        "customer",
        "payment_method",
        "off_session",
        "confirm",
        "metadata",
        "description",
        "payment_method_types",
    }
)
# Stripe's test payment methods and what an off-session charge of each does
# (https://docs.stripe.com/testing): None succeeds, else (code, decline_code, message).
TEST_METHODS: dict[str, tuple[str, str | None, str] | None] = {
    "pm_card_visa": None,
    "pm_card_chargeDeclined": ("card_declined", "generic_decline", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "pm_card_authenticationRequired": (
        "authentication_required",
        None,
        "Your card was declined. This transaction requires authentication.",
    ),
}


class StripeAPIError(Exception):
    """Raised inside the fake to answer with a Stripe-style error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return {"error": error}


class _CardError(StripeAPIError):
    """A declined charge: HTTP 402, ``type=card_error``, with the payment intent."""

    def __init__(self, status, message, *, code, decline_code, intent):
        super().__init__(status, message, type="card_error", code=code)
        self.decline_code = decline_code
        self.intent = intent

    def body(self) -> dict[str, Any]:
        body = super().body()
        if self.decline_code:
            body["error"]["decline_code"] = self.decline_code
        body["error"]["payment_intent"] = self.intent
        return body


@dataclass
class RecordedRequest:
    """One API request as the fake saw it. ``headers`` keys are lower-cased."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str
    form: list[tuple[str, str]]
    status: int | None = None

    @property
    def params(self) -> dict[str, Any]:
        """The form body decoded from bracket notation into nested dicts/lists."""
        return decode_form(self.form)

    @property
    def form_dict(self) -> dict[str, str]:
        """The raw bracket-notation pairs, e.g. ``{"line_items[0][quantity]": "1"}``."""
        return dict(self.form)

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


@dataclass
class WebhookDelivery:
    url: str
    event: dict[str, Any]
    status: int | None
    response_body: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class _Failure:
    status: int  # 0 = drop the connection without answering
    error: StripeAPIError | None = None


@dataclass
class _Idempotent:
    fingerprint: str
    status: int
    body: bytes
    created: float = field(default_factory=time.time)


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Decode Stripe's bracket notation (``a[b][0][c]=v``) into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head] + ([p for p in rest.rstrip("]").split("][")] if rest else [])
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise StripeAPIError(400, f"Invalid parameter: {key}", param=key)
        last = parts[-1]
        if last == "":  # a[]=x
            node.setdefault("", []).append(value)
        else:
            node[last] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    node = {k: _listify(v) for k, v in node.items()}
    if set(node) == {""}:
        return node[""]
    if node and all(k.isdigit() for k in node):
        return [node[k] for k in sorted(node, key=int)]
    return node


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header value for ``payload``."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256)
    return f"t={t},v1={mac.hexdigest()}"


def redact_key(key: str) -> str:
    """How Stripe quotes a bad key back: ``sk_test_********1234``."""
    prefix = key[: key.find("_", 3) + 1] if key.count("_") >= 2 else ""
    if len(key) < len(prefix) + 8:
        return prefix + "*" * max(len(key) - len(prefix), 1)
    return prefix + "*" * (len(key) - len(prefix) - 4) + key[-4:]


def _token(n: int = 24) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(n))


class FakeStripe:
    """A running fake Stripe server. Use as a context manager or call start()/stop()."""

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        *,
        webhook_url: str | None = None,
        webhook_secret: str | None = DEFAULT_WEBHOOK_SECRET,
        host: str = "127.0.0.1",
    ) -> None:
        self.api_key = api_key
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.sessions: dict[str, dict[str, Any]] = {}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self._future_usage: dict[str, str] = {}  # session id -> setup_future_usage
        # customer id -> the payment methods saved for it
        self.customers: dict[str, list[str]] = {}
        self.requests: list[RecordedRequest] = []
        self.events: list[dict[str, Any]] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self._host = host
        self._lock = threading.RLock()
        self._failures: deque[_Failure] = deque()
        self._idempotency: dict[str, _Idempotent] = {}
        self._line_items: dict[str, list[dict[str, Any]]] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeStripe:
        if self._server is not None:
            return self
        server = _Server((self._host, 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.name = f"fake-stripe:{self.port}"
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()  # idle keep-alive clients would pin handler threads
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeStripe:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeStripe is not running")
        return self._server.server_address[1]

    @property
    def api_base(self) -> str:
        """What to pass as the gateway's ``api_base`` (no trailing slash)."""
        return f"http://{self._host}:{self.port}"

    url = api_base

    def checkout_url(self, session_id: str) -> str:
        return f"{self.api_base}/pay/{session_id}"

    # -- scripting ------------------------------------------------------------------------

    def configure_webhook(self, url: str | None, secret: str | None = None) -> None:
        """POST signed events to ``url`` whenever a session changes state (None disables)."""
        with self._lock:
            self.webhook_url = url
            if secret is not None:
                self.webhook_secret = secret

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        message: str | None = None,
        type: str | None = None,
        code: str | None = None,
        should_retry: bool | None = None,
    ) -> None:
        """Answer the next ``times`` API requests with a Stripe-style error.

        The failure happens in front of the idempotency layer (like a load balancer or a
        transient outage): nothing is created and nothing is remembered for the key.
        ``should_retry`` sets the ``Stripe-Should-Retry`` response header.
        """
        if type is None:
            type = {402: "card_error", 429: "invalid_request_error"}.get(
                status, "api_error" if status >= 500 else "invalid_request_error"
            )
        if code is None and status == 402:
            code = "card_declined"
        if code is None and status == 429:
            code = "rate_limit"
        default_message = {
            400: "Invalid request.",
            401: "Invalid API Key provided.",
            402: "Your card was declined.",
            403: "The provided key does not have the required permissions.",
            404: "No such resource.",
            409: "There was a conflict with another request.",
            429: "Too many requests hit the API too quickly.",
        }.get(status, "An unknown error occurred while processing your request.")
        headers = {}
        if should_retry is not None:
            headers["Stripe-Should-Retry"] = "true" if should_retry else "false"
        error = StripeAPIError(
            status, message or default_message, type=type, code=code, headers=headers
        )
        with self._lock:
            self._failures.extend(_Failure(status, error) for _ in range(times))

    def drop_next(self, times: int = 1) -> None:
        """Close the connection without answering the next ``times`` API requests."""
        with self._lock:
            self._failures.extend(_Failure(0) for _ in range(times))

    def clear_failures(self) -> None:
        """Forget the failures :meth:`fail_next` and :meth:`drop_next` queued."""
        with self._lock:
            self._failures.clear()

    def reset(self) -> None:
        with self._lock:
            self.sessions.clear()
            self.requests.clear()
            self.events.clear()
            self.webhook_deliveries.clear()
            self._failures.clear()
            self._idempotency.clear()
            self._line_items.clear()
            self.payment_intents.clear()
            self.customers.clear()
            self._future_usage.clear()

    # -- inspection -----------------------------------------------------------------------

    @property
    def last_request(self) -> RecordedRequest:
        with self._lock:
            if not self.requests:
                raise AssertionError("fake Stripe received no API request")
            return self.requests[-1]

    def requests_to(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method.upper() and r.path.startswith(path_prefix)
            ]

    def session(self, session_id: str) -> dict[str, Any]:
        with self._lock:
            try:
                return json.loads(json.dumps(self.sessions[session_id]))
            except KeyError:
                raise KeyError(f"fake Stripe has no checkout session {session_id!r}") from None

    # -- state changes (what the buyer / the payment network does) ---------------------------

    def complete(
        self,
        session_id: str,
        *,
        delayed: bool = False,
        deliver: bool = True,
        payment_method: str = "pm_card_visa",
    ) -> dict[str, Any]:
        """The buyer pays (with ``payment_method``, one of :data:`TEST_METHODS`).
        ``delayed=True`` models SEPA & co: the session completes unpaid and
        :meth:`settle` later makes it paid. Sends ``checkout.session.completed`` (only on
        the transition; completing a completed session is a no-op - use
        :meth:`deliver_webhook` to simulate Stripe redelivering an event). A session
        opened with ``customer_creation=always`` gets a customer, and with
        ``payment_intent_data[setup_future_usage]`` the method is saved to it."""
        with self._lock:
            session = self._get(session_id)
            if session["status"] == "expired":
                raise ValueError(f"checkout session {session_id} has expired")
            changed = session["status"] == "open"
            if changed:
                session["status"] = "complete"
                session["payment_status"] = "unpaid" if delayed else "paid"
                intent_id = "pi_test_" + _token()
                session["payment_intent"] = intent_id
                session["url"] = None
                customer = session.get("customer")
                if customer is None and session.get("customer_creation") == "always":
                    customer = session["customer"] = "cus_test_" + _token(14)
                future = self._future_usage.pop(session_id, None)
                if customer is not None and future:
                    self.customers.setdefault(customer, []).append(payment_method)
                self.payment_intents[intent_id] = self._intent(
                    intent_id,
                    amount=session["amount_total"],
                    currency=session["currency"],
                    customer=customer,
                    payment_method=payment_method,
                    status="processing" if delayed else "succeeded",
                    metadata=dict(session.get("metadata") or {}),
                    setup_future_usage=future,
                )
                if session.get("customer_email"):
                    session["customer_details"] = {"email": session["customer_email"]}
            snapshot = json.loads(json.dumps(session))
        if deliver and changed:
            self.deliver_webhook(session_id, "checkout.session.completed")
        return snapshot

    def settle(self, session_id: str, *, succeeded: bool = True, deliver: bool = True) -> dict:
        """A delayed payment clears (``async_payment_succeeded``) or fails."""
        with self._lock:
            session = self._get(session_id)
            if session["status"] != "complete" or session["payment_status"] != "unpaid":
                raise ValueError(f"checkout session {session_id} has no pending payment")
            if succeeded:
                session["payment_status"] = "paid"
            snapshot = json.loads(json.dumps(session))
        if deliver:
            kind = "succeeded" if succeeded else "failed"
            self.deliver_webhook(session_id, f"checkout.session.async_payment_{kind}")
        return snapshot

    def expire(self, session_id: str, *, deliver: bool = True) -> dict[str, Any]:
        with self._lock:
            session = self._get(session_id)
            if session["status"] != "open":
                raise ValueError(f"checkout session {session_id} is not open")
            session["status"] = "expired"
            session["url"] = None
            snapshot = json.loads(json.dumps(session))
        if deliver:
            self.deliver_webhook(session_id, "checkout.session.expired")
        return snapshot

    # -- events and webhooks --------------------------------------------------------------

    def event(self, session_id: str, type: str = "checkout.session.completed") -> dict[str, Any]:
        """A Stripe ``event`` object wrapping the session's current state."""
        with self._lock:
            session = json.loads(json.dumps(self._get(session_id)))
            event = {
                "id": "evt_test_" + _token(),
                "object": "event",
                "api_version": API_VERSION,
                "created": int(time.time()),
                "data": {"object": session},
                "livemode": False,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "type": type,
            }
            self.events.append(event)
            return event

    @staticmethod
    def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
        return sign(payload, secret, timestamp)

    def signed_event(
        self,
        session_id: str,
        secret: str | None = None,
        type: str = "checkout.session.completed",
        timestamp: int | None = None,
    ) -> tuple[bytes, str]:
        """``(payload_bytes, stripe_signature_header)`` for an event about ``session_id``."""
        secret = secret or self.webhook_secret
        if not secret:
            raise ValueError("no webhook secret given or configured")
        payload = json.dumps(self.event(session_id, type), indent=2).encode()
        return payload, sign(payload, secret, timestamp)

    def deliver_webhook(
        self, session_id: str, type: str = "checkout.session.completed"
    ) -> WebhookDelivery | None:
        """POST a signed event to the configured webhook URL (no-op when none is set)."""
        with self._lock:
            url, secret = self.webhook_url, self.webhook_secret
        if not url or not secret:
            return None
        payload, header = self.signed_event(session_id, secret, type)
        request = urllib.request.Request(
            url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": header,
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        event = json.loads(payload)
        try:
            with opener.open(request, timeout=10) as response:
                delivery = WebhookDelivery(url, event, response.status, _read_text(response))
        except urllib.error.HTTPError as exc:
            delivery = WebhookDelivery(url, event, exc.code, _read_text(exc))
        except OSError as exc:
            delivery = WebhookDelivery(url, event, None, error=repr(exc))
        with self._lock:
            self.webhook_deliveries.append(delivery)
        return delivery

    # -- request handling (called from server threads) ------------------------------------

    def _get(self, session_id: str) -> dict[str, Any]:
        try:
            return self.sessions[session_id]
        except KeyError:
            raise KeyError(f"fake Stripe has no checkout session {session_id!r}") from None

    def _authenticate(self, headers: dict[str, str]) -> None:
        auth = headers.get("authorization", "")
        scheme, _, credential = auth.partition(" ")
        if not credential.strip():
            raise StripeAPIError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').",
            )
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            credential.strip().encode(), self.api_key.encode()
        ):
            raise StripeAPIError(401, f"Invalid API Key provided: {redact_key(credential.strip())}")

    def _handle_api(self, request: RecordedRequest) -> tuple[int, bytes, dict[str, str]]:
        """Returns (status, body, extra headers); status 0 means drop the connection."""
        with self._lock:
            self.requests.append(request)
            failure = self._failures.popleft() if self._failures else None
        if failure is not None:
            if failure.error is None:
                return 0, b"", {}
            return failure.status, _json(failure.error.body()), failure.error.headers

        self._authenticate(request.headers)
        path = request.path.rstrip("/")
        if request.method == "POST" and path == "/v1/checkout/sessions":
            return self._idempotent(request, path, self._create_session)
        if request.method == "POST" and path == "/v1/payment_intents":
            return self._idempotent(request, path, self._create_intent)
        if request.method == "GET" and path.startswith("/v1/payment_intents/"):
            intent_id = path.rsplit("/", 1)[1]
            with self._lock:
                if intent_id not in self.payment_intents:
                    raise StripeAPIError(
                        404,
                        f"No such payment_intent: '{intent_id}'",
                        code="resource_missing",
                        param="intent",
                    )
                return 200, _json(self.payment_intents[intent_id]), {}
        if request.method == "GET" and path.startswith("/v1/checkout/sessions/"):
            session_id = path.rsplit("/", 1)[1]
            with self._lock:
                if session_id not in self.sessions:
                    raise StripeAPIError(
                        404,
                        f"No such checkout.session: '{session_id}'",
                        code="resource_missing",
                        param="session",
                    )
                return 200, _json(self.sessions[session_id]), {}
        raise StripeAPIError(
            404,
            f"Unrecognized request URL ({request.method}: {request.path}). Please see "
            "https://stripe.com/docs or we can help at https://support.stripe.com/.",
        )

    def _idempotent(self, request: RecordedRequest, path: str, create) -> tuple:
        """Create an object once per ``Idempotency-Key``: a replay with the same
        parameters gets the first answer (a decline too: the same key never
        charges twice), with other parameters an ``idempotency_error``."""
        key = request.idempotency_key
        fingerprint = f"{request.method} {path} " + "&".join(
            f"{k}={v}" for k, v in sorted(request.form)
        )
        with self._lock:
            if key and key in self._idempotency:
                cached = self._idempotency[key]
                if cached.fingerprint != fingerprint:
                    raise StripeAPIError(
                        400,
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with. Try using a key other "
                        "than '" + key + "' if you meant to execute a different request.",
                        type="idempotency_error",
                    )
                return cached.status, cached.body, {"Idempotent-Replayed": "true"}
            try:
                status, body = 200, _json(create(request.params))
            except StripeAPIError as exc:
                if exc.type != "card_error":
                    raise
                status, body = exc.status, _json(exc.body())
            if key:
                self._idempotency[key] = _Idempotent(fingerprint, status, body)
        return status, body, {}

    def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        for name in params:
            if name not in KNOWN_SESSION_PARAMS:
                raise StripeAPIError(400, f"Received unknown parameter: {name}", param=name)
        mode = params.get("mode")
        if not mode:
            raise StripeAPIError(400, "Missing required param: mode.", param="mode")
        if mode not in ("payment", "setup", "subscription"):
            raise StripeAPIError(400, f"Invalid mode: {mode}", param="mode")
        items = params.get("line_items")
        if mode == "payment" and not items:
            raise StripeAPIError(400, "Missing required param: line_items.", param="line_items")
        if not isinstance(items, list):
            raise StripeAPIError(400, "Invalid array", param="line_items")
        total, currency = 0, None
        for i, item in enumerate(items):
            p = f"line_items[{i}]"
            if not isinstance(item, dict):
                raise StripeAPIError(400, "Invalid object", param=p)
            quantity = _int(item.get("quantity"), f"{p}[quantity]", required=True)
            if quantity < 1:
                raise StripeAPIError(400, "Quantity must be at least 1.", param=f"{p}[quantity]")
            price_data = item.get("price_data")
            if not isinstance(price_data, dict):
                raise StripeAPIError(
                    400, f"Missing required param: {p}[price_data].", param=f"{p}[price_data]"
                )
            cur = price_data.get("currency")
            if not cur:
                raise StripeAPIError(
                    400,
                    f"Missing required param: {p}[price_data][currency].",
                    param=f"{p}[price_data][currency]",
                )
            if cur != cur.lower() or len(cur) != 3:
                raise StripeAPIError(
                    400, f"Invalid currency: {cur}.", param=f"{p}[price_data][currency]"
                )
            if currency not in (None, cur):
                raise StripeAPIError(400, "All line items must use the same currency.", param=p)
            currency = cur
            amount = _int(price_data.get("unit_amount"), f"{p}[price_data][unit_amount]", True)
            if amount < 0:
                raise StripeAPIError(
                    400,
                    "This value must be greater than or equal to 0.",
                    param=f"{p}[price_data][unit_amount]",
                )
            product = price_data.get("product_data")
            if not isinstance(product, dict) or not product.get("name"):
                raise StripeAPIError(
                    400,
                    f"Missing required param: {p}[price_data][product_data][name].",
                    param=f"{p}[price_data][product_data][name]",
                )
            total += amount * quantity
        for name in ("success_url", "cancel_url"):
            value = params.get(name)
            if value is not None and not str(value).startswith(("http://", "https://")):
                raise StripeAPIError(400, "Not a valid URL", param=name)
        metadata = params.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise StripeAPIError(400, "Invalid object", param="metadata")

        session_id = "cs_test_" + _token(58)
        now = int(time.time())
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": currency,
            "customer": None,
            "customer_details": None,
            "customer_email": params.get("customer_email"),
            "expires_at": now + SESSION_LIFETIME,
            "livemode": False,
            "metadata": metadata,
            "mode": mode,
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "ui_mode": "hosted",
            "url": self.checkout_url(session_id),
        }
        customer = params.get("customer")
        if customer is not None and customer not in self.customers:
            raise StripeAPIError(
                400, f"No such customer: '{customer}'", code="resource_missing", param="customer"
            )
        session["customer"] = customer
        creation = params.get("customer_creation")
        if creation is not None:
            if creation not in ("always", "if_required"):
                raise StripeAPIError(400, "Invalid customer_creation", param="customer_creation")
            if mode != "payment":
                raise StripeAPIError(
                    400,
                    "customer_creation can only be used in payment mode.",
                    param="customer_creation",
                )
        session["customer_creation"] = creation
        intent_data = params.get("payment_intent_data") or {}
        future = intent_data.get("setup_future_usage") if isinstance(intent_data, dict) else None
        if future is not None:
            if future not in ("on_session", "off_session"):
                raise StripeAPIError(
                    400,
                    "Invalid setup_future_usage",
                    param="payment_intent_data[setup_future_usage]",
                )
            self._future_usage[session_id] = future
        self.sessions[session_id] = session
        # For the hosted page; real Stripe exposes line items through a sub-resource.
        self._line_items[session_id] = [
            {
                "description": it["price_data"]["product_data"]["name"],
                "quantity": int(it["quantity"]),
                "unit_amount": int(it["price_data"]["unit_amount"]),
            }
            for it in items
        ]
        return session

    def _intent(self, intent_id: str, **fields: Any) -> dict[str, Any]:
        amount = fields["amount"]
        succeeded = fields["status"] == "succeeded"
        return {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": amount if succeeded else 0,
            "created": int(time.time()),
            "currency": fields["currency"],
            "customer": fields.get("customer"),
            "description": fields.get("description"),
            "last_payment_error": fields.get("last_payment_error"),
            "livemode": False,
            "metadata": fields.get("metadata") or {},
            "payment_method": fields.get("payment_method"),
            "setup_future_usage": fields.get("setup_future_usage"),
            "status": fields["status"],
        }

    def _create_intent(self, params: dict[str, Any]) -> dict[str, Any]:
        """An off-session charge of a saved payment method, confirmed at once."""
        for name in params:
            if name not in KNOWN_INTENT_PARAMS:
                raise StripeAPIError(400, f"Received unknown parameter: {name}", param=name)
        amount = _int(params.get("amount"), "amount", required=True)
        if amount < 50:
            raise StripeAPIError(
                400, "Amount must be at least 50 cents", code="amount_too_small", param="amount"
            )
        currency = params.get("currency")
        if not currency or currency != currency.lower() or len(currency) != 3:
            raise StripeAPIError(400, f"Invalid currency: {currency}.", param="currency")
        customer, method = params.get("customer"), params.get("payment_method")
        if customer not in self.customers:
            raise StripeAPIError(
                400, f"No such customer: '{customer}'", code="resource_missing", param="customer"
            )
        if method not in self.customers[customer]:
            raise StripeAPIError(
                400,
                f"The provided PaymentMethod {method} is not attached to customer {customer}.",
                param="payment_method",
            )
        if params.get("off_session") == "true" and params.get("confirm") != "true":
            raise StripeAPIError(
                400, "off_session can only be used with confirm=true.", param="off_session"
            )
        intent_id = "pi_test_" + _token()
        outcome = TEST_METHODS.get(method)
        fields = {
            "amount": amount,
            "currency": currency,
            "customer": customer,
            "payment_method": method,
            "metadata": params.get("metadata") or {},
            "description": params.get("description"),
        }
        if outcome is None:
            intent = self._intent(intent_id, status="succeeded", **fields)
            self.payment_intents[intent_id] = intent
            return intent
        code, decline_code, message = outcome
        status = (
            "requires_action" if code == "authentication_required" else ("requires_payment_method")
        )
        error = {"code": code, "message": message, "type": "card_error"}
        if decline_code:
            error["decline_code"] = decline_code
        intent = self._intent(intent_id, status=status, last_payment_error=error, **fields)
        self.payment_intents[intent_id] = intent
        raise _CardError(402, message, code=code, decline_code=decline_code, intent=intent)

    def _hosted_page(self, session_id: str) -> tuple[int, str]:
        with self._lock:
            session = self.sessions.get(session_id)
            if session is None:
                return 404, "<h1>Unknown checkout session</h1>"
            session = json.loads(json.dumps(session))
            line_items = list(self._line_items.get(session_id, []))
        esc = html.escape
        amount = f"{session['amount_total'] / 100:.2f} {str(session['currency']).upper()}"
        items = "".join(
            f"<li>{esc(i['description'])} &times; {i['quantity']}</li>" for i in line_items
        )
        if session["status"] == "open":
            cancel = session.get("cancel_url") or "#"
            action = f"""
  <form method="post" action="/pay/{esc(session_id)}">
    <button id="pay" type="submit">Pay {esc(amount)}</button>
  </form>
  <a id="cancel" href="{esc(cancel)}">Cancel</a>"""
        else:
            action = f'<p id="state">This checkout session is {esc(session["status"])}.</p>'
        page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Fake Stripe Checkout</title></head>
<body>
  <h1>Fake Stripe Checkout</h1>
  <ul>{items}</ul>
  <p id="amount">{esc(amount)}</p>{action}
</body></html>
"""
        return 200, page


def _int(value: Any, param: str, required: bool = False) -> int:
    if value is None:
        if required:
            raise StripeAPIError(400, f"Missing required param: {param}.", param=param)
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        raise StripeAPIError(400, "Invalid integer: " + str(value), param=param) from None


def _json(data: Any) -> bytes:
    return json.dumps(data, indent=2).encode()


def _read_text(response: Any) -> str:
    try:
        return response.read(64 * 1024).decode("utf-8", "replace")
    except OSError:
        return ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeStripe

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeStripe/1.0"

    server: _Server
    timeout = 60  # drop idle keep-alive connections eventually

    @property
    def fake(self) -> FakeStripe:
        return self.server.fake

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", "req_" + _token(14))
        self.send_header("Stripe-Version", self.headers.get("Stripe-Version") or API_VERSION)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _api(self) -> None:
        split = urlsplit(self.path)
        raw = self._body()
        body = raw.decode("utf-8", "replace")
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        form = (
            parse_qsl(body, keep_blank_values=True)
            if content_type == "application/x-www-form-urlencoded"
            else []
        )
        if self.command == "GET":
            form = parse_qsl(split.query, keep_blank_values=True)
        request = RecordedRequest(
            method=self.command,
            path=split.path,
            query=split.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            form=form,
        )
        try:
            status, payload, headers = self.fake._handle_api(request)
        except StripeAPIError as exc:
            status, payload, headers = exc.status, _json(exc.body()), exc.headers
        request.status = status
        if status == 0:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._send(status, payload, headers=headers)

    def _pay_page(self) -> None:
        session_id = urlsplit(self.path).path[len("/pay/") :].strip("/")
        if self.command == "GET":
            status, page = self.fake._hosted_page(session_id)
            self._send(status, page.encode(), "text/html; charset=utf-8")
            return
        self._body()
        try:
            session = self.fake.complete(session_id)
        except KeyError:
            self._send(404, b"<h1>Unknown checkout session</h1>", "text/html; charset=utf-8")
            return
        except ValueError as exc:
            self._send(409, html.escape(str(exc)).encode(), "text/html; charset=utf-8")
            return
        target = session.get("success_url")
        if target:
            target = target.replace("{CHECKOUT_SESSION_ID}", session_id)
            self.send_response(HTTPStatus.SEE_OTHER)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(200, b"<h1>Payment complete</h1>", "text/html; charset=utf-8")

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/v1/"):
            self._api()
        elif path.startswith("/pay/") and self.command in ("GET", "POST"):
            self._pay_page()
        else:
            self._body()
            self._send(404, b"not found", "text/plain")

    do_GET = do_POST = do_DELETE = _dispatch
