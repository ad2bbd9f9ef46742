"""Image headers read from bytes: PNG, JPEG and WebP, and everything they must refuse."""

from __future__ import annotations

import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtt_host.images import MAX_IMAGE_BYTES, ImageError, ImageInfo, image_info


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int = 3, height: int = 2, *, colour: int = 2, depth: int = 8) -> bytes:
    """A real, decodable RGB image (every pixel grey)."""
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    row = b"\x00" + b"\x80" * (3 * width)
    pixels = zlib.compress(row * height)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"tEXt", b"Comment\x00made by a test")
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


def jpeg_segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def jpeg(width: int = 640, height: int = 480, *, sof: int = 0xC0) -> bytes:
    """The structure of a baseline JPEG: JFIF, a frame header, one scan, the end."""
    components = b"".join(bytes([i, 0x11, 0]) for i in (1, 2, 3))
    frame = struct.pack(">BHHB", 8, height, width, 3) + components
    scan = bytes([3]) + b"".join(bytes([i, 0]) for i in (1, 2, 3)) + b"\x00\x3f\x00"
    return (
        b"\xff\xd8"
        + jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + b"\xff"  # a fill byte before the next marker is allowed
        + jpeg_segment(sof, frame)
        + jpeg_segment(0xDA, scan)
        + b"\x12\x34\xff\x00\x56\xff\xd0\x78"  # entropy-coded data with a stuffed byte and RST0
        + b"\xff\xd9"
    )


def riff(chunks: bytes) -> bytes:
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


def webp_chunk(fourcc: bytes, body: bytes) -> bytes:
    padded = body + (b"\x00" if len(body) % 2 else b"")
    return fourcc + struct.pack("<I", len(body)) + padded


def webp_lossy(width: int = 400, height: int = 300) -> bytes:
    frame = b"\x10\x02\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height) + b"\x00" * 8
    return riff(webp_chunk(b"VP8 ", frame))


def webp_lossless(width: int = 128, height: int = 64) -> bytes:
    bits = (width - 1) | ((height - 1) << 14) | (1 << 28)
    return riff(webp_chunk(b"VP8L", b"\x2f" + struct.pack("<I", bits) + b"\x00" * 6))


def webp_extended(width: int = 1920, height: int = 1080) -> bytes:
    header = b"\x10\x00\x00\x00" + (width - 1).to_bytes(3, "little")
    header += (height - 1).to_bytes(3, "little")
    return riff(webp_chunk(b"VP8X", header) + webp_chunk(b"ALPH", b"\x00" * 3))


SAMPLES = {
    "png": png(),
    "jpeg": jpeg(),
    "webp-vp8": webp_lossy(),
    "webp-vp8l": webp_lossless(),
    "webp-vp8x": webp_extended(),
}


# -- what is read --------------------------------------------------------------------


def test_png_size_comes_from_its_header() -> None:
    info = image_info(png(37, 21))
    assert info == ImageInfo("png", 37, 21)
    assert info.extension == "png"
    assert info.describe() == "PNG 37x21 px"


@pytest.mark.parametrize("sof", [0xC0, 0xC1, 0xC2, 0xCF])
def test_jpeg_size_comes_from_its_frame_header(sof: int) -> None:
    info = image_info(jpeg(1200, 800, sof=sof))
    assert info == ImageInfo("jpeg", 1200, 800)
    assert info.extension == "jpg"


def test_webp_size_comes_from_each_of_its_three_formats() -> None:
    assert image_info(webp_lossy(400, 300)) == ImageInfo("webp", 400, 300)
    assert image_info(webp_lossless(128, 64)) == ImageInfo("webp", 128, 64)
    assert image_info(webp_extended(1920, 1080)) == ImageInfo("webp", 1920, 1080)


def test_the_largest_side_the_schema_holds_is_accepted() -> None:
    assert image_info(png(65_535, 1)).width == 65_535


# -- what is refused -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b'<svg xmlns="http://www.w3.org/2000/svg"></svg>',
        b"<html><script>alert(1)</script></html>",
        b"BM" + b"\x00" * 60,
        b"RIFF\x24\x00\x00\x00WAVEfmt ",
        b"\x89PNG",
    ],
)
def test_anything_but_png_jpeg_or_webp_is_refused(data: bytes) -> None:
    with pytest.raises(ImageError):
        image_info(data)


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_truncation_of_a_valid_image_is_refused(name: str) -> None:
    whole = SAMPLES[name]
    for length in range(len(whole)):
        with pytest.raises(ImageError):
            image_info(whole[:length])


