"""QR codes of the join link, for phones to join by camera: an SVG for pages, blocks
for the terminal.

Both are error correction level M at the smallest version the text fits (not boosted:
a smaller code has bigger modules, which a phone reads from further away).

Terminal blocks mark the *dark* modules: ``█`` both modules of a cell dark, ``▀`` only
the top one, ``▄`` only the bottom one, a space neither. They read right only when drawn
in a dark foreground on a light background (``BLOCK_STYLE``), which a widget must set
explicitly: with the terminal's own colours a dark theme would show the code inverted
(light on dark), which many phone scanners do not read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from html import escape

import segno

ERROR_CORRECTION = "m"
SVG_QUIET_ZONE = 4
"""Modules of light border around the SVG code (what the QR standard asks for)."""
BLOCK_QUIET_ZONE = 2
"""Modules of light border in the terminal, where screen space is short."""
DARK = "#000000"
LIGHT = "#ffffff"
BLOCK_STYLE = f"{DARK} on {LIGHT}"
"""The Rich style terminal blocks must be drawn in: dark modules on a light ground."""
BLOCKS = {
    (False, False): " ",
    (True, False): "▀",
    (False, True): "▄",
    (True, True): "█",
}
"""(top dark, bottom dark) -> the character of one terminal cell."""


def qr_matrix(text: str, border: int) -> list[list[bool]]:
    """The modules of the code of ``text`` with ``border`` light modules around; True is dark."""
    code = segno.make_qr(text, error=ERROR_CORRECTION, boost_error=False)
    return [[bool(module) for module in row] for row in code.matrix_iter(border=border)]


def _dark_runs(row: Sequence[bool]) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    start: int | None = None
    for x, dark in enumerate([*row, False]):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            yield start, x - start
            start = None


def qr_svg(text: str, label: str | None = None) -> str:
    """A standalone ``<svg>`` of the code, dark on light with its quiet zone.

    It has a viewBox and no size, so CSS (or the viewer) decides how big it is drawn;
    ``crispEdges`` keeps modules from blurring into each other when scaled. No script,
    no style: the colours are presentation attributes. ``label`` (by default the text)
    names it for screen readers.
    """
    matrix = qr_matrix(text, SVG_QUIET_ZONE)
    size = len(matrix)
    path = "".join(
        f"M{x} {y}h{length}v1h-{length}z"
        for y, row in enumerate(matrix)
        for x, length in _dark_runs(row)
    )
    name = escape(label if label is not None else text, quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="{name}" shape-rendering="crispEdges">'
        f"<title>{name}</title>"
        f'<rect width="{size}" height="{size}" fill="{LIGHT}"/>'
        f'<path d="{path}" fill="{DARK}"/>'
        "</svg>"
    )


def qr_blocks(text: str) -> list[str]:
    """The code as terminal lines, two modules to a character cell from top to bottom.

    Characters mark dark modules (see the module's docstring): draw them in
    ``BLOCK_STYLE``. A cell is about twice as tall as it is wide, so each module comes
    out about square.
    """
    matrix = qr_matrix(text, BLOCK_QUIET_ZONE)
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))  # the last half row is quiet zone
    return [
        "".join(BLOCKS[top, bottom] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(matrix[::2], matrix[1::2], strict=True)
    ]
