"""Content-addressed image files: data_dir/assets/<sha256>.<ext>.

The name is the checksum, so the same image used by many campaigns is stored once and a
damaged file is detected on read. Names are validated before any path is built.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ._names import ASSET_EXTENSIONS, is_sha256
from .errors import AssetCorrupt, AssetNotFound, InvalidAssetName

logger = logging.getLogger(__name__)

ASSETS_DIR_NAME = "assets"


def _normalise_ext(ext: str) -> str:
    clean = ext.lower().removeprefix(".")
    if clean not in ASSET_EXTENSIONS:
        allowed = ", ".join(sorted(ASSET_EXTENSIONS))
        raise InvalidAssetName(ext, f"only {allowed} images are accepted")
    return clean


def _check_sha(sha256: str) -> None:
    if not is_sha256(sha256):
        raise InvalidAssetName(sha256, "expected 64 lowercase hex characters")


TEMP_PREFIX = ".tmp-"


def _temp_prefix(target: Path) -> str:
    return f"{TEMP_PREFIX}{target.name}.{os.getpid()}."


def _writer_alive(temp_name: str) -> bool:
    """Whether the process named in a temp file's name (``.tmp-<target>.<pid>.<rnd>``) runs."""
    parts = temp_name.rsplit(".", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, but someone else's
        return True
    return True


def sweep_temp_files(folder: Path, target_name: str | None = None) -> list[Path]:
    """Delete temp files that a killed writer left in ``folder``; returns them.

    Only files whose writing process is gone are touched (``target_name`` narrows it
    to one target's); a write in progress elsewhere keeps its file.
    """
    prefix = TEMP_PREFIX + (f"{target_name}." if target_name is not None else "")
    removed: list[Path] = []
    try:
        candidates = [p for p in folder.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return removed
    for candidate in candidates:
        if not _writer_alive(candidate.name) and candidate.is_file():
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    if removed:
        logger.info("removed %d unfinished temporary files in %s", len(removed), folder)
    return removed


@contextmanager
def replacing(path: Path) -> Iterator[BinaryIO]:
    """A file to write whose content replaces ``path`` only once complete and on disk.

    It is written as a temp file in the same folder, fsynced and renamed over ``path``:
    a crash leaves the old file or the new one, never half of either. The temp file's
    name carries the writer's process id, so one left by a killed writer is swept the
    next time (here, or when the library opens).
    """
    sweep_temp_files(path.parent, path.name)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_temp_prefix(path), suffix="")
    try:
        with os.fdopen(fd, "w+b") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` as ``path``, all or nothing (see ``replacing``)."""
    with replacing(path) as handle:
        handle.write(data)


def fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX); directories cannot be opened on Windows."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AssetStore:
    """Blocking file operations; call from a thread (asyncio.to_thread) in async code."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / ASSETS_DIR_NAME

    def put(self, data: bytes, ext: str) -> str:
        """Store `data` and return its sha256 hex; storing the same bytes again is free."""
        clean_ext = _normalise_ext(ext)
        sha = hashlib.sha256(data).hexdigest()
        target = self.root / f"{sha}.{clean_ext}"
        if target.exists():
            return sha
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data)
        logger.debug("stored asset %s (%d bytes)", target.name, len(data))
        return sha

    def path(self, sha256: str) -> Path | None:
        """The file holding the asset, or None; InvalidAssetName for a malformed sha."""
        _check_sha(sha256)
        for ext in sorted(ASSET_EXTENSIONS):
            candidate = self.root / f"{sha256}.{ext}"
            if candidate.is_file():
                return candidate
        return None

    def get(self, sha256: str) -> bytes:
        """The asset's bytes, verified; AssetNotFound or AssetCorrupt otherwise."""
        found = self.path(sha256)
        if found is None:
            raise AssetNotFound(sha256)
        data = found.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise AssetCorrupt(found)
        return data
