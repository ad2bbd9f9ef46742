"""The newest committed version of each campaign, kept outside the database.

SQLite drops every commit after a damaged frame of its write-ahead log, and a truncated
or deleted log loses its tail, without a word: the database then opens fine, just
older. This small file next to it (``vtt-host.versions``) says which versions were
committed, so opening can tell "older than it should be" from "as it should be" and
report exactly which acknowledged versions are gone.

It is rewritten after every commit, before the change is acknowledged, with one
``pwrite`` and no fsync (a few microseconds): a killed process's writes are in the page
cache and survive, so after a crash of the host the file is exact. It is fsynced when
the WAL is checkpointed and at close; after a power loss it may lag behind, which only
makes it say less, never claim a version that was not committed. Its one line carries
its own checksum, so a torn or damaged file is known and ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path

logger = logging.getLogger(__name__)

FILE_SUFFIX = ".versions"
FORMAT = 1


def high_water_path(db_path: Path) -> Path:
    return db_path.with_suffix(FILE_SUFFIX)


def _encode(versions: Mapping[str, int]) -> bytes:
    payload = json.dumps({"format": FORMAT, "versions": dict(sorted(versions.items()))})
    digest = hashlib.sha256(payload.encode()).hexdigest()
    return f"{digest} {payload}\n".encode()


def _decode(raw: bytes) -> dict[str, int] | None:
    """The versions in a file's first line, or None when it is torn or damaged."""
    line = raw.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    digest, _, payload = line.partition(" ")
    if hashlib.sha256(payload.encode()).hexdigest() != digest:
        return None
    try:
        data = json.loads(payload)
        versions = data["versions"]
        if data["format"] != FORMAT or not isinstance(versions, dict):
            return None
        return {str(key): int(value) for key, value in versions.items()}
    except (ValueError, KeyError, TypeError):
        return None


class HighWaterMarks:
    """The file, open for the store's lifetime. Thread-safe: both threads write it."""

    def __init__(self, path: Path, fd: int, versions: dict[str, int], trusted: bool) -> None:
        self.path = path
        self._fd: int | None = fd
        self._versions = versions
        self._lock = threading.Lock()
        self.trusted = trusted
        """False when the file was missing, torn or damaged: it knows nothing yet."""

    @classmethod
    def open(cls, path: Path) -> HighWaterMarks:
        """Open (creating) the file; blocking. OSError if it cannot be opened."""
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            raw = os.pread(fd, 1 << 20, 0)
        except OSError:
            os.close(fd)
            raise
        versions = _decode(raw) if raw else None
        if raw and versions is None:
            logger.warning("%s is damaged; it will be rebuilt from the database", path)
        return cls(path, fd, versions or {}, trusted=versions is not None)

    def get(self, campaign_id: str) -> int | None:
        with self._lock:
            return self._versions.get(campaign_id)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._versions)

    def advance(self, versions: Mapping[str, int]) -> None:
        """Raise the marks (never lower them): commits that just happened."""
        with self._lock:
            changed = False
            for campaign_id, version in versions.items():
                if self._versions.get(campaign_id, -1) < version:
                    self._versions[campaign_id] = version
                    changed = True
            if changed:
                self._write()

    def set(self, campaign_id: str, version: int | None) -> None:
        """Set a mark to exactly ``version`` (None forgets the campaign): restores,
        recoveries and deletions move it back on purpose."""
        with self._lock:
            if version is None:
                self._versions.pop(campaign_id, None)
            else:
                self._versions[campaign_id] = version
            self._write()
            self._sync()

    def sync(self) -> None:
        """Make the file durable (at WAL checkpoints and on close)."""
        with self._lock:
            self._sync()

    def close(self) -> None:
        with self._lock:
            fd, self._fd = self._fd, None
            if fd is not None:
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)

    def _write(self) -> None:
        if self._fd is None:
            return
        data = _encode(self._versions)
        try:
            os.pwrite(self._fd, data, 0)
            os.ftruncate(self._fd, len(data))
        except OSError:
            # The marks only ever add a check; a full disk must not refuse the change.
            logger.warning("could not update %s", self.path, exc_info=True)

    def _sync(self) -> None:
        if self._fd is None:
            return
        try:
            os.fsync(self._fd)
        except OSError:
            logger.warning("could not sync %s", self.path, exc_info=True)
