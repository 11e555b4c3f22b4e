"""A loopback HTTP server speaking Twilio's Messages API wire format.

Real sockets and real HTTP, so the client is exercised end to end: basic auth,
form encoding, JSON answers and Twilio-style error bodies.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from addons.sms import segments
from addons.sms.twilio import compute_signature
from tests.loopback import LoopbackServer

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "s3cr3t-auth-token-0f9e8d7c6b5a4f3e"

PATH_RE = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")
E164_RE = re.compile(r"^\+[1-9]\d{1,14}$")

ERROR_MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20500: "An internal server error has occurred",
    21211: "The 'To' number {to} is not a valid phone number.",
    21217: "Phone number does not appear to be valid",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the "
    "'To' number: {to}.",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21612: "The 'To' phone number: {to}, is not currently reachable using the 'From' phone "
    "number via SMS.",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
}


class FakeTwilio(LoopbackServer):
    """Fake Twilio API on ``127.0.0.1``; start with :meth:`start`, stop with :meth:`stop`."""

    def __init__(self, account_sid: str, auth_token: str):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[dict[str, str]] = []
        self.requests: list[dict[str, object]] = []
        self.delay = 0.0
        self._rejections: dict[str, int] = {}
        self._failures: list[tuple[int, int]] = []
        self._lock = threading.Lock()
        self._listen(_make_handler(self))

    @property
    def base_url(self) -> str:
        return self.origin

    def fail_next(self, status: int, code: int | None = None) -> None:
        """Answer the next request with this HTTP status and a Twilio error body."""
        if code is None:
            code = 20500 if status >= 500 else 20003 if status == 401 else 20404
        with self._lock:
            self._failures.append((status, code))

    def reject_number(self, number: str, code: int) -> None:
        """Answer 400 with Twilio error ``code`` for every message to ``number``."""
        with self._lock:
            self._rejections[number] = code

    def status_callback(
        self, sid: str, status: str, url: str, *, error_code: int | None = None
    ) -> tuple[dict[str, str], str]:
        """Return the form and ``X-Twilio-Signature`` Twilio would POST to ``url``."""
        message = next(m for m in self.messages if m["sid"] == sid)
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": message.get("From", ""),
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": message["To"],
        }
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return params, compute_signature(self.auth_token, url, params)

    # -- request handling (runs in the server's threads) -----------------------------

    def _handle_post(self, path: str, headers, body: bytes) -> tuple[int, dict]:
        if self.delay:
            self._stopping.wait(self.delay)
        with self._lock:
            self.requests.append({"path": path, "headers": dict(headers), "body": body})
            forced = self._failures.pop(0) if self._failures else None
        if forced is not None:
            return _error(*forced)

        user = self.account_sid
        if _basic_auth(headers.get("Authorization")) != (user, self.auth_token):
            return _error(401, 20003)
        match = PATH_RE.match(path)
        if not match or match["sid"] != user:
            return _error(404, 20404)
        if not headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return _error(400, 21602)

        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        to = form.get("To", "")
        if not to:
            return _error(400, 21604)
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return _error(400, 21603)
        if not form.get("Body"):
            return _error(400, 21602)
        if not E164_RE.match(to):
            return _error(400, 21211, to=to)
        if len(form["Body"]) > segments.MAX_CHARACTERS:
            return _error(400, 21617)
        with self._lock:
            code = self._rejections.get(to)
        if code is not None:
            return _error(400, code, to=to)

        sid = "SM" + secrets.token_hex(16)
        message = {
            "sid": sid,
            "account_sid": user,
            "api_version": "2010-04-01",
            "body": form["Body"],
            "date_created": formatdate(usegmt=True),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_segments": str(segments.count(form["Body"])[1]),
            "price": None,
            # Twilio says "accepted" while a messaging service still has to pick a sender.
            "status": "queued" if form.get("From") else "accepted",
            "to": to,
            "uri": f"/2010-04-01/Accounts/{user}/Messages/{sid}.json",
        }
        with self._lock:
            self.messages.append({**form, "sid": sid})
        return 201, message


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except ValueError:
        return None
    return user, password


def _error(status: int, code: int, **fields: str) -> tuple[int, dict]:
    return status, {
        "code": code,
        "message": ERROR_MESSAGES.get(code, "Error").format(**fields),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _make_handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are separate writes

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            status, payload = fake._handle_post(self.path, self.headers, body)
            self._send_json(status, payload)

        def do_GET(self) -> None:
            self._send_json(405, _error(405, 20004)[1])

        def _send_json(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler
