"""Client for a Twilio-compatible Messages REST API, plus webhook helpers.

Speaks Twilio's documented wire format: form-encoded ``POST`` to
``/2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP basic auth, JSON answers,
``X-Twilio-Signature`` on status callbacks.

The auth token is a secret: it never appears in an exception message, a ``repr`` or an
exception chain (the chained ``requests`` exception would carry the prepared request and
its ``Authorization`` header).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from urllib3.exceptions import NewConnectionError

API_VERSION = "2010-04-01"

WRONG_FORMAT = "wrong_format"
COUNTRY_NOT_SUPPORTED = "country_not_supported"
BLACKLISTED = "blacklisted"
SERVER_ERROR = "server_error"

# Twilio error codes that are about the recipient, not about us.
ERROR_CODE_FAILURES: dict[int, str] = {
    21211: WRONG_FORMAT,  # invalid 'To' phone number
    21614: WRONG_FORMAT,  # 'To' is not a mobile number
    21217: WRONG_FORMAT,  # phone number does not appear to be valid
    21408: COUNTRY_NOT_SUPPORTED,  # permission to send to this region not enabled
    21612: COUNTRY_NOT_SUPPORTED,  # cannot route to this number / region
    21610: BLACKLISTED,  # recipient replied STOP
}

# Twilio message statuses -> our SMS states.
TWILIO_TO_STATE: dict[str, str] = {
    "accepted": "in_queue",
    "scheduled": "in_queue",
    "queued": "in_queue",
    "sending": "processing",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "canceled",
}


class GatewayError(Exception):
    """The gateway did not accept the message.

    ``failure_type`` is one of ``wrong_format``, ``country_not_supported``,
    ``blacklisted`` or ``server_error``. ``retryable`` says whether sending the same
    message again later may succeed. ``maybe_sent`` is true when the gateway may have
    accepted the message despite the error (read timeout, 5xx): a retry can then
    deliver a duplicate. ``code`` is the provider's error code, when it gave one.
    """

    def __init__(
        self,
        message: str,
        *,
        failure_type: str = SERVER_ERROR,
        retryable: bool = False,
        maybe_sent: bool = False,
        status_code: int | None = None,
        code: int | None = None,
    ):
        super().__init__(message)
        self.failure_type = failure_type
        self.retryable = retryable
        self.maybe_sent = maybe_sent
        self.status_code = status_code
        self.code = code


class GatewayAuthError(GatewayError):
    """The gateway refused our credentials; an operator has to fix the configuration."""


@dataclass(frozen=True)
class SendResult:
    """The gateway accepted the message; ``status`` is Twilio's raw status."""

    sid: str
    status: str
    error_code: int | None = None
    error_message: str | None = None

    @property
    def state(self) -> str:
        return TWILIO_TO_STATE.get(self.status, "in_queue")


class StatusUpdate(NamedTuple):
    sid: str
    state: str
    error_code: int | None


