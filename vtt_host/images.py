"""What an image file is and how large, read from its bytes alone.

A map or a token image comes from a file on the GM's disk; its name says nothing
reliable. ``image_info`` checks the magic bytes and walks the container far enough to
read the pixel size (PNG IHDR, JPEG SOF, WebP VP8/VP8L/VP8X) and to see that the file
is whole. It decodes no pixels, never trusts a length field it has not bounded, and
refuses everything else with an ``ImageError`` saying what is wrong. Pure: no files.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Final, Literal

from vtt_host.errors import VttError

MAX_IMAGE_BYTES: Final = 20 * 1024 * 1024
"""The largest image a campaign takes (players download it whole)."""
MAX_SIDE_PX: Final = 65_535
"""The schema's bound on ``imageSize`` (vtt_host.schema.ImageSize)."""

ImageKind = Literal["png", "jpeg", "webp"]
EXTENSIONS: Final[dict[ImageKind, str]] = {"png": "png", "jpeg": "jpg", "webp": "webp"}

PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
PNG_BIT_DEPTHS: Final = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
"""Valid bit depths per PNG colour type."""

JPEG_SOI: Final = b"\xff\xd8"
JPEG_EOI: Final = b"\xff\xd9"
JPEG_SOS: Final = 0xDA
JPEG_SOF_MARKERS: Final = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)
"""Start-of-frame markers (0xC4, 0xC8 and 0xCC share the range but are not frames)."""
JPEG_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD8)})
"""Markers without a length: TEM and the restart markers."""

VP8_START_CODE: Final = b"\x9d\x01\x2a"
VP8L_SIGNATURE: Final = 0x2F


class ImageError(VttError):
    """The bytes are not a whole PNG, JPEG or WebP image of a size we accept."""


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """An image's type and pixel size."""

    kind: ImageKind
    width: int
    height: int

    @property
    def extension(self) -> str:
        """The file extension its asset is stored under."""
        return EXTENSIONS[self.kind]

    def describe(self) -> str:
        return f"{self.kind.upper()} {self.width}x{self.height} px"


