"""Reading QR codes back as a phone's camera would: from pictures, with zxing-cpp.

Terminal blocks are drawn as a terminal draws them: each character cell one module
wide and two tall, the top half dark for ``▀`` and ``█``, the bottom half for ``▄``
and ``█``, on a light ground.
"""

from __future__ import annotations

from collections.abc import Sequence

import zxingcpp
from PIL import Image, ImageDraw

MODULE_PX = 8
TOP_DARK = frozenset("▀█")
BOTTOM_DARK = frozenset("▄█")


def blocks_image(lines: Sequence[str], module_px: int = MODULE_PX) -> Image.Image:
    """A picture of terminal blocks: dark modules black on white."""
    width = max(len(line) for line in lines)
    picture = Image.new("L", (width * module_px, len(lines) * 2 * module_px), 255)
    draw = ImageDraw.Draw(picture)
    for row, line in enumerate(lines):
        for column, char in enumerate(line):
            for half, dark in enumerate((char in TOP_DARK, char in BOTTOM_DARK)):
                if dark:
                    x, y = column * module_px, (row * 2 + half) * module_px
                    draw.rectangle((x, y, x + module_px - 1, y + module_px - 1), fill=0)
    return picture


def decoded(picture: Image.Image) -> list[str]:
    """The texts of every QR code zxing-cpp finds in a picture."""
    return [
        found.text
        for found in zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)
    ]


RGB = tuple[int, int, int]
Cell = tuple[str, RGB, RGB]
"""One terminal cell: its character, foreground and background colour."""


def cells_image(rows: Sequence[Sequence[Cell]], module_px: int = MODULE_PX) -> Image.Image:
    """A picture of terminal cells in their own colours: a half block's drawn half in
    the foreground, the rest in the background, as a terminal shows them."""
    width = max(len(row) for row in rows)
    picture = Image.new("RGB", (width * module_px, len(rows) * 2 * module_px), (128, 128, 128))
    draw = ImageDraw.Draw(picture)
    for y, row in enumerate(rows):
        for x, (char, fg, bg) in enumerate(row):
            halves = (fg if char in TOP_DARK else bg, fg if char in BOTTOM_DARK else bg)
            for half, colour in enumerate(halves):
                left, top = x * module_px, (y * 2 + half) * module_px
                draw.rectangle((left, top, left + module_px - 1, top + module_px - 1), fill=colour)
    return picture
