"""A loopback SOAP server playing VIES ``checkVatService``.

It serves the WSDL at ``?wsdl`` and answers ``checkVat`` envelopes the way
VIES's own test service does: number ``100`` is valid, ``200`` is invalid,
and the other test numbers answer each fault (``201`` INVALID_INPUT, ``300``
SERVICE_UNAVAILABLE, ``301`` MS_UNAVAILABLE, ``302`` TIMEOUT, ``500``
GLOBAL_MAX_CONCURRENT_REQ, ``600`` MS_MAX_CONCURRENT_REQ…). Beyond the test
service: ``900`` answers malformed XML, ``901`` answers too late, and
:meth:`FakeVies.register` adds real numbers (with ``---`` for undisclosed
data) and :meth:`FakeVies.fail_next` scripts faults before an answer.
"""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from addons.partner_autocomplete.vies import WSDL
from tests.loopback import LoopbackServer

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES = "urn:ec.europa.eu:taxud:vies:services:checkVat:types"

TEST_FAULTS = {
    "201": "INVALID_INPUT",
    "202": "INVALID_REQUESTER_INFO",
    "300": "SERVICE_UNAVAILABLE",
    "301": "MS_UNAVAILABLE",
    "302": "TIMEOUT",
    "400": "VAT_BLOCKED",
    "401": "IP_BLOCKED",
    "500": "GLOBAL_MAX_CONCURRENT_REQ",
    "501": "GLOBAL_MAX_CONCURRENT_REQ_TIME",
    "600": "MS_MAX_CONCURRENT_REQ",
    "601": "MS_MAX_CONCURRENT_REQ_TIME",
}


def _envelope(body: str) -> bytes:
    return (
        f'<env:Envelope xmlns:env="{SOAP}"><env:Header/><env:Body>{body}</env:Body></env:Envelope>'
    ).encode()


def fault(code: str) -> bytes:
    return _envelope(
        f"<env:Fault><faultcode>env:Server</faultcode><faultstring>{code}</faultstring></env:Fault>"
    )


def answer(country: str, number: str, valid: bool, name: str, address: str) -> bytes:
    today = dt.date.today().isoformat() + "+01:00"
    return _envelope(
        f'<ns2:checkVatResponse xmlns:ns2="{TYPES}">'
        f"<ns2:countryCode>{escape(country)}</ns2:countryCode>"
        f"<ns2:vatNumber>{escape(number)}</ns2:vatNumber>"
        f"<ns2:requestDate>{today}</ns2:requestDate>"
        f"<ns2:valid>{'true' if valid else 'false'}</ns2:valid>"
        f"<ns2:name>{escape(name)}</ns2:name><ns2:address>{escape(address)}</ns2:address>"
        "</ns2:checkVatResponse>"
    )


class FakeVies(LoopbackServer):
    """Start with :meth:`start`, stop with :meth:`stop`; ``url`` is the endpoint."""

    def __init__(self, slow_seconds: float = 3.0):
        self.companies: dict[tuple[str, str], tuple[str, str]] = {}
        self.requests: list[tuple[str, str]] = []
        self.slow_seconds = slow_seconds
        self._script: list[str] = []
        self._lock = threading.Lock()
        self._listen(_make_handler(self))

    @property
    def url(self) -> str:
        return f"{self.origin}/taxation_customs/vies/services/checkVatService"

    def register(self, country: str, number: str, name: str, address: str) -> None:
        self.companies[(country, number)] = (name, address)

    def fail_next(self, *faults: str) -> None:
        with self._lock:
            self._script.extend(faults)

    def respond(self, country: str, number: str) -> tuple[int, bytes]:
        with self._lock:
            self.requests.append((country, number))
            scripted = self._script.pop(0) if self._script else None
        if scripted:
            return 500, fault(scripted)
        if number == "100":
            return 200, answer(country, number, True, "TEST COMPANY", "1 TEST STREET\n1000 TEST")
        if number == "200":
            return 200, answer(country, number, False, "---", "---")
        if number in TEST_FAULTS:
            return 500, fault(TEST_FAULTS[number])
        if number == "900":
            return 200, b"<env:Envelope><env:Body><ns2:checkVatResponse>"
        if number == "901":
            self._stopping.wait(self.slow_seconds)
            return 200, answer(country, number, True, "LATE", "LATE")
        if (country, number) in self.companies:
            name, address = self.companies[(country, number)]
            return 200, answer(country, number, True, name, address)
        return 200, answer(country, number, False, "---", "---")


def _make_handler(server: FakeVies):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status: int, body: bytes, content_type="text/xml; charset=utf-8"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                pass

        def do_GET(self):  # noqa: N802 - http.server API
            if self.path.endswith("?wsdl") or self.path.endswith(".wsdl"):
                self._send(200, WSDL.read_bytes())
            else:
                self._send(404, b"not found", "text/plain")

        def do_POST(self):  # noqa: N802 - http.server API
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                root = ElementTree.fromstring(raw)
                body = root.find(f"{{{SOAP}}}Body")
                request = body.find(f"{{{TYPES}}}checkVat")
                country = request.find(f"{{{TYPES}}}countryCode").text or ""
                number = request.find(f"{{{TYPES}}}vatNumber").text or ""
            except (ElementTree.ParseError, AttributeError):
                self._send(500, fault("INVALID_INPUT"))
                return
            status, payload = server.respond(country, number)
            self._send(status, payload)

    return Handler
