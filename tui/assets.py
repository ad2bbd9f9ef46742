"""Image files on the GM's disk becoming campaign assets (maps, tokens, handouts).

The file's type and size come from its bytes (vtt_host.images), never its name; the
bytes are stored content-addressed in the library's asset store, which the host serves
to players at ``/assets/<sha256>``. Reading and storing block, so the async methods run
them in a thread; a sheet awaits them from a worker.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from vtt_host.images import MAX_IMAGE_BYTES, ImageError, ImageInfo, image_info


class AssetSink(Protocol):
    """Where asset bytes go (``Library.assets``, a storage.assets.AssetStore)."""

    def put(self, data: bytes, ext: str) -> str: ...


@dataclass(frozen=True, slots=True)
class StoredImage:
    sha256: str
    info: ImageInfo


def read_image(path: Path) -> tuple[bytes, ImageInfo]:
    """The file's bytes and what image they are; ImageError says why not.

    The size limit is checked before the file is read, so a huge file costs nothing.
    ``~`` is the GM's home folder.
    """
    path = path.expanduser()
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ImageError(f"{path} is not a file")
        if size > MAX_IMAGE_BYTES:
            raise ImageError(f"{path.name} is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
        with path.open("rb") as handle:
            data = handle.read(MAX_IMAGE_BYTES + 1)
    except FileNotFoundError:
        raise ImageError(f"there is no file {path}") from None
    except OSError as error:
        raise ImageError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        return data, image_info(data)
    except ImageError as error:
        raise ImageError(f"{path.name}: {error}") from None


class ImageFiles:
    """Reads image files and keeps them as assets of the library."""

    def __init__(self, assets: AssetSink) -> None:
        self._assets = assets

    async def inspect(self, path: Path) -> ImageInfo:
        """What image the file is, without storing it."""
        _, info = await asyncio.to_thread(read_image, path)
        return info

    async def store(self, path: Path) -> StoredImage:
        """Check the file and store it as an asset (storing the same bytes again is free)."""
        return await asyncio.to_thread(self._store, path)

    def _store(self, path: Path) -> StoredImage:
        data, info = read_image(path)
        try:
            return StoredImage(self._assets.put(data, info.extension), info)
        except OSError as error:
            raise ImageError(f"could not store {path.name}: {error.strerror or error}") from None
