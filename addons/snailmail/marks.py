"""Whether a page paints anything inside a rectangle (page 1's envelope window).

A small interpreter of the page's content stream: it follows the graphics
state (``q``/``Q``/``cm``), the text position, paths and images, and reports
the first mark whose extent meets the rectangle. Text extents are estimated
from the font size (no font metrics): conservative, and fast enough to run on
every letter. White fills, invisible text (an OCR layer) and clipping paths
paint nothing and are ignored. The content stream is split into operators by
a small tokenizer of its own: pypdf's parser costs several times the whole
rest of ``prepare``.
"""

from __future__ import annotations

import re

from addons.snailmail.geometry import Box

_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_WHITE = {1: (1.0,), 3: (1.0, 1.0, 1.0), 4: (0.0, 0.0, 0.0, 0.0)}
_FILL_OPS = {b"f", b"F", b"f*"}
_STROKE_OPS = {b"S", b"s"}
_BOTH_OPS = {b"B", b"B*", b"b", b"b*"}
_MAX_FORM_DEPTH = 6


_TOKEN = re.compile(
    rb"(?P<space>(?:\s|%[^\r\n]*)+)"
    rb"|(?P<number>[+-]?(?:\d+\.?\d*|\.\d+))"
    rb"|(?P<name>/[^\s/\[\]()<>{}%]*)"
    rb"|(?P<string>\()"
    rb"|(?P<hex><(?!<)[^>]*>)"
    rb"|(?P<dict><<|>>)"
    rb"|(?P<array>[\[\]])"
    rb"|(?P<operator>[A-Za-z'\"*][A-Za-z0-9'\"*]*)"
    rb"|(?P<other>.)",
    re.S,
)
_END_OF_IMAGE = re.compile(rb"\sEI(?=\s|$)")
_FLAT_STRING = re.compile(rb"\(((?:[^()\\]|\\.)*)\)", re.S)


def _literal(data: bytes, start: int) -> tuple[bytes, int]:
    """A literal string from its opening parenthesis: its bytes and where it ends."""
    flat = _FLAT_STRING.match(data, start)
    if flat:  # no nested parentheses: the common case, in one regular expression
        return flat.group(1), flat.end()
    depth, index, out = 1, start + 1, bytearray()
    while index < len(data) and depth:
        char = data[index]
        if char == 0x5C:  # backslash: the next byte is escaped
            out += data[index : index + 2]
            index += 2
            continue
        if char == 0x28:
            depth += 1
        elif char == 0x29:
            depth -= 1
            if not depth:
                break
        out.append(char)
        index += 1
    return bytes(out), index + 1


def operations(data: bytes):
    """``(operands, operator)`` pairs of a content stream, as pypdf's
    ``ContentStream.operations`` gives them (numbers as floats, names and
    strings as bytes, arrays as lists); an inline image is ``INLINE IMAGE``."""
    operands: list = []
    stack: list[list] = []
    position = 0
    while position < len(data):
        match = _TOKEN.match(data, position)
        kind = match.lastgroup
        position = match.end()
        value = None
        if kind == "space" or kind == "other" or kind == "dict":
            continue
        if kind == "number":
            value = float(match.group())
        elif kind == "name" or kind == "hex":
            value = match.group()
        elif kind == "string":
            value, position = _literal(data, match.start())
        elif kind == "array":
            if match.group() == b"[":
                stack.append(operands)
                operands = []
            elif stack:
                inner, operands = operands, stack.pop()
                operands.append(inner)
            continue
        else:
            operator = match.group()
            if stack:  # an operator inside an array: malformed, keep going
                continue
            if operator == b"ID":
                end = _END_OF_IMAGE.search(data, position)
                position = end.end() if end else len(data)
                yield [], b"INLINE IMAGE"
            elif operator != b"BI":
                yield operands, operator
            operands = []
            continue
        operands.append(value)