def image_info(data: bytes) -> ImageInfo:
    """The type and size of a PNG, JPEG or WebP image; ImageError for anything else.

    Damaged or truncated files are refused too: a PNG must hold intact chunks up to
    IEND, a JPEG a frame header before its scan and an end marker after it, a WebP a
    RIFF container as long as it says.
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(f"the image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    if data.startswith(PNG_SIGNATURE):
        info = _png(data)
    elif data.startswith(JPEG_SOI):
        info = _jpeg(data)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        info = _webp(data)
    else:
        raise ImageError("not a PNG, JPEG or WebP image")
    if not (1 <= info.width <= MAX_SIDE_PX and 1 <= info.height <= MAX_SIDE_PX):
        raise ImageError(
            f"the {info.kind.upper()} is {info.width}x{info.height} px; "
            f"each side must be 1 to {MAX_SIDE_PX} px"
        )
    return info


# -- PNG ----------------------------------------------------------------------------


def _png(data: bytes) -> ImageInfo:
    """Walk every chunk (length, type, data, CRC) from IHDR to IEND."""
    offset = len(PNG_SIGNATURE)
    width = height = 0
    seen_data = False
    first = True
    while True:
        if offset + 8 > len(data):
            raise ImageError("the PNG is truncated")
        (length,) = struct.unpack_from(">I", data, offset)
        chunk_type = data[offset + 4 : offset + 8]
        end = offset + 8 + length + 4
        if length > 0x7FFF_FFFF or end > len(data):
            raise ImageError("the PNG is truncated")
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(chunk_type + body) != crc:
            raise ImageError(f"the PNG is damaged (bad checksum in {_chunk_name(chunk_type)})")
        if first:
            if chunk_type != b"IHDR" or length != 13:
                raise ImageError("the PNG does not start with its header (IHDR)")
            width, height, depth, colour = struct.unpack_from(">IIBB", body)
            if depth not in PNG_BIT_DEPTHS.get(colour, set()):
                raise ImageError("the PNG header is damaged (colour type or bit depth)")
            first = False
        elif chunk_type == b"IDAT":
            seen_data = True
        elif chunk_type == b"IEND":
            if not seen_data:
                raise ImageError("the PNG holds no image data")
            return ImageInfo("png", width, height)
        offset = end


def _chunk_name(chunk_type: bytes) -> str:
    return chunk_type.decode("ascii") if chunk_type.isalpha() else "a chunk"


# -- JPEG ---------------------------------------------------------------------------


def _jpeg(data: bytes) -> ImageInfo:
    """Walk the marker segments to the frame header (SOF), then check the file ends."""
    offset = len(JPEG_SOI)
    size: tuple[int, int] | None = None
    while True:
        # Markers may be preceded by any number of 0xFF fill bytes.
        if offset >= len(data) or data[offset] != 0xFF:
            raise _jpeg_broken(data, offset)
        while offset < len(data) and data[offset] == 0xFF:
            offset += 1
        if offset >= len(data):
            raise ImageError("the JPEG is truncated")
        marker = data[offset]
        offset += 1
        if marker in JPEG_STANDALONE:
            continue
        if marker in (0x00, 0xD8, 0xD9):
            raise ImageError("the JPEG is damaged (a marker out of place)")
        if offset + 2 > len(data):
            raise ImageError("the JPEG is truncated")
        (length,) = struct.unpack_from(">H", data, offset)
        if length < 2:
            raise ImageError("the JPEG is damaged (a segment length below 2)")
        if offset + length > len(data):
            raise ImageError("the JPEG is truncated")
        if marker in JPEG_SOF_MARKERS:
            if length < 8:
                raise ImageError("the JPEG frame header is damaged")
            height, width = struct.unpack_from(">HH", data, offset + 3)
            if height == 0:
                raise ImageError("the JPEG gives its height only after the image data")
            size = (width, height)
        elif marker == JPEG_SOS:
            if size is None:
                raise ImageError("the JPEG has no frame header before its image data")
            if data.rfind(JPEG_EOI, offset + length) < 0:
                raise ImageError("the JPEG is truncated (no end marker)")
            return ImageInfo("jpeg", *size)
        offset += length


def _jpeg_broken(data: bytes, offset: int) -> ImageError:
    if offset >= len(data):
        return ImageError("the JPEG is truncated")
    return ImageError("the JPEG is damaged (expected a marker)")


# -- WebP ---------------------------------------------------------------------------


def _webp(data: bytes) -> ImageInfo:
    """RIFF header, then the first chunk names the format and holds the size."""
    (riff_size,) = struct.unpack_from("<I", data, 4)
    if riff_size < 4 + 8 or len(data) < 8 + riff_size:
        raise ImageError("the WebP is truncated")
    if len(data) < 20:
        raise ImageError("the WebP is truncated")
    fourcc = data[12:16]
    (chunk_size,) = struct.unpack_from("<I", data, 16)
    body = data[20 : 20 + chunk_size]
    if 20 + chunk_size > 8 + riff_size or len(body) < chunk_size:
        raise ImageError("the WebP is truncated")
    if fourcc == b"VP8 ":
        return _vp8(body)
    if fourcc == b"VP8L":
        return _vp8l(body)
    if fourcc == b"VP8X":
        return _vp8x(body)
    raise ImageError("the WebP holds neither VP8, VP8L nor VP8X data")


def _vp8(body: bytes) -> ImageInfo:
    if len(body) < 10:
        raise ImageError("the WebP (VP8) frame header is truncated")
    if body[0] & 1:
        raise ImageError("the WebP (VP8) does not start with a key frame")
    if body[3:6] != VP8_START_CODE:
        raise ImageError("the WebP (VP8) frame header is damaged")
    width, height = struct.unpack_from("<HH", body, 6)
    return ImageInfo("webp", width & 0x3FFF, height & 0x3FFF)


def _vp8l(body: bytes) -> ImageInfo:
    if len(body) < 5:
        raise ImageError("the WebP (VP8L) header is truncated")
    if body[0] != VP8L_SIGNATURE:
        raise ImageError("the WebP (VP8L) header is damaged")
    (bits,) = struct.unpack_from("<I", body, 1)
    if bits >> 29:
        raise ImageError("the WebP (VP8L) has an unknown version")
    return ImageInfo("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)


def _vp8x(body: bytes) -> ImageInfo:
    if len(body) < 10:
        raise ImageError("the WebP (VP8X) header is truncated")
    width = int.from_bytes(body[4:7], "little") + 1
    height = int.from_bytes(body[7:10], "little") + 1
    return ImageInfo("webp", width, height)
