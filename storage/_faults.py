"""Telling damage apart from the ordinary reasons a database cannot be used right now.

Only damage (SQLITE_CORRUPT, SQLITE_NOTADB, text that is not the UTF-8 it was written
as) is a reason to recover from backups. A full disk, a lock held by another program, a
read-only file, a folder that cannot be opened or an I/O error say nothing about the
data: the operation is refused with a message saying what to do, and the data stays
where it is. Recovering from those would roll a campaign back for nothing.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from .errors import (
    DatabaseCannotOpen,
    DatabaseDamaged,
    DatabaseInUse,
    DatabaseOperationFailed,
    DatabaseReadOnly,
    DatabaseWriteFailed,
    DiskFull,
    DiskIOError,
    StorageError,
)

# Primary result codes (https://sqlite.org/rescode.html); extended codes add high bits.
SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_AUTH = 23
SQLITE_NOTADB = 26

NEARLY_FULL_BYTES = 1024 * 1024
"""An I/O error on a disk with less free space than this is reported as a full disk."""

DAMAGE_CODES = frozenset({SQLITE_CORRUPT, SQLITE_NOTADB})
_UNDECODABLE_TEXT = "Could not decode to UTF-8"
"""Python's sqlite3 raises this (with no result code) for a TEXT value that is not UTF-8."""

_BY_CODE: dict[int, type[DatabaseOperationFailed]] = {
    SQLITE_FULL: DiskFull,
    SQLITE_BUSY: DatabaseInUse,
    SQLITE_LOCKED: DatabaseInUse,
    SQLITE_READONLY: DatabaseReadOnly,
    SQLITE_PERM: DatabaseReadOnly,
    SQLITE_AUTH: DatabaseReadOnly,
    SQLITE_CANTOPEN: DatabaseCannotOpen,
    SQLITE_IOERR: DiskIOError,
}
_BY_ERRNO: dict[int, type[DatabaseOperationFailed]] = {
    errno.ENOSPC: DiskFull,
    errno.EDQUOT: DiskFull,
    errno.EROFS: DatabaseReadOnly,
    errno.EACCES: DatabaseReadOnly,
    errno.EPERM: DatabaseReadOnly,
    errno.ENOENT: DatabaseCannotOpen,
    errno.ENOTDIR: DatabaseCannotOpen,
    errno.EISDIR: DatabaseCannotOpen,
    errno.EIO: DiskIOError,
}


def primary_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_damage(exc: BaseException) -> bool:
    """Whether an error from SQLite means the file's content is damaged."""
    if isinstance(exc, UnicodeDecodeError):
        return True
    if not isinstance(exc, sqlite3.Error):
        return False
    code = primary_code(exc)
    if code is None:
        return str(exc).startswith(_UNDECODABLE_TEXT)
    return code in DAMAGE_CODES


def translate(exc: BaseException, path: Path | None, *, writing: bool = False) -> StorageError:
    """Our error for a lower-level one: DatabaseDamaged for damage, else what to do.

    ``writing`` picks DatabaseWriteFailed for causes without a name of their own, so a
    refused write always reads as one.
    """
    detail = " ".join(str(exc).split()) or type(exc).__name__
    if is_damage(exc):
        return DatabaseDamaged(path, [detail])
    code = primary_code(exc)
    kind: type[DatabaseOperationFailed] = (
        DatabaseWriteFailed if writing else DatabaseOperationFailed
    )
    if code is not None and code in _BY_CODE:
        kind = _BY_CODE[code]
    elif isinstance(exc, OSError) and exc.errno in _BY_ERRNO:
        kind, detail = _BY_ERRNO[exc.errno], exc.strerror or detail
    if kind is DiskIOError and path is not None and _no_room_left(path):
        # SQLite reports a full disk while it sets up its files as a plain I/O error.
        kind = DiskFull
    return kind(detail, path=path)


def _no_room_left(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < NEARLY_FULL_BYTES
    except OSError:
        return False