def _multiply(m, n):
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _apply(m, x, y):
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _bbox(m, x0, y0, x1, y1) -> Box:
    points = [_apply(m, x, y) for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return Box(min(xs), min(ys), max(xs), max(ys))


def _is_white(operands) -> bool:
    try:
        values = tuple(float(v) for v in operands)
    except (TypeError, ValueError):
        return False  # a pattern or a named colour: assume it shows
    return _WHITE.get(len(values)) == values


class _Found(Exception):
    pass


class _Scanner:
    def __init__(self, box: Box):
        self.box = box

    def scan(self, data: bytes, resources, ctm=_IDENTITY, depth=0) -> None:
        stack = []
        fill_white = stroke_white = False
        path: list[tuple[float, float]] = []
        tm = tlm = _IDENTITY
        size, leading, scale, rise, invisible = 0.0, 0.0, 1.0, 0.0, False
        for operands, op in operations(data):
            try:
                if op == b"q":
                    stack.append((ctm, fill_white, stroke_white))
                elif op == b"Q":
                    if stack:
                        ctm, fill_white, stroke_white = stack.pop()
                elif op == b"cm":
                    ctm = _multiply(tuple(float(v) for v in operands), ctm)
                elif op in (b"g", b"rg", b"k", b"sc", b"scn"):
                    fill_white = _is_white(operands)
                elif op in (b"G", b"RG", b"K", b"SC", b"SCN"):
                    stroke_white = _is_white(operands)
                elif op in (b"m", b"l"):
                    path.append(_apply(ctm, float(operands[0]), float(operands[1])))
                elif op in (b"c", b"v", b"y"):
                    values = [float(v) for v in operands]
                    path.extend(
                        _apply(ctm, values[i], values[i + 1]) for i in range(0, len(values), 2)
                    )
                elif op == b"re":
                    x, y, w, h = (float(v) for v in operands)
                    box = _bbox(ctm, x, y, x + w, y + h)
                    path.extend(((box.x0, box.y0), (box.x1, box.y1)))
                elif op in _FILL_OPS or op in _STROKE_OPS or op in _BOTH_OPS or op == b"n":
                    shows = (
                        (op in _FILL_OPS and not fill_white)
                        or (op in _STROKE_OPS and not stroke_white)
                        or (op in _BOTH_OPS and not (fill_white and stroke_white))
                    )
                    if shows and path:
                        self._check(Box(*_extent(path)))
                    path = []
                elif op == b"BT":
                    tm = tlm = _IDENTITY
                elif op == b"Tf":
                    size = float(operands[1])
                elif op == b"TL":
                    leading = float(operands[0])
                elif op == b"Tz":
                    scale = float(operands[0]) / 100
                elif op == b"Ts":
                    rise = float(operands[0])
                elif op == b"Tr":
                    invisible = int(operands[0]) in (3, 7)
                elif op in (b"Td", b"TD"):
                    tx, ty = float(operands[0]), float(operands[1])
                    if op == b"TD":
                        leading = -ty
                    tm = tlm = _multiply((1, 0, 0, 1, tx, ty), tlm)
                elif op == b"Tm":
                    tm = tlm = tuple(float(v) for v in operands)
                elif op == b"T*":
                    tm = tlm = _multiply((1, 0, 0, 1, 0, -leading), tlm)
                elif op in (b"Tj", b"TJ", b"'", b'"'):
                    if op in (b"'", b'"'):
                        tm = tlm = _multiply((1, 0, 0, 1, 0, -leading), tlm)
                    advance = _glyphs(operands[-1]) * size * 0.6 * scale
                    if advance and not invisible:
                        trm = _multiply(tm, ctm)
                        self._check(_bbox(trm, 0, rise - 0.25 * size, advance, rise + size))
                    tm = _multiply((1, 0, 0, 1, advance, 0), tm)
                elif op == b"Do":
                    self._draw(operands[0], resources, ctm, depth)
                elif op == b"INLINE IMAGE":
                    self._check(_bbox(ctm, 0, 0, 1, 1))
                elif op == b"sh":
                    pass  # a shading fills the clip; backgrounds use it, marks rarely
            except (IndexError, ValueError, TypeError):
                continue  # a malformed operator: skip it, as viewers do

    def _draw(self, name, resources, ctm, depth) -> None:
        try:
            key = name.decode("latin-1") if isinstance(name, bytes) else name
            xobject = resources["/XObject"][key].get_object()
        except (KeyError, TypeError):
            return
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            self._check(_bbox(ctm, 0, 0, 1, 1))
        elif subtype == "/Form":
            matrix = tuple(float(v) for v in xobject.get("/Matrix", _IDENTITY))
            form_ctm = _multiply(matrix, ctm)
            x0, y0, x1, y1 = (float(v) for v in xobject["/BBox"])
            if not _bbox(form_ctm, x0, y0, x1, y1).overlaps(self.box):
                return
            if depth >= _MAX_FORM_DEPTH:
                self._check(_bbox(form_ctm, x0, y0, x1, y1))
                return
            inner = xobject.get("/Resources")
            inner = inner.get_object() if inner is not None else resources
            self.scan(xobject.get_data(), inner, form_ctm, depth + 1)

    def _check(self, box: Box) -> None:
        if box.overlaps(self.box):
            raise _Found


def _extent(points) -> tuple[float, float, float, float]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _glyphs(shown) -> int:
    """Visible glyphs a text-showing operator draws (spaces move, they show nothing)."""
    if isinstance(shown, list):
        return sum(_glyphs(part) for part in shown if not isinstance(part, int | float))
    data = bytes(shown) if not isinstance(shown, str) else shown.encode("latin-1", "replace")
    if data.startswith(b"<"):  # a hex string: two digits a byte
        return len(re.sub(rb"[^0-9A-Fa-f]", b"", data)) // 2
    return len(data.replace(b" ", b""))


def paints_in(page, box: Box) -> bool:
    """Whether ``page`` (a pypdf page) shows anything inside ``box`` (page coordinates)."""
    contents = page.get_contents()
    if contents is None:
        return False
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    try:
        _Scanner(box).scan(contents.get_data(), resources)
    except _Found:
        return True
    return False
