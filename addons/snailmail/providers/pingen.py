"""Client for a Pingen-style print shop REST API (JSON:API, v2), and the shop built on it.

Wire format, as Pingen's API v2 and its official SDKs (pingen2-sdk-python,
-js) speak it: an OAuth2 client-credentials token from
``{api}/auth/access-tokens`` (form-encoded ``grant_type``, ``client_id``,
``client_secret``, ``scope``); ``GET /file-upload`` for a signed upload URL
(``url``, ``url_signature``), ``PUT`` of the PDF there;
``POST /organisations/{org}/deliveries/letters`` with an ``Idempotency-Key``
creates the letter (``file_original_name``, ``file_url``,
``file_url_signature``, ``address_position`` ``left``/``right``,
``auto_send``, and with it ``delivery_product`` ``cheap``/``fast``/
``registered``…, ``print_mode`` ``simplex``/``duplex``, ``print_spectrum``
``color``/``grayscale``); ``GET …/deliveries/letters/{id}`` reads its status;
``PATCH …/deliveries/letters/{id}/cancel`` stops it. State changes come back
as webhooks (``webhook_sent``, ``webhook_issues``, ``webhook_undeliverable``,
the letter in ``included``) signed with HMAC-SHA256 of the body, hex, in the
``Signature`` header.

Secrets (client secret, token) never appear in an exception message: the
chained ``requests`` exception would carry the ``Authorization`` header.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import requests

from addons.snailmail.errors import FORMAT_ERROR, UNKNOWN_ERROR
from addons.snailmail.providers.base import Handed, Outgoing, PrintShop, ShopError

# The shop's letter statuses, in the order a letter goes through them; a
# status never replaces one further along (webhooks arrive out of order).
STATUS_RANK = {
    "validating": 0,
    "valid": 1,
    "action_required": 1,
    "submitted": 2,
    "accepted": 3,
    "printing": 4,
    "sent": 5,
    "delivered": 6,
    "undeliverable": 6,
    "invalid": 9,
    "cancelled": 9,
}
STATUSES = tuple(STATUS_RANK)
FINAL = frozenset({"delivered", "undeliverable", "invalid", "cancelled"})
REFUSED = frozenset({"invalid", "action_required"})
DELIVERY_PRODUCTS = {"standard": "cheap", "priority": "fast", "registered": "registered"}
JSONAPI = "application/vnd.api+json"
SCOPE = "letter webhook"


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, signature: str | None) -> bool:
    if not secret or not signature:
        return False
    return hmac.compare_digest(sign(secret, body), signature.strip().lower())


class PingenClient:
    """One organisation's connection to the API; keeps its token until it expires."""

    def __init__(
        self,
        base_url: str,
        identity_url: str,
        client_id: str,
        client_secret: str,
        organisation: str,
        *,
        timeout: float = 20,
    ):
        missing = [
            name
            for name, value in (
                ("API URL", base_url),
                ("client ID", client_id),
                ("client secret", client_secret),
                ("organisation", organisation),
            )
            if not value
        ]
        if missing:
            raise ValueError("missing " + ", ".join(missing))
        self.base_url = base_url.rstrip("/")
        self.identity_url = (identity_url or base_url).rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self.organisation = organisation
        self.timeout = timeout
        self._token: str | None = None
        self._token_expires = 0.0
        self._session = requests.Session()

    def __repr__(self) -> str:
        return f"PingenClient({self.base_url!r}, organisation={self.organisation!r})"

    def close(self) -> None:
        self._session.close()

    # -- transport --------------------------------------------------------

    def _call(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            return self._session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            error = ShopError(
                f"The print shop did not answer within {self.timeout:g} s.", maybe_taken=True
            )
        except requests.RequestException as exc:
            error = ShopError(f"The print shop cannot be reached ({type(exc).__name__}).")
        raise error

    def _token_header(self) -> dict[str, str]:
        if self._token is None or time.monotonic() >= self._token_expires:
            response = self._call(
                "POST",
                f"{self.identity_url}/auth/access-tokens",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self._secret,
                    "scope": SCOPE,
                },
            )
            if response.status_code in (400, 401, 403):
                raise ShopError("The print shop refused our credentials: check them in Settings.")
            body = self._json(response)
            self._token = body["access_token"]
            self._token_expires = time.monotonic() + max(int(body.get("expires_in", 3600)) - 60, 1)
        return {"Authorization": f"Bearer {self._token}"}

    def _json(self, response: requests.Response) -> dict[str, Any]:
        if response.status_code >= 500:
            raise ShopError(
                f"The print shop had an error (HTTP {response.status_code}); it will be retried.",
                maybe_taken=True,
            )
        try:
            body = response.json() if response.content else {}
        except ValueError:
            raise ShopError(
                f"The print shop answered something unreadable (HTTP {response.status_code})."
            ) from None
        if response.status_code >= 400:
            details = "; ".join(
                str(e.get("detail") or e.get("title") or "") for e in body.get("errors", [])
            )
            details = details or f"HTTP {response.status_code}"
            raise ShopError(
                f"The print shop refused the letter: {details}",
                code=FORMAT_ERROR if response.status_code in (400, 409, 422) else UNKNOWN_ERROR,
            )
        return body

    def _api(self, method: str, path: str, **kwargs) -> dict[str, Any]:
        headers = {"Accept": JSONAPI, **self._token_header(), **kwargs.pop("headers", {})}
        response = self._call(method, f"{self.base_url}{path}", headers=headers, **kwargs)
        if response.status_code == 401:  # the token was revoked: one new try
            self._token = None
            headers.update(self._token_header())
            response = self._call(method, f"{self.base_url}{path}", headers=headers, **kwargs)
        return self._json(response)

    # -- operations -------------------------------------------------------

    def upload(self, pdf: bytes) -> tuple[str, str]:
        """Uploads the file; returns its URL and signature for the letter."""
        attributes = self._api("GET", "/file-upload")["data"]["attributes"]
        response = self._call(
            "PUT", attributes["url"], data=pdf, headers={"Content-Type": "application/pdf"}
        )
        if response.status_code >= 300:
            raise ShopError(
                f"The print shop's file storage refused the PDF (HTTP {response.status_code}).",
                maybe_taken=response.status_code >= 500,
            )
        return attributes["url"], attributes["url_signature"]

    def create_letter(self, letter: Outgoing) -> dict[str, Any]:
        url, signature = self.upload(letter.pdf)
        body = {
            "data": {
                "type": "letters",
                "attributes": {
                    "file_original_name": letter.filename,
                    "file_url": url,
                    "file_url_signature": signature,
                    "address_position": letter.window,
                    "auto_send": True,
                    "delivery_product": DELIVERY_PRODUCTS[letter.delivery],
                    "print_mode": "duplex" if letter.duplex else "simplex",
                    "print_spectrum": "color" if letter.color else "grayscale",
                },
            }
        }
        return self._api(
            "POST",
            f"{self._letters}",
            json=body,
            headers={"Content-Type": JSONAPI, "Idempotency-Key": letter.uid},
        )["data"]

    def letter(self, letter_id: str) -> dict[str, Any]:
        return self._api("GET", f"{self._letters}/{letter_id}")["data"]

    def cancel(self, letter_id: str) -> None:
        self._api("PATCH", f"{self._letters}/{letter_id}/cancel")

    @property
    def _letters(self) -> str:
        return f"/organisations/{self.organisation}/deliveries/letters"