def test_file_over_the_size_limit_is_refused_before_it_is_read() -> None:
    with pytest.raises(ImageError, match="larger than 20 MB"):
        image_info(png() + b"\x00" * MAX_IMAGE_BYTES)


def test_png_with_a_damaged_chunk_is_refused() -> None:
    data = bytearray(png())
    data[data.index(b"IDAT") + 6] ^= 0xFF
    with pytest.raises(ImageError, match="bad checksum in IDAT"):
        image_info(bytes(data))


def test_png_that_does_not_start_with_its_header_is_refused() -> None:
    body = b"\x89PNG\r\n\x1a\n" + png_chunk(b"tEXt", b"a\x00b") + png()[8:]
    with pytest.raises(ImageError, match="IHDR"):
        image_info(body)


def test_png_without_image_data_is_refused() -> None:
    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IEND", b"")
    with pytest.raises(ImageError, match="no image data"):
        image_info(data)


def test_png_with_an_impossible_bit_depth_is_refused() -> None:
    with pytest.raises(ImageError, match="bit depth"):
        image_info(png(colour=2, depth=4))


def test_png_whose_chunk_claims_four_gigabytes_is_refused() -> None:
    header = png()[:33]
    huge = struct.pack(">I", 0xFFFF_FFFF) + b"IDAT" + b"\x00" * 16
    with pytest.raises(ImageError, match="truncated"):
        image_info(header + huge)


@pytest.mark.parametrize(("width", "height"), [(0, 10), (10, 0), (65_536, 10), (2**31 - 1, 1)])
def test_png_of_a_size_no_map_can_hold_is_refused(width: int, height: int) -> None:
    with pytest.raises(ImageError, match="each side must be 1 to 65535 px"):
        image_info(png(width, height) if width < 2**20 else _header_only_png(width, height))


def _header_only_png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", b"x")
        + png_chunk(b"IEND", b"")
    )


def test_jpeg_with_its_scan_before_a_frame_header_is_refused() -> None:
    data = b"\xff\xd8" + jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x00\xff\xd9"
    with pytest.raises(ImageError, match="no frame header"):
        image_info(data)


def test_jpeg_whose_height_comes_later_is_refused() -> None:
    with pytest.raises(ImageError, match="height only after"):
        image_info(jpeg(640, 0))


def test_jpeg_with_a_segment_running_past_the_end_is_refused() -> None:
    data = b"\xff\xd8" + b"\xff\xe0\xff\xff" + b"\x00" * 40
    with pytest.raises(ImageError, match="truncated"):
        image_info(data)


def test_jpeg_of_fill_bytes_only_is_refused() -> None:
    with pytest.raises(ImageError, match="truncated"):
        image_info(b"\xff\xd8" + b"\xff" * 10_000)


@pytest.mark.parametrize("segment", [b"\xff\xe0\x00\x01", b"\xff\xe0\x00\x00", b"\xff\xd8"])
def test_jpeg_with_an_impossible_segment_is_refused(segment: bytes) -> None:
    with pytest.raises(ImageError, match="damaged"):
        image_info(b"\xff\xd8" + segment + b"\x00" * 20)


def test_webp_longer_than_its_container_says_is_refused() -> None:
    data = bytearray(webp_lossy())
    data[4:8] = struct.pack("<I", len(data) + 100)
    with pytest.raises(ImageError, match="truncated"):
        image_info(bytes(data))


def test_webp_with_an_unknown_format_is_refused() -> None:
    with pytest.raises(ImageError, match="neither VP8"):
        image_info(riff(webp_chunk(b"ANIM", b"\x00" * 6)))


def test_webp_lossy_without_a_key_frame_is_refused() -> None:
    frame = b"\x11\x02\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", 4, 4) + b"\x00" * 8
    with pytest.raises(ImageError, match="key frame"):
        image_info(riff(webp_chunk(b"VP8 ", frame)))


def test_webp_larger_than_a_map_can_be_is_refused() -> None:
    with pytest.raises(ImageError, match="each side"):
        image_info(webp_extended(2**24, 10))


# -- whatever the bytes --------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_are_refused_or_read_never_crash(data: bytes) -> None:
    try:
        info = image_info(data)
    except ImageError:
        return
    assert 1 <= info.width <= 65_535
    assert 1 <= info.height <= 65_535


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(list(SAMPLES.values())),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=4),
)
def test_damaged_images_are_refused_or_read_never_crash(
    sample: bytes, damage: list[tuple[int, int]]
) -> None:
    data = bytearray(sample)
    for position, value in damage:
        data[position % len(data)] = value
    try:
        info = image_info(bytes(data))
    except ImageError:
        return
    assert 1 <= info.width <= 65_535
    assert 1 <= info.height <= 65_535
