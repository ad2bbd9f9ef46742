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
