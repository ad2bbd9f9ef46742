"""The join link's QR codes read back as the link itself, as a phone would read them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import segno
import zxingcpp
from PIL import Image

from tests.qr_images import blocks_image, decoded
from vtt_host.qr import BLOCK_QUIET_ZONE, qr_blocks, qr_matrix, qr_svg

LINKS = [
    "http://192.168.1.20:8765/?code=K7QM-4XPD-TR",
    "https://a-rather-long-tunnel-name.trycloudflare.example/?code=K7QM-4XPD-TR",
    "http://127.0.0.1:1/?code=A",
]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("link", LINKS)
def test_terminal_blocks_decode_to_the_link(link: str) -> None:
    assert decoded(blocks_image(qr_blocks(link))) == [link]


def test_blocks_are_half_blocks_two_modules_a_cell_with_a_quiet_zone() -> None:
    lines = qr_blocks(LINKS[0])
    modules = len(qr_matrix(LINKS[0], 0))
    assert {len(line) for line in lines} == {modules + 2 * BLOCK_QUIET_ZONE}
    assert len(lines) == (modules + 2 * BLOCK_QUIET_ZONE + 1) // 2
    assert set("".join(lines)) <= set("▀▄█ ")
    assert lines[0].strip() == ""  # two quiet rows make the first line
    assert all(line[:BLOCK_QUIET_ZONE] == " " * BLOCK_QUIET_ZONE for line in lines)


@pytest.mark.parametrize("link", LINKS)
def test_level_m_at_the_smallest_version_that_fits(link: str) -> None:
    size = len(qr_matrix(link, 0))
    version = (size - 17) // 4
    assert segno.make_qr(link, error="m", version=version).symbol_size(border=0)[0] == size
    if version > 1:
        with pytest.raises(segno.DataOverflowError):
            segno.make_qr(link, error="m", version=version - 1)
    # M, not boosted to a stronger level the version would have room for.
    assert decoded_level(link) == "M"


def decoded_level(link: str) -> str:
    picture = blocks_image(qr_blocks(link))
    found = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)
    return str(found[0].ec_level)


def test_svg_is_a_standalone_labelled_picture_without_script() -> None:
    link = LINKS[0] + "&x=<b>\"'"
    svg = qr_svg(link)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == link
    assert root.get("viewBox") is not None
    # No size of its own: CSS decides how big it is drawn.
    assert root.get("width") is None
    assert root.get("height") is None
    assert not re.search(r"<script|\son\w+=|style", svg, re.IGNORECASE)
    assert root.find(f"{SVG}title") is not None


def test_svg_draws_the_same_modules_as_the_blocks() -> None:
    """Without a browser: the SVG's path, filled in a picture, is the code's matrix."""
    link = LINKS[0]
    root = ET.fromstring(qr_svg(link))
    size = int(root.get("viewBox", "").split()[2])
    path = root.find(f"{SVG}path")
    assert path is not None
    picture = Image.new("L", (size, size), 255)
    for x, y, length in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path.get("d", "")):
        for dx in range(int(length)):
            picture.putpixel((int(x) + dx, int(y)), 0)
    matrix = qr_matrix(link, (size - len(qr_matrix(link, 0))) // 2)
    assert [[picture.getpixel((x, y)) == 0 for x in range(size)] for y in range(size)] == matrix
    assert decoded(picture.resize((size * 8, size * 8), Image.Resampling.NEAREST)) == [link]
