"""SMS part counting per 3GPP TS 23.038 (GSM 7-bit default alphabet and UCS-2).

A message is sent as GSM-7 when every character is in the default alphabet or its
extension table, otherwise the whole message switches to UCS-2. The composer popup,
pricing and the gateway must agree on the number of parts, so everything here goes
through :func:`_layout`.

National language shift tables (Turkish, Spanish, Portuguese, Indian scripts) are not
used: gateways rarely apply them and counting them would over-promise GSM-7.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7 = "GSM-7"
UCS2 = "UCS-2"

MAX_CHARACTERS = 1600

GSM7_SINGLE = 160
GSM7_MULTI = 153  # 7 septets go to the concatenation header (UDH)
UCS2_SINGLE = 70
UCS2_MULTI = 67  # 3 UTF-16 units go to the concatenation header

# The 128 code points of the default alphabet, in table order. Position 0x1B is the
# escape to the extension table, not a character, hence the None placeholder.
GSM7_BASIC_TABLE: tuple[str | None, ...] = (
    *"@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5",
    *"\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e",
    None,
    *"\u00c6\u00e6\u00df\u00c9",
    *" !\"#\u00a4%&'()*+,-./",
    *"0123456789:;<=>?",
    *"\u00a1ABCDEFGHIJKLMNO",
    *"PQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7",
    *"\u00bfabcdefghijklmno",
    *"pqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0",
)
GSM7_BASIC: frozenset[str] = frozenset(c for c in GSM7_BASIC_TABLE if c is not None)
# Each of these is sent as ESC + char, so it costs two septets.
GSM7_EXTENSION: frozenset[str] = frozenset("\f^{}\\[~]|\u20ac")


@dataclass(frozen=True)
class SegmentInfo:
    """What a text costs as an SMS.

    ``units_used`` are septets (GSM-7) or UTF-16 code units (UCS-2), header excluded.
    ``remaining_in_part`` is how many units still fit in the last part before one more
    part is needed. ``unicode_chars`` lists, in order of first appearance, the distinct
    characters that forced UCS-2.
    """

    encoding: str
    parts: int
    units_used: int
    units_per_part: int
    remaining_in_part: int
    characters: int
    unicode_chars: tuple[str, ...]


@dataclass(frozen=True)
class _Layout:
    encoding: str
    unicode_chars: tuple[str, ...]
    units_per_part: int
    part_ends: tuple[int, ...]  # index in the text where each part ends (exclusive)
    part_units: tuple[int, ...]


def _unicode_chars(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION))


def _layout(text: str) -> _Layout:
    unicode_chars = _unicode_chars(text)
    if unicode_chars:
        encoding, single, multi = UCS2, UCS2_SINGLE, UCS2_MULTI
        costs = [2 if ord(c) > 0xFFFF else 1 for c in text]
    else:
        encoding, single, multi = GSM7, GSM7_SINGLE, GSM7_MULTI
        costs = [2 if c in GSM7_EXTENSION else 1 for c in text]

    total = sum(costs)
    if total <= single:
        if not text:
            return _Layout(encoding, unicode_chars, single, (), ())
        return _Layout(encoding, unicode_chars, single, (len(text),), (total,))

    # Greedy fill; a character whose units would straddle the boundary (escape pair,
    # surrogate pair) starts the next part instead, leaving the current one short.
    ends: list[int] = []
    units: list[int] = []
    used = 0
    for index, cost in enumerate(costs):
        if used + cost > multi:
            ends.append(index)
            units.append(used)
            used = 0
        used += cost
    ends.append(len(text))
    units.append(used)
    return _Layout(encoding, unicode_chars, multi, tuple(ends), tuple(units))


def analyze(text: str) -> SegmentInfo:
    """Return encoding, part count and unit usage of ``text``."""
    layout = _layout(text)
    used = sum(layout.part_units)
    last = layout.part_units[-1] if layout.part_units else 0
    return SegmentInfo(
        encoding=layout.encoding,
        parts=len(layout.part_ends),
        units_used=used,
        units_per_part=layout.units_per_part,
        remaining_in_part=layout.units_per_part - last,
        characters=len(text),
        unicode_chars=layout.unicode_chars,
    )


def count(text: str) -> tuple[str, int]:
    """Return ``(encoding, parts)``; ``("GSM-7", 0)`` for an empty text."""
    info = analyze(text)
    return info.encoding, info.parts


def split(text: str) -> list[str]:
    """Return the text of each part as it would be sent (``"".join`` gives ``text``)."""
    parts = []
    start = 0
    for end in _layout(text).part_ends:
        parts.append(text[start:end])
        start = end
    return parts


_LOOKALIKES: dict[str, str] = {
    # single quotes, apostrophes, primes, backtick (` is not in GSM-7)
    **dict.fromkeys(
        "\u2018\u2019\u201a\u201b\u2032\u2035\u02bc\u02c8\u00b4\u0060\u275b\u275c\uff07", "'"
    ),
    # double quotes and guillemets
    **dict.fromkeys(
        "\u201c\u201d\u201e\u201f\u2033\u02ba\u00ab\u00bb\u275d\u275e\u301d\u301e", '"'
    ),
    "\u2039": "<",
    "\u203a": ">",
    # hyphens, dashes, minus
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63", "-"),
    # bullets
    **dict.fromkeys("\u2022\u2023\u25e6\u2219\u25aa\u25cf", "-"),
    "\u2026": "...",
    "\u2024": ".",
    "\u02c6": "^",
    "\u02dc": "~",
    "\u2126": "\u03a9",  # ohm sign -> Greek capital omega (which is in the basic table)
    # unicode spaces and tab
    **dict.fromkeys(
        "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
        "\u202f\u205f\u3000",
        " ",
    ),
    # invisible characters that would otherwise force UCS-2 for nothing
    **dict.fromkeys("\u200b\u2060\ufeff\u00ad", ""),
    # Greek capitals identical to Latin ones (TS 23.038 maps them the same way)
    **dict(
        zip(
            "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7",
            "ABEZHIKMNOPTYX",
            strict=True,
        )
    ),
}
# Full-width ASCII forms (U+FF01..U+FF5E) whose ASCII counterpart is GSM-7.
_LOOKALIKES.update(
    {
        chr(code): chr(code - 0xFEE0)
        for code in range(0xFF01, 0xFF5F)
        if chr(code - 0xFEE0) in GSM7_BASIC or chr(code - 0xFEE0) in GSM7_EXTENSION
    }
)
_LOOKALIKE_TABLE = str.maketrans(_LOOKALIKES)


def smart_encode(text: str) -> str:
    """Replace common Unicode look-alikes by GSM-7 characters.

    Curly quotes become straight quotes, dashes and the minus sign become ``-``,
    Unicode spaces become a plain space, ``…`` becomes ``...``, bullets become ``-``,
    invisible zero-width characters are dropped. Anything else is kept as is, so the
    result may still be UCS-2 (e.g. ``ê`` or emoji).

    This is an optional, per-sender setting: it changes what the recipient sees, so
    callers should apply it only when the user enabled it, and count the parts on the
    result.
    """
    return text.translate(_LOOKALIKE_TABLE)


def validate(text: str) -> None:
    """Raise ``ValueError`` with a user-facing message if ``text`` cannot be sent."""
    if not text or not text.strip():
        raise ValueError("The message is empty.")
    if len(text) > MAX_CHARACTERS:
        raise ValueError(
            f"The message is {len(text):,} characters long; "
            f"the maximum is {MAX_CHARACTERS:,} characters."
        )