class PingenShop(PrintShop):
    key = "pingen"
    name = "Pingen"
    description = "Post through a Pingen account (or any API speaking its wire format)."
    sequence = 2

    def __init__(self, validation_wait: float | None = None, poll: float = 0.5):
        self._client: PingenClient | None = None
        self._wait = validation_wait
        self._poll = poll

    def _connect(self) -> PingenClient:
        if self._client is None:
            from addons.snailmail import config

            try:
                self._client = PingenClient(
                    config.get("pingen_base_url"),
                    config.get("pingen_identity_url"),
                    config.get("pingen_client_id"),
                    config.get("pingen_client_secret"),
                    config.get("pingen_organisation"),
                    timeout=config.number("pingen_timeout"),
                )
            except ValueError as exc:
                raise ShopError(f"Pingen is not configured: {exc}.") from None
            if self._wait is None:
                self._wait = config.number("pingen_validation_wait")
        return self._client

    def submit(self, letter: Outgoing) -> Handed:
        client = self._connect()
        data = client.create_letter(letter)
        status = data["attributes"].get("status", "validating")
        deadline = time.monotonic() + (self._wait or 0)
        # The shop checks the file first: wait for its verdict, briefly.
        while status == "validating":
            try:
                status = client.letter(data["id"])["attributes"].get("status", status)
            except ShopError:
                break  # the shop has the letter: its verdict will come by webhook
            if status != "validating" or time.monotonic() + self._poll > deadline:
                break
            time.sleep(self._poll)
        if status in REFUSED:
            try:
                client.cancel(data["id"])
            except ShopError:
                pass
            raise ShopError(refusal(status), code=FORMAT_ERROR)
        if status == "cancelled":
            raise ShopError("The print shop canceled the letter.", code=UNKNOWN_ERROR)
        return Handed(provider_id=data["id"], state=status)

    def cancel(self, provider_id: str) -> None:
        self._connect().cancel(provider_id)


def refusal(status: str) -> str:
    if status == "action_required":
        return (
            "The print shop needs a change before printing (action required): "
            "check the document and the address, then send again."
        )
    return "The print shop found the document invalid: check it is a printable A4 PDF."
