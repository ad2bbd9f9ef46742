"""The data folder: created with care, and held by one process at a time.

Two processes writing one campaign database (a second GM app, or ``vtt-host import
--replace`` while a host serves the campaign) would each see versions the other made
and refuse every later change. So whoever opens the library for writing holds an OS
lock on ``vtt-host.lock`` for its whole lifetime; the file says who holds it, so a second
process can tell the GM which program to stop. The OS releases the lock when the
process ends, however it ends: a killed host never leaves a stale lock behind.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ._faults import translate
from .assets import ASSETS_DIR_NAME, sweep_temp_files
from .backups import BACKUPS_DIR_NAME
from .errors import DataFolderInUse, StorageError

logger = logging.getLogger(__name__)

LOCK_FILE_NAME = "vtt-host.lock"
HOLDER_MAX_BYTES = 4096


def prepare_data_dir(folder: Path, *, create_parents: bool) -> None:
    """Make sure ``folder`` exists as a folder; create it (and its parents if asked).

    A chosen folder (``--data-dir``) is created only where its parent already exists:
    a typo must not scatter folders around the disk. Raises a StorageError naming the
    path when something is in the way.
    """
    try:
        folder.mkdir(parents=create_parents, exist_ok=True)
    except FileNotFoundError as exc:
        raise StorageError(
            f"cannot create the data folder {folder}: {folder.parent} does not exist; "
            "create it first or pick another folder with --data-dir"
        ) from exc
    except FileExistsError as exc:
        raise StorageError(
            f"cannot use {folder} as the data folder: it is a file, not a folder"
        ) from exc
    except OSError as exc:
        raise translate(exc, folder, writing=True) from exc
    if not folder.is_dir():
        raise StorageError(f"cannot use {folder} as the data folder: it is not a folder")


def sweep_unfinished_writes(folder: Path) -> list[Path]:
    """Remove the temp files killed writers left in the data folder (call with the lock)."""
    folders = [folder, folder / ASSETS_DIR_NAME]
    backups = folder / BACKUPS_DIR_NAME
    if backups.is_dir():
        folders += [child for child in backups.iterdir() if child.is_dir()]
    return [path for each in folders for path in sweep_temp_files(each)]


def describe_holder(raw: bytes) -> str:
    """The lock file's content as a GM reads it: which program, which process, since when."""
    try:
        holder: dict[str, Any] = json.loads(raw)
        since = datetime.fromisoformat(str(holder["since"]))
        return (
            f"{holder['purpose']} (process {int(holder['pid'])} on {holder['host']}, "
            f"since {since:%Y-%m-%d %H:%M} UTC)"
        )
    except (ValueError, KeyError, TypeError):
        return "another vtt-host process"


def _holder_record(purpose: str) -> bytes:
    return json.dumps(
        {
            "purpose": purpose,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    ).encode()


class FolderLock:
    """An exclusive OS lock on one data folder. Use ``FolderLock.acquire``."""

    def __init__(self, folder: Path, fd: int) -> None:
        self.folder = folder
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, folder: Path, purpose: str) -> FolderLock:
        """Take the folder's lock now or raise DataFolderInUse naming its holder.

        ``purpose`` says who is asking ("vtt-host serve", "the GM app"); a process that
        is refused is told it. Blocking, but never waits for the other holder.
        """
        path = folder / LOCK_FILE_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise translate(exc, path, writing=True) from exc
        try:
            if not _try_lock(fd):
                raise DataFolderInUse(folder, describe_holder(_read_holder(fd)))
        except BaseException:
            os.close(fd)
            raise
        try:  # who holds it is only information: a full disk must not stop the host here
            os.ftruncate(fd, 0)
            os.pwrite(fd, _holder_record(purpose), 0)
        except OSError:
            logger.info("could not note in %s who holds the data folder", path)
        logger.debug("holding the lock of %s for %s", folder, purpose)
        return cls(folder, fd)

    @staticmethod
    def holder(folder: Path) -> str | None:
        """Who holds the folder's lock right now, or None when nobody does."""
        path = folder / LOCK_FILE_NAME
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            return None
        try:
            if _try_lock(fd):
                _unlock(fd)
                return None
            return describe_holder(_read_holder(fd))
        finally:
            os.close(fd)

    def release(self) -> None:
        """Give the folder back (idempotent). The file stays; its lock is what counts."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
            _unlock(fd)
        except OSError:
            logger.debug("could not clear the lock file of %s", self.folder, exc_info=True)
        finally:
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None


def _read_holder(fd: int) -> bytes:
    try:
        return os.pread(fd, HOLDER_MAX_BYTES, 0)
    except OSError:
        return b""


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    # Windows locks byte ranges and refuses reads of a locked range, so the lock is a
    # byte far past the holder record, which stays readable.
    _LOCK_OFFSET = 1 << 30

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
