"""Where things go on an A4 letter, in PDF points from the page's bottom-left corner."""

from __future__ import annotations

from typing import NamedTuple

POINTS_PER_MM = 72 / 25.4


def mm(value: float) -> float:
    return value * POINTS_PER_MM


A4_WIDTH_MM, A4_HEIGHT_MM = 210, 297
A4 = (mm(A4_WIDTH_MM), mm(A4_HEIGHT_MM))
# Printers take a page within a millimetre of A4.
A4_TOLERANCE = mm(1)
MARGIN = mm(5)
# The printer's marks (a data matrix) go in this bottom-left square.
CORNER = mm(15)


class Box(NamedTuple):
    """A rectangle: ``x0, y0`` its bottom-left corner, ``x1, y1`` its top-right."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, slack: float = 0.5) -> bool:
        return (
            self.x0 < other.x1 - slack
            and other.x0 < self.x1 - slack
            and self.y0 < other.y1 - slack
            and other.y0 < self.y1 - slack
        )

    def contains(self, x0: float, y0: float, x1: float, y1: float, slack: float = 0.01) -> bool:
        return (
            x0 >= self.x0 - slack
            and x1 <= self.x1 + slack
            and y0 >= self.y0 - slack
            and y1 <= self.y1 + slack
        )


def _from_top(left: float, top: float, width: float, height: float) -> Box:
    """A box given in millimetres from the top-left corner, as envelope makers do."""
    return Box(mm(left), mm(A4_HEIGHT_MM - top - height), mm(left + width), mm(A4_HEIGHT_MM - top))


# The envelope windows: the right one Odoo and Pingen use, and DIN 5008's left field.
WINDOWS = {
    "right": _from_top(118, 60, 85.5, 25.5),
    "left": _from_top(20, 45, 85, 45),
}

# What is painted white on every page: the margins, and the corner square.
BLANKED = (
    Box(0, 0, A4[0], MARGIN),
    Box(0, A4[1] - MARGIN, A4[0], A4[1]),
    Box(0, 0, MARGIN, A4[1]),
    Box(A4[0] - MARGIN, 0, A4[0], A4[1]),
    Box(0, 0, CORNER, CORNER),
)
