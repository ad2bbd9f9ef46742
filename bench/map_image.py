"""A deterministic 4096 x 4096 PNG map for the browser benchmark, made without an
imaging library.

A photo-like map would not compress; a flat one would be unrealistically small. This
one is a grainy terrain texture in 2 x 2 px grains (a few MB, like a real exported
battle map), tinted differently in each 512 px tile, with a dark grid
line every ``cell`` pixels. Rows are built with ``bytes.translate`` so that 16 million
pixels take about a second in pure Python.
"""

from __future__ import annotations

import random
import struct
import zlib

SIDE = 4096
TILE = 512
SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def _tints(rng: random.Random, count: int) -> list[bytes]:
    """Translation tables: noise byte -> one of two shades of a tile's colour.

    The noise bytes are laid out R, G, B, R, G, B ...; the table cannot tell channels
    apart, so each channel's noise uses its own byte range (0-85, 86-170, 171-255)."""
    tables = []
    for _ in range(count):
        base = [rng.randint(60, 190) for _ in range(3)]
        table = bytearray(256)
        for value in range(256):
            channel = min(2, value // 86)
            table[value] = min(255, base[channel] + (18 if value & 3 == 0 else 0))
        tables.append(bytes(table))
    return tables


def map_png(seed: int = 11, cell: int = 32) -> bytes:
    """The PNG's bytes; the same for the same seed."""
    rng = random.Random(seed)
    # One tile of noise in 2 x 2 px grains: every pixel's R, G and B byte drawn from its
    # channel's range, about one pixel in four the lighter shade.
    grains = TILE // 2
    offsets = bytes([0, 86, 171] * grains)
    tile_rows = []
    for _ in range(grains):
        noise = bytes(b % 85 for b in rng.randbytes(grains * 3))
        coarse = bytes(map(int.__add__, noise, offsets))
        row = bytearray(TILE * 3)
        for channel in range(3):
            row[channel::6] = coarse[channel::3]
            row[channel + 3 :: 6] = coarse[channel::3]
        tile_rows += [bytes(row), bytes(row)]
    tiles_across = SIDE // TILE
    tables = _tints(rng, tiles_across * tiles_across)
    line = bytes(256)  # every channel -> 0: the grid line
    rows = bytearray()
    for y in range(SIDE):
        band = (y // TILE) * tiles_across
        source = tile_rows[y % TILE]
        rows.append(0)  # filter: none
        if y % cell == 0:
            rows.extend(source.translate(line) * tiles_across)
            continue
        row = bytearray(b"".join(source.translate(tables[band + i]) for i in range(tiles_across)))
        row[0 :: cell * 3] = bytes(len(row[0 :: cell * 3]))
        row[1 :: cell * 3] = bytes(len(row[1 :: cell * 3]))
        row[2 :: cell * 3] = bytes(len(row[2 :: cell * 3]))
        rows.extend(row)
    header = struct.pack(">IIBBBBB", SIDE, SIDE, 8, 2, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 6))
        + _chunk(b"IEND", b"")
    )
