"""Just enough PNG for the map tests: write an RGB picture, read a browser screenshot.

Both sides are 8-bit, non-interlaced truecolour (what Chromium's screenshots are), so the
tests need no imaging library.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGB = tuple[int, int, int]


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def encode_rgb(width: int, height: int, colour_at: Callable[[int, int], RGB]) -> bytes:
    """A PNG whose pixel (x, y) is ``colour_at(x, y)``."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows.extend(colour_at(x, y))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows)))
        + _chunk(b"IEND", b"")
    )


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    channels: int
    pixels: bytes

    def at(self, x: int, y: int) -> RGB:
        start = (y * self.width + x) * self.channels
        r, g, b = self.pixels[start : start + 3]
        return r, g, b


def decode(data: bytes) -> Picture:
    """Read an 8-bit RGB or RGBA PNG (any of the five row filters)."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG")
    pos = len(SIGNATURE)
    idat = bytearray()
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat.extend(body)
    raw = zlib.decompress(bytes(idat))
    stride = width * channels
    out = bytearray(height * stride)
    previous = bytearray(stride)
    for y in range(height):
        base = y * (stride + 1)
        kind = raw[base]
        row = bytearray(raw[base + 1 : base + 1 + stride])
        for i in range(stride):
            left = row[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                row[i] = (row[i] + _paeth(left, up, corner)) & 0xFF
        out[y * stride : (y + 1) * stride] = row
        previous = row
    return Picture(width, height, channels, bytes(out))


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def encode_flat(width: int, height: int, colour: RGB) -> bytes:
    """A PNG of one colour, built row by row in C: fast even at 8192 x 8192."""
    row = b"\x00" + bytes(colour) * width
    compressor = zlib.compressobj(6)
    body = bytearray()
    chunk_rows = max(1, (1 << 22) // len(row))
    block = row * chunk_rows
    for start in range(0, height, chunk_rows):
        rows = min(chunk_rows, height - start)
        body += compressor.compress(block if rows == chunk_rows else row * rows)
    body += compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", bytes(body)) + _chunk(b"IEND", b"")
