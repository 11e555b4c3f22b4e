"""What a company is searched by: its name without accents or legal form,
its registrable domain, its VAT number's digits.

Legal forms come from cleanco's term list (``NV``, ``S.A.``, ``GmbH & Co.
KG``, ``Ltd``…); they are stripped here with a set lookup rather than
cleanco's own loop, which is two orders of magnitude slower and would make
a million-row load take minutes.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import tldextract
from cleanco.clean import prepare_default_terms
from cleanco.non_nfkd_map import NON_NFKD_MAP

_TERMS = frozenset(tuple(parts) for _, parts in prepare_default_terms() if parts)
_SIZES = sorted({len(t) for t in _TERMS}, reverse=True)
_PUNCT = re.compile(r"[^\w&/]+|(?<!\w)/|/(?!\w)")
_TRANSLATE = str.maketrans({**NON_NFKD_MAP, "æ": "ae", "œ": "oe"})

# Registrable domains of free mail providers: an address there says nothing
# about the company. Providers with many country domains are matched by name.
FREE_MAIL_NAMES = frozenset(
    [
        "gmail",
        "googlemail",
        "hotmail",
        "outlook",
        "live",
        "msn",
        "yahoo",
        "ymail",
        "icloud",
        "me",
        "mac",
        "aol",
        "gmx",
        "web",
        "protonmail",
        "proton",
        "yandex",
        "mail",
        "zoho",
        "orange",
        "free",
        "laposte",
        "wanadoo",
        "skynet",
        "telenet",
        "btinternet",
        "libero",
        "virgilio",
        "tiscali",
        "seznam",
        "wp",
        "onet",
        "interia",
        "posteo",
        "freenet",
        "t-online",
        "hey",
        "fastmail",
        "tutanota",
        "tuta",
        "qq",
        "163",
        "126",
        "naver",
        "rediffmail",
    ]
)
_FREE_MAIL_EXCEPTIONS = frozenset({"web.com", "mail.com.example"})  # real businesses' names

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def fold(text: str) -> str:
    """Lower case without accents: ``Société Générale`` -> ``societe generale``."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_TRANSLATE))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    # Dots join initials (``S.A.`` is ``sa``, as in cleanco's terms).
    return _PUNCT.sub(" ", fold(text).replace(".", "")).split()


def _strip_forms(parts: list[str], prefix: bool = True) -> list[str]:
    changed = True
    while changed and len(parts) > 1:
        changed = False
        for size in _SIZES:
            if size < len(parts) and tuple(parts[-size:]) in _TERMS:
                del parts[-size:]
                changed = True
                break
    for size in _SIZES if prefix else ():
        if size < len(parts) and tuple(parts[:size]) in _TERMS:
            del parts[:size]
            break
    return parts


def name_key(name: str) -> str:
    """The name as search compares it: folded, punctuation gone, legal forms stripped."""
    parts = _strip_forms(words(name))
    if parts and parts[-1] == "&":
        parts.pop()
    return " ".join(parts)


def legal_form(name: str) -> str:
    """The legal form written at the end of ``name`` (``S.A.``), if any."""
    raw = name.split()
    parts = words(name)
    kept = _strip_forms(list(parts), prefix=False)
    dropped = len(parts) - len(kept)
    return " ".join(raw[-dropped:]) if dropped and len(raw) >= dropped else ""


@functools.lru_cache(maxsize=4096)
def registrable_domain(text: str) -> str:
    """``https://www.shop.example.co.uk/x`` or ``jane@example.co.uk`` -> ``example.co.uk``.

    Uses the public suffix list bundled with tldextract (never the network);
    returns ``""`` when there is no registrable domain.
    """
    text = (text or "").strip().lower()
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text).split("/")[0].split("?")[0].split(":")[0]
    if not text or len(text) > 253:
        return ""
    parts = _EXTRACT(text)
    if not parts.domain or not parts.suffix:
        return ""
    return f"{parts.domain}.{parts.suffix}"


def is_free_mail(domain: str) -> bool:
    """Whether a registrable domain (``gmail.com``, ``hotmail.co.uk``) is a free mail provider."""
    if not domain or domain in _FREE_MAIL_EXCEPTIONS:
        return False
    return domain.split(".", 1)[0] in FREE_MAIL_NAMES


def vat_digits(vat: str) -> str:
    """The national part of a compact VAT number, for searches without a prefix."""
    if vat.startswith("CHE"):
        return vat[3:]
    return vat[2:] if vat[:2].isalpha() else vat
