import random

import pytest

from addons.sms import segments
from addons.sms.segments import (
    GSM7_BASIC,
    GSM7_BASIC_TABLE,
    GSM7_EXTENSION,
    MAX_CHARACTERS,
    SegmentInfo,
    analyze,
    count,
    smart_encode,
    split,
    validate,
)

EMOJI = "\U0001f600"  # 😀, two UTF-16 units
EXTENSION_CHARS = "^{}\\[~]|\u20ac\f"


# -- reference oracle --------------------------------------------------------------
# Encodes for real (septets with ESC bytes, UTF-16-BE code units) and cuts the unit
# stream, stepping back when a cut would orphan an ESC or a high surrogate. Written
# independently from segments._layout on purpose.


def _septets(text):
    out = []
    for ch in text:
        if ch in GSM7_EXTENSION:
            out += [0x1B, ch]
        else:
            out.append(GSM7_BASIC_TABLE.index(ch))
    return out


def _utf16_units(text):
    data = text.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def oracle_parts(text):
    gsm = all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)
    units = _septets(text) if gsm else _utf16_units(text)
    single, multi = (160, 153) if gsm else (70, 67)
    if not units:
        return 0
    if len(units) <= single:
        return 1
    parts, pos = 0, 0
    while pos < len(units):
        end = min(pos + multi, len(units))
        if end < len(units):
            last = units[end - 1]
            if (gsm and last == 0x1B) or (not gsm and 0xD800 <= last <= 0xDBFF):
                end -= 1
        parts += 1
        pos = end
    return parts


def units_of(part, encoding):
    if encoding == "GSM-7":
        return len(_septets(part))
    return len(_utf16_units(part))


# -- tables --------------------------------------------------------------------------


def test_basic_table_has_128_positions_in_spec_order():
    assert len(GSM7_BASIC_TABLE) == 128
    assert GSM7_BASIC_TABLE[0x00] == "@"
    assert GSM7_BASIC_TABLE[0x05] == "é"
    assert GSM7_BASIC_TABLE[0x09] == "Ç"
    assert GSM7_BASIC_TABLE[0x10] == "\u0394"  # Greek capital delta
    assert GSM7_BASIC_TABLE[0x1B] is None  # escape, not a character
    assert GSM7_BASIC_TABLE[0x1F] == "É"
    assert GSM7_BASIC_TABLE[0x24] == "¤"
    assert GSM7_BASIC_TABLE[0x40] == "¡"
    assert GSM7_BASIC_TABLE[0x5F] == "§"
    assert GSM7_BASIC_TABLE[0x60] == "¿"
    assert GSM7_BASIC_TABLE[0x7F] == "à"
    assert len(GSM7_BASIC) == 127


@pytest.mark.parametrize("ch", sorted(GSM7_BASIC))
def test_every_basic_char_costs_one_septet(ch):
    info = analyze(ch)
    assert (info.encoding, info.parts, info.units_used) == ("GSM-7", 1, 1)
    assert analyze(ch * 160).parts == 1
    assert analyze(ch * 161).parts == 2


@pytest.mark.parametrize("ch", EXTENSION_CHARS)
def test_every_extension_char_costs_two_septets(ch):
    info = analyze(ch)
    assert (info.encoding, info.units_used) == ("GSM-7", 2)
    assert analyze(ch * 80).parts == 1
    assert analyze(ch * 81).parts == 2


@pytest.mark.parametrize(
    "ch",
    ["ê", "ç", "ô", "ł", "`", "\u2019", "\u00a0", "\t", "\x1b", "\u03c9", "\u2126", "日", EMOJI],
)
def test_chars_outside_both_tables_force_ucs2(ch):
    assert ch not in GSM7_BASIC and ch not in GSM7_EXTENSION
    info = analyze("Hello " + ch)
    assert info.encoding == "UCS-2"
    assert info.unicode_chars == (ch,)


def test_e_acute_is_gsm_but_e_circumflex_is_not():
    assert analyze("Café é É").unicode_chars == ()
    assert count("Café é É") == ("GSM-7", 1)
    assert analyze("Fête").unicode_chars == ("ê",)
    assert count("Fête") == ("UCS-2", 1)