class TwilioClient:
    """Send SMS through a Twilio-compatible API; one instance per account."""

    def __init__(self, base_url: str, account_sid: str, auth_token: str, timeout: float = 10):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"The gateway URL {base_url!r} must be an http(s) URL.")
        if not account_sid or not auth_token:
            raise ValueError("The gateway account SID and auth token are required.")
        self.base_url = base_url.rstrip("/")
        self.account_sid = account_sid
        self.__auth_token = auth_token
        self.timeout = timeout
        self._session = requests.Session()

    def __repr__(self) -> str:
        return f"TwilioClient(base_url={self.base_url!r}, account_sid={self.account_sid!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> TwilioClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def messages_url(self) -> str:
        account = quote(self.account_sid, safe="")
        return f"{self.base_url}/{API_VERSION}/Accounts/{account}/Messages.json"

    def send(
        self,
        to: str,
        body: str,
        *,
        from_: str | None = None,
        messaging_service_sid: str | None = None,
        status_callback: str | None = None,
    ) -> SendResult:
        """Submit one message; raise :class:`GatewayError` if it was not accepted."""
        if not from_ and not messaging_service_sid:
            raise ValueError("Either a sender number (from_) or a messaging service is required.")
        form = {"To": to, "Body": body}
        if from_:
            form["From"] = from_
        if messaging_service_sid:
            form["MessagingServiceSid"] = messaging_service_sid
        if status_callback:
            form["StatusCallback"] = status_callback

        failure: str | None = None
        try:
            response = self._session.post(
                self.messages_url,
                data=form,
                auth=(self.account_sid, self.__auth_token),
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.ConnectTimeout:
            failure, maybe_sent = "connection timed out", False
        except requests.Timeout:
            failure, maybe_sent = f"no answer within {self.timeout} s", True
        except requests.ConnectionError as exc:
            failure, maybe_sent = "connection failed", not _never_connected(exc)
        except requests.RequestException as exc:
            failure, maybe_sent = type(exc).__name__, False
        if failure is not None:
            # Raised outside the except block so the requests exception, which holds the
            # Authorization header, is not chained as __context__.
            raise GatewayError(
                f"The SMS gateway at {self.base_url} is unreachable: {failure}.",
                retryable=True,
                maybe_sent=maybe_sent,
            )
        return self._parse_send_response(response)

    def _parse_send_response(self, response: requests.Response) -> SendResult:
        payload = _json_or_none(response)
        if 200 <= response.status_code < 300:
            if not isinstance(payload, dict) or not payload.get("sid"):
                raise GatewayError(
                    f"The SMS gateway answered HTTP {response.status_code} without a message id.",
                    maybe_sent=True,
                    status_code=response.status_code,
                )
            return SendResult(
                sid=str(payload["sid"]),
                status=str(payload.get("status") or "queued"),
                error_code=_int_or_none(payload.get("error_code")),
                error_message=payload.get("error_message"),
            )
        raise self._error_from_response(response.status_code, payload)

    def _error_from_response(self, status: int, payload: Any) -> GatewayError:
        code = message = None
        if isinstance(payload, dict):
            code = _int_or_none(payload.get("code"))
            message = payload.get("message")
        detail = self._redact(str(message)) if message else f"HTTP {status}"
        if code is not None:
            detail = f"{detail} (error {code})"

        if status == 401:
            return GatewayAuthError(
                f"The SMS gateway rejected the credentials of account {self.account_sid}; "
                f"check the account SID and auth token. {detail}",
                status_code=status,
                code=code,
            )
        if status >= 500:
            return GatewayError(
                f"The SMS gateway had an internal error: {detail}",
                retryable=True,
                maybe_sent=True,
                status_code=status,
                code=code,
            )
        if status == 429:
            return GatewayError(
                f"The SMS gateway is rate limiting us: {detail}",
                retryable=True,
                status_code=status,
                code=code,
            )
        failure_type = ERROR_CODE_FAILURES.get(code, SERVER_ERROR) if code else SERVER_ERROR
        return GatewayError(
            f"The SMS gateway refused the message: {detail}",
            failure_type=failure_type,
            status_code=status,
            code=code,
        )

    def _redact(self, text: str) -> str:
        return text.replace(self.__auth_token, "***")


def _never_connected(exc: requests.ConnectionError) -> bool:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _signature_payload(url: str, params: Mapping[str, Any]) -> str:
    chunks = [url]
    getlist = getattr(params, "getlist", None)  # werkzeug MultiDict keeps repeated keys
    for key in sorted(params):
        values = getlist(key) if getlist else params[key]
        if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
            values = [values]
        for value in sorted({_text(v) for v in values}):
            chunks.append(key + value)
    return "".join(chunks)


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def compute_signature(auth_token: str, url: str, params: Mapping[str, Any]) -> str:
    """Return the ``X-Twilio-Signature`` Twilio would send for a POST to ``url``.

    HMAC-SHA1 keyed with the auth token over the full URL followed by every POST
    parameter sorted by name, name and value concatenated; base64 encoded. A parameter
    with several values contributes each distinct value, sorted.
    """
    payload = _signature_payload(url, params).encode("utf-8")
    digest = hmac.new(auth_token.encode("utf-8"), payload, hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _port_variants(url: str) -> list[str]:
    # Twilio signs the URL as configured, while a proxy may add or drop the port on the
    # way in; like Twilio's own helper libraries, accept the URL with the default port
    # added, or with its port removed.
    parts = urlsplit(url)
    if parts.hostname is None:
        return [url]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    userinfo, at, _ = parts.netloc.rpartition("@")
    prefix = f"{userinfo}{at}"
    if parts.port is None:
        default = {"https": 443, "http": 80}.get(parts.scheme)
        if default is None:
            return [url]
        other = f"{prefix}{host}:{default}"
    else:
        other = f"{prefix}{host}"
    return [url, urlunsplit(parts._replace(netloc=other))]


def validate_signature(
    auth_token: str, url: str, params: Mapping[str, Any], signature: str | None
) -> bool:
    """Check an ``X-Twilio-Signature`` header in constant time."""
    if not signature or not auth_token:
        return False
    given = signature.encode("utf-8")
    valid = False
    for candidate in _port_variants(url):
        expected = compute_signature(auth_token, candidate, params).encode("ascii")
        valid |= hmac.compare_digest(expected, given)
    return valid


def parse_status_callback(params: Mapping[str, Any]) -> StatusUpdate:
    """Read a status callback's form parameters into ``(sid, state, error_code)``.

    ``state`` is one of our states (see :data:`TWILIO_TO_STATE`). Raises ``ValueError``
    when ``MessageSid`` or ``MessageStatus`` is missing, the status is unknown, or
    ``ErrorCode`` is not a number.
    """
    sid = str(params.get("MessageSid") or params.get("SmsSid") or "").strip()
    if not sid:
        raise ValueError("The status callback has no MessageSid.")
    status = str(params.get("MessageStatus") or params.get("SmsStatus") or "").strip()
    if not status:
        raise ValueError(f"The status callback for {sid} has no MessageStatus.")
    state = TWILIO_TO_STATE.get(status.lower())
    if state is None:
        raise ValueError(f"The status callback for {sid} has an unknown status {status!r}.")
    raw_code = str(params.get("ErrorCode") or "").strip()
    if raw_code and not (raw_code.isascii() and raw_code.isdigit()):
        raise ValueError(f"The status callback for {sid} has a malformed ErrorCode {raw_code!r}.")
    return StatusUpdate(sid, state, int(raw_code) if raw_code else None)
