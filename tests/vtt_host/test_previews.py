"""Previews of map pictures: small, faithful, made once, never of something unreadable."""

from __future__ import annotations

import io
import struct
from pathlib import Path

from PIL import Image

from storage.assets import AssetStore
from tests.vtt_host.test_images import png, png_chunk
from vtt_host.previews import PREVIEW_SIDE_PX, PreviewStore, make_preview


def picture(width: int, height: int, fmt: str = "PNG") -> bytes:
    """Left half red, right half blue: a preview must keep which side is which."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (width // 2, 0, width, height))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def test_a_large_picture_becomes_a_small_webp_of_the_same_shape() -> None:
    preview = make_preview(picture(2400, 1200))
    assert preview is not None
    with Image.open(io.BytesIO(preview)) as shown:
        assert shown.format == "WEBP"
        assert shown.size == (PREVIEW_SIDE_PX, PREVIEW_SIDE_PX // 2)
        left, right = shown.getpixel((10, 10)), shown.getpixel((PREVIEW_SIDE_PX - 10, 10))
    assert isinstance(left, tuple)
    assert isinstance(right, tuple)
    assert left[0] > 150 > left[2]
    assert right[2] > 150 > right[0]


def test_jpeg_pictures_get_previews_too() -> None:
    preview = make_preview(picture(2000, 2000, "JPEG"))
    assert preview is not None
    with Image.open(io.BytesIO(preview)) as shown:
        assert max(shown.size) == PREVIEW_SIDE_PX


def test_no_preview_of_bytes_that_are_not_a_picture() -> None:
    assert make_preview(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None
    assert make_preview(picture(2000, 2000)[:5000]) is None  # cut short
    assert make_preview(b"") is None


def test_no_preview_of_a_picture_too_large_to_decode_here() -> None:
    # A header claiming 20,000 x 20,000 pixels: refused before any decoding.
    header = struct.pack(">IIBBBBB", 20_000, 20_000, 8, 2, 0, 0, 0)
    claimed = png(4, 4).replace(png(4, 4)[8:33], png_chunk(b"IHDR", header))
    assert make_preview(claimed) is None


def test_a_preview_is_made_once_and_again_when_its_file_is_damaged(tmp_path: Path) -> None:
    assets = AssetStore(tmp_path)
    sha = assets.put(picture(1600, 1600), "png")
    previews = PreviewStore(tmp_path, assets)

    made = previews.path(sha)
    assert made is not None
    first = made.stat().st_mtime_ns
    assert previews.path(sha) == made
    assert made.stat().st_mtime_ns == first

    made.write_bytes(b"garbage")
    remade = previews.path(sha)
    assert remade is not None
    assert remade.read_bytes()[:4] == b"RIFF"


def test_an_unknown_asset_has_no_preview(tmp_path: Path) -> None:
    previews = PreviewStore(tmp_path, AssetStore(tmp_path))
    assert previews.path("0" * 64) is None