def test_greek_capitals_in_the_basic_table_stay_gsm():
    assert count("\u0394\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e") == ("GSM-7", 1)
    assert count("\u03b1") == ("UCS-2", 1)  # small alpha is not in the table


# -- GSM-7 boundaries ---------------------------------------------------------------


def test_empty_text():
    assert count("") == ("GSM-7", 0)
    assert analyze("") == SegmentInfo("GSM-7", 0, 0, 160, 160, 0, ())
    assert split("") == []


@pytest.mark.parametrize(
    ("length", "parts"),
    [(1, 1), (159, 1), (160, 1), (161, 2), (305, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm_length_boundaries(length, parts):
    assert count("a" * length) == ("GSM-7", parts)


def test_gsm_single_and_multipart_details():
    assert analyze("a" * 160) == SegmentInfo("GSM-7", 1, 160, 160, 0, 160, ())
    assert analyze("a" * 161) == SegmentInfo("GSM-7", 2, 161, 153, 145, 161, ())
    assert analyze("a" * 306).remaining_in_part == 0


def test_euro_counts_two_septets():
    assert analyze("€").units_used == 2
    assert analyze("10 €").units_used == 5
    assert count("a" * 158 + "€") == ("GSM-7", 1)  # exactly 160 septets
    assert count("a" * 159 + "€") == ("GSM-7", 2)  # 161 septets


def test_escape_pair_never_split_at_the_153_boundary():
    text = "a" * 152 + "€" + "b" * 10
    parts = split(text)
    assert parts == ["a" * 152, "€" + "b" * 10]
    info = analyze(text)
    assert (info.parts, info.units_used, info.remaining_in_part) == (2, 164, 153 - 12)


def test_escape_pair_at_boundary_can_cost_an_extra_part():
    # 306 septets would fit in two parts by arithmetic, but the € cannot straddle.
    text = "a" * 152 + "€" + "a" * 152
    assert analyze(text).units_used == 306
    assert count(text) == ("GSM-7", 3)
    assert [len(p) for p in split(text)] == [152, 152, 1]


def test_escape_pair_exactly_filling_a_part_stays():
    text = "a" * 151 + "€" + "b" * 20
    assert split(text)[0] == "a" * 151 + "€"


def test_gsm_newlines_count_one_each():
    assert analyze("a\r\nb\n").units_used == 5


# -- UCS-2 boundaries ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "parts"),
    [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)],
)
def test_ucs2_length_boundaries(length, parts):
    assert count("ê" * length) == ("UCS-2", parts)


def test_one_unicode_char_switches_the_whole_message():
    text = "a" * 69 + "ê"
    assert count(text) == ("UCS-2", 1)
    assert count("a" * 70 + "ê") == ("UCS-2", 2)


def test_extension_chars_cost_one_unit_in_ucs2():
    assert analyze("€€ê").units_used == 3


def test_emoji_counts_two_units():
    info = analyze(EMOJI)
    assert (info.encoding, info.units_used, info.characters) == ("UCS-2", 2, 1)
    assert count(EMOJI * 35) == ("UCS-2", 1)  # 70 units
    assert count(EMOJI * 35 + "a") == ("UCS-2", 2)


def test_surrogate_pair_never_split_at_the_67_boundary():
    text = "a" * 66 + EMOJI + "b" * 10
    assert split(text) == ["a" * 66, EMOJI + "b" * 10]


def test_surrogate_pair_at_boundary_can_cost_an_extra_part():
    text = "a" * 66 + EMOJI + "a" * 66
    assert analyze(text).units_used == 134
    assert count(text) == ("UCS-2", 3)


def test_ucs2_multipart_details():
    info = analyze("ê" * 71)
    assert info == SegmentInfo("UCS-2", 2, 71, 67, 63, 71, ("ê",))


def test_unicode_chars_are_distinct_and_in_order():
    info = analyze(f"Hé {EMOJI}! Fête à l'hôtel {EMOJI} ê")
    assert info.unicode_chars == (EMOJI, "ê", "ô")


def test_mixed_text():
    text = "Your code is 1234. Reply STOP {to} unsubscribe: 5€ [promo]"
    info = analyze(text)
    assert info.encoding == "GSM-7"
    assert info.units_used == len(text) + 5  # { } € [ ] each add an escape
    assert info.characters == len(text)


# -- split / count consistency -------------------------------------------------------

ALPHABETS = [
    "abc XYZ 012 .,!?\n",
    EXTENSION_CHARS,
    "éèàÄÖÑÜ£$@",
    "êôçłżşğ日本語",
    EMOJI + "\U0001f44d\U0001f1e7\U0001f1ea\U00010348",
]


def random_text(rng):
    pools = [ALPHABETS[0], ALPHABETS[1], ALPHABETS[2]]
    if rng.random() < 0.4:
        pools += ALPHABETS[3:]
    length = rng.choice([rng.randint(0, 40), rng.randint(60, 175), rng.randint(130, 700)])
    return "".join(rng.choice(rng.choice(pools)) for _ in range(length))


def test_random_texts_split_and_count_agree():
    rng = random.Random(20240607)
    for _ in range(3000):
        text = random_text(rng)
        encoding, parts = count(text)
        info = analyze(text)
        pieces = split(text)

        assert "".join(pieces) == text
        assert (info.encoding, info.parts) == (encoding, parts)
        assert len(pieces) == parts == oracle_parts(text)
        assert encoding == (
            "GSM-7" if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text) else "UCS-2"
        )
        assert info.units_used == units_of(text, encoding)
        assert info.characters == len(text)

        limit = (160 if encoding == "GSM-7" else 70) if parts <= 1 else info.units_per_part
        unit_counts = [units_of(p, encoding) for p in pieces]
        assert all(0 < n <= limit for n in unit_counts)
        assert sum(unit_counts) == info.units_used
        if pieces:
            assert info.remaining_in_part == limit - unit_counts[-1]
        # Greedy: each full part could not have taken the next character.
        for piece, nxt in zip(pieces, pieces[1:], strict=False):
            assert units_of(piece + nxt[0], encoding) > limit


