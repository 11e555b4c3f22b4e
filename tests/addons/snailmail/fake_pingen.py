"""A loopback HTTP server speaking Pingen's print shop API (v2, JSON:API), as
its documentation and official SDKs (pingen2-sdk-python, pingen2-sdk-js) do.

Real sockets and real HTTP (werkzeug in a thread): the OAuth2
client-credentials token, the signed file upload, letter creation under an
``Idempotency-Key``, validation, cancellation, and the signed webhooks the
shop sends when a letter moves. It plays the shop's errors too: a timeout,
a 500, a refused file.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from addons.snailmail.providers.pingen import sign

CLIENT_ID = "test-client"
CLIENT_SECRET = "client-secret-6f1e2d3c"
ORGANISATION = "0f5e2e6c-3b1a-4d8e-9c7f-1a2b3c4d5e6f"
WEBHOOK_SECRET = "webhook-signing-key-9a8b7c"


def _error(status: int, title: str, detail: str = ""):
    body = {"errors": [{"status": str(status), "title": title, "detail": detail or title}]}
    return jsonify(body), status


LETTER_ATTRIBUTES = {
    "file_original_name",
    "file_url",
    "file_url_signature",
    "address_position",
    "auto_send",
    "delivery_product",
    "print_mode",
    "print_spectrum",
    "sender_address",
    "meta_data",
}
DELIVERY_PRODUCTS = {"cheap", "fast", "registered", "bulk", "premium"}


def _refused(data: dict, attributes: dict) -> str:
    """Why the shop's validation refuses a letter's attributes, as the API
    documents them ("" when they are fine)."""
    if data.get("type") != "letters":
        return "data.type must be letters"
    unknown = set(attributes) - LETTER_ATTRIBUTES
    if unknown:
        return f"unknown attributes: {', '.join(sorted(unknown))}"
    for name in ("file_original_name", "file_url", "file_url_signature"):
        if not attributes.get(name):
            return f"{name} is required"
    if attributes.get("address_position") not in ("left", "right"):
        return "address_position must be left or right"
    if not isinstance(attributes.get("auto_send"), bool):
        return "auto_send must be a boolean"
    if attributes["auto_send"]:
        if attributes.get("delivery_product") not in DELIVERY_PRODUCTS:
            return "delivery_product is required to send"
        if attributes.get("print_mode") not in ("simplex", "duplex"):
            return "print_mode is required to send"
        if attributes.get("print_spectrum") not in ("color", "grayscale"):
            return "print_spectrum is required to send"
    meta = attributes.get("meta_data")
    if meta is not None and not (isinstance(meta, dict) and set(meta) <= {"recipient", "sender"}):
        return "meta_data holds a recipient and a sender"
    return ""


class FakePingen:
    def __init__(self):
        self.letters: dict[str, dict] = {}
        self.uploads: dict[str, bytes] = {}
        self.signatures: dict[str, str] = {}
        self.idempotency: dict[str, str] = {}
        self.tokens: set[str] = set()
        self.requests: list[tuple[str, str]] = []
        # What validation concludes: "submitted", "invalid" or "action_required".
        self.verdict = "submitted"
        # Failures to play on the next call of a path prefix: "500", "422", or
        # "timeout" (the call is done, its answer comes after the client gave up).
        self.failures: list[tuple[str, str]] = []
        self.timeout_seconds = 3.0
        self.lock = threading.Lock()
        self.app = self._build()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FakePingen:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, prefix: str, how: str) -> None:
        self.failures.append((prefix, how))

    # -- the server ------------------------------------------------------------

    def _build(self) -> Flask:
        app = Flask("fake_pingen")
        fake = self

        @app.before_request
        def playback():
            fake.requests.append((request.method, request.path))
            for index, (prefix, how) in enumerate(fake.failures):
                if request.path.startswith(prefix):
                    del fake.failures[index]
                    if how == "timeout":  # done, but the answer comes too late
                        request.environ["fake.sleep"] = fake.timeout_seconds
                        return None
                    if how == "500":
                        return _error(500, "Internal Server Error")
                    return _error(int(how), "Unprocessable Entity", "The file is not a valid PDF.")
            return None

        @app.after_request
        def late(response):
            time.sleep(request.environ.get("fake.sleep", 0))
            return response

        def authorised() -> bool:
            header = request.headers.get("Authorization", "")
            return header.startswith("Bearer ") and header[7:] in fake.tokens

        @app.post("/auth/access-tokens")
        def token():
            form = request.form
            if (
                form.get("grant_type") != "client_credentials"
                or form.get("client_id") != CLIENT_ID
                or form.get("client_secret") != CLIENT_SECRET
            ):
                return jsonify({"error": "invalid_client"}), 401
            value = secrets.token_hex(16)
            fake.tokens.add(value)
            return jsonify({"token_type": "Bearer", "expires_in": 43200, "access_token": value})

        @app.get("/file-upload")
        def file_upload():
            if not authorised():
                return _error(401, "Unauthenticated")
            upload_id = str(uuid.uuid4())
            fake.signatures[upload_id] = secrets.token_hex(8)
            return jsonify(
                {
                    "data": {
                        "id": upload_id,
                        "type": "file_uploads",
                        "attributes": {
                            "url": f"{fake.base_url}/storage/{upload_id}",
                            "url_signature": fake.signatures[upload_id],
                            "expires_at": "2030-01-01T00:00:00+0000",
                        },
                    }
                }
            )

        @app.put("/storage/<upload_id>")
        def storage(upload_id):
            if upload_id not in fake.signatures:
                return "unknown upload", 404
            fake.uploads[upload_id] = request.get_data()
            return "", 200

        @app.post(f"/organisations/{ORGANISATION}/deliveries/letters")
        def create_letter():
            if not authorised():
                return _error(401, "Unauthenticated")
            if request.content_type != "application/vnd.api+json":
                return _error(415, "Unsupported Media Type")
            key = request.headers.get("Idempotency-Key", "")
            with fake.lock:
                if key and key in fake.idempotency:
                    return jsonify({"data": fake._letter(fake.idempotency[key])}), 201
                data = request.get_json(force=True).get("data") or {}
                attributes = data.get("attributes") or {}
                refused = _refused(data, attributes)
                if refused:
                    return _error(422, "Unprocessable Entity", refused)
                upload_id = attributes["file_url"].rsplit("/", 1)[-1]
                if fake.signatures.get(upload_id) != attributes["file_url_signature"]:
                    return _error(422, "Invalid file signature")
                data = fake.uploads.get(upload_id, b"")
                if not data.startswith(b"%PDF"):
                    return _error(422, "Invalid file", "The uploaded file is not a PDF.")
                letter_id = str(uuid.uuid4())
                fake.letters[letter_id] = {
                    "status": "validating",
                    "attributes": attributes,
                    "pdf": data,
                    "key": key,
                }
                if key:
                    fake.idempotency[key] = letter_id
            return jsonify({"data": fake._letter(letter_id)}), 201

        @app.get(f"/organisations/{ORGANISATION}/deliveries/letters/<letter_id>")
        def get_letter(letter_id):
            if not authorised():
                return _error(401, "Unauthenticated")
            letter = fake.letters.get(letter_id)
            if letter is None:
                return _error(404, "Not Found")
            if letter["status"] == "validating":
                letter["status"] = fake.verdict
            return jsonify({"data": fake._letter(letter_id)})

        @app.patch(f"/organisations/{ORGANISATION}/deliveries/letters/<letter_id>/cancel")
        def cancel_letter(letter_id):
            if not authorised():
                return _error(401, "Unauthenticated")
            letter = fake.letters.get(letter_id)
            if letter is None:
                return _error(404, "Not Found")
            if letter["status"] in ("printing", "sent", "delivered", "undeliverable"):
                return _error(422, "Letter cannot be cancelled", "The letter is already printing.")
            letter["status"] = "cancelled"
            return "", 202

        return app

    def _letter(self, letter_id: str) -> dict:
        letter = self.letters[letter_id]
        attributes = letter["attributes"]
        return {
            "id": letter_id,
            "type": "letters",
            "attributes": {
                "status": letter["status"],
                "file_original_name": attributes["file_original_name"],
                "address_position": attributes["address_position"],
                "delivery_product": attributes["delivery_product"],
                "print_mode": attributes["print_mode"],
                "print_spectrum": attributes["print_spectrum"],
            },
        }

    # -- the shop's webhooks -------------------------------------------------------

    def event(self, letter_id: str, status: str, event_id: str | None = None) -> tuple[bytes, dict]:
        """Moves the letter to ``status`` and returns the webhook it would send:
        the body and its headers (``Signature``)."""
        if letter_id in self.letters:
            self.letters[letter_id]["status"] = status
        body = {
            "data": {
                "type": {
                    "undeliverable": "webhook_undeliverable",
                    "action_required": "webhook_issues",
                }.get(status, "webhook_sent"),
                "id": event_id or str(uuid.uuid4()),
                "attributes": {
                    "reason": status,
                    "url": "",
                    "created_at": "2026-12-07T00:00:00+0000",
                },
                "relationships": {
                    "organisation": {"data": {"id": ORGANISATION, "type": "organisations"}},
                    "letter": {
                        "links": {
                            "related": f"{self.base_url}/organisations/{ORGANISATION}"
                            f"/deliveries/letters/{letter_id}"
                        },
                        "data": {"id": letter_id, "type": "letters"},
                    },
                },
            },
            "included": [
                {"id": letter_id, "type": "letters", "attributes": {"status": status}},
            ],
        }
        raw = json.dumps(body).encode()
        return raw, {"Signature": sign(WEBHOOK_SECRET, raw), "Content-Type": "application/json"}
