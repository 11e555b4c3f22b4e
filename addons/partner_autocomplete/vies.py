"""A client of VIES ``checkVatService`` (SOAP, document/literal) through zeep.

The WSDL ships with the addon (``data/checkVatService.wsdl``), so only the
endpoint comes from ``VIES_URL``: the real service, or a local server in
tests. VIES answers a refusal with a SOAP fault whose string names it
(``MS_UNAVAILABLE``…); only the transient ones are retried, by the caller,
with :func:`retry_delay`.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

import requests
import zeep
import zeep.exceptions
from zeep.transports import Transport

WSDL = Path(__file__).parent / "data" / "checkVatService.wsdl"
BINDING = "{urn:ec.europa.eu:taxud:vies:services:checkVat}checkVatBinding"
DEFAULT_URL = "https://ec.europa.eu/taxation_customs/vies/services/checkVatService"
# What VIES puts in place of a name or address a member state does not disclose.
UNDISCLOSED = "---"

RETRYABLE = frozenset(
    {
        "SERVICE_UNAVAILABLE",
        "MS_UNAVAILABLE",
        "TIMEOUT",
        "GLOBAL_MAX_CONCURRENT_REQ",
        "MS_MAX_CONCURRENT_REQ",
    }
)
MESSAGES = {
    "INVALID_INPUT": "VIES refused the number as invalid input",
    "INVALID_REQUESTER_INFO": "VIES refused the requester's details",
    "SERVICE_UNAVAILABLE": "VIES is unavailable",
    "MS_UNAVAILABLE": "the member state's VAT database is unavailable",
    "TIMEOUT": "VIES did not answer in time",
    "VAT_BLOCKED": "VIES does not check this number",
    "IP_BLOCKED": "VIES blocked this server's address",
    "GLOBAL_MAX_CONCURRENT_REQ": "VIES is too busy",
    "GLOBAL_MAX_CONCURRENT_REQ_TIME": "VIES is too busy",
    "MS_MAX_CONCURRENT_REQ": "the member state's VAT database is too busy",
    "MS_MAX_CONCURRENT_REQ_TIME": "the member state's VAT database is too busy",
    "MALFORMED_ANSWER": "VIES answered something that is not a VIES answer",
}


class ViesError(Exception):
    """VIES gave no verdict. ``fault`` is VIES's code (or ``TIMEOUT``,
    ``SERVICE_UNAVAILABLE`` for the network, ``MALFORMED_ANSWER``)."""

    def __init__(self, fault: str, detail: str = ""):
        self.fault = fault
        self.retryable = fault in RETRYABLE
        super().__init__(
            MESSAGES.get(fault, f"VIES answered {fault}") + (f" ({detail})" if detail else "")
        )


@dataclass(frozen=True)
class ViesResult:
    country_code: str
    vat_number: str
    valid: bool
    request_date: dt.date
    name: str | None  # None: not given, or not disclosed (see ``name_undisclosed``)
    address: str | None
    name_undisclosed: bool = False
    address_undisclosed: bool = False

    @property
    def label(self) -> str:
        if self.valid:
            return f"VIES: valid on {self.request_date.isoformat()}"
        return "VIES: not valid"


@functools.lru_cache(maxsize=8)
def _service(url: str, timeout: float):
    transport = Transport(timeout=timeout, operation_timeout=timeout)
    client = zeep.Client(str(WSDL), transport=transport)
    return client.create_service(BINDING, url)


def _text(value) -> tuple[str | None, bool]:
    if value is None:
        return None, False
    lines = (" ".join(line.split()) for line in str(value).splitlines())
    text = "\n".join(line for line in lines if line)
    if text == UNDISCLOSED:
        return None, True
    return (text or None), False


def check(
    country_code: str, number: str, *, url: str = DEFAULT_URL, timeout: float = 10
) -> ViesResult:
    """Ask VIES whether ``country_code`` + ``number`` is a valid VAT number.

    Raises :class:`ViesError` when VIES gives no verdict.
    """
    try:
        answer = _service(url, float(timeout)).checkVat(countryCode=country_code, vatNumber=number)
    except zeep.exceptions.Fault as fault:
        raise ViesError((fault.message or "").strip() or "SERVICE_UNAVAILABLE") from None
    except requests.Timeout:
        raise ViesError("TIMEOUT", "no answer within the time limit") from None
    except requests.RequestException as exc:
        raise ViesError("SERVICE_UNAVAILABLE", type(exc).__name__) from None
    except zeep.exceptions.TransportError as exc:
        if exc.status_code == 200:  # zeep's word for a body that is not XML
            raise ViesError("MALFORMED_ANSWER", "not XML") from None
        raise ViesError("SERVICE_UNAVAILABLE", f"HTTP {exc.status_code}") from None
    except (zeep.exceptions.Error, ValueError, AttributeError) as exc:
        raise ViesError("MALFORMED_ANSWER", type(exc).__name__) from None
    if answer is None or answer.valid is None or answer.requestDate is None:
        raise ViesError("MALFORMED_ANSWER", "verdict missing")
    name, name_hidden = _text(answer.name)
    address, address_hidden = _text(answer.address)
    request_date = answer.requestDate
    if isinstance(request_date, dt.datetime):
        request_date = request_date.date()
    return ViesResult(
        country_code=answer.countryCode,
        vat_number=answer.vatNumber,
        valid=bool(answer.valid),
        request_date=request_date,
        name=name,
        address=address,
        name_undisclosed=name_hidden,
        address_undisclosed=address_hidden,
    )


def retry_delay(attempt: int, *, base: int = 60, cap: int = 6 * 3600) -> int:
    """Seconds before try ``attempt`` + 1: 1, 2, 4… minutes, at most 6 hours."""
    return min(base * 2 ** max(attempt - 1, 0), cap)