def test_each_part_split_alone_is_a_single_sms():
    text = ("Promo {code} " + EMOJI + " ") * 30
    for part in split(text):
        assert count(part)[1] == 1


# -- smart encoding ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\u2018quoted\u2019 it\u2019s", "'quoted' it's"),
        ("\u201cHello\u201d \u201elow\u201c", '"Hello" "low"'),
        ("\u00abBonjour\u00bb", '"Bonjour"'),
        ("a \u2013 b \u2014 c \u2212 1 \u2011 2", "a - b - c - 1 - 2"),
        ("wait\u2026", "wait..."),
        ("\u2022 one \u2022 two", "- one - two"),
        ("10\u00a0000\u202f\u20ac", "10 000 €"),
        ("a\u2009b\u3000c\td", "a b c d"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("\uff21\uff22\uff23\uff01", "ABC!"),
        ("\u0391\u0392\u0395 \u039f\u039a", "ABE OK"),
    ],
)
def test_smart_encode_replaces_lookalikes(raw, expected):
    assert smart_encode(raw) == expected
    assert count(smart_encode(raw))[0] == "GSM-7"


def test_smart_encode_keeps_everything_else():
    text = "Fête à l'hôtel " + EMOJI + " ça coûte 5€ {ok}"
    assert smart_encode(text) == text


def test_smart_encode_can_save_parts():
    text = "\u201cLa r\u00e9union commence \u00e0 10h\u201d \u2013 merci\u2026 " * 4
    assert count(text) == ("UCS-2", 3)
    assert count(smart_encode(text)) == ("GSM-7", 1)


def test_smart_encode_documents_it_is_optional():
    assert "optional" in smart_encode.__doc__


# -- validation ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "\n\t  \r\n"])
def test_validate_rejects_empty(text):
    with pytest.raises(ValueError, match=r"^The message is empty\.$"):
        validate(text)


def test_validate_length_limit():
    assert MAX_CHARACTERS == 1600
    validate("a" * 1600)
    validate(EMOJI * 1600)  # characters, not UTF-16 units
    with pytest.raises(ValueError) as excinfo:
        validate("a" * 1723)
    assert "1,723" in str(excinfo.value)
    assert "1,600" in str(excinfo.value)


def test_module_has_single_counting_path():
    # count() is analyze() reduced; both agree on awkward inputs.
    for text in ["", "€" * 80, "€" * 81, EMOJI * 34 + "a" * 3, "ê" * 134]:
        info = segments.analyze(text)
        assert segments.count(text) == (info.encoding, info.parts)
