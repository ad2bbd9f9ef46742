"""Ways to make a disk misbehave for real: a small tmpfs, a full one, a read-only one,
another program holding SQLite's write lock, and an error injected into SQLite calls."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

DB_FILE = "vtt-host.sqlite3"


@contextlib.contextmanager
def small_disk(mount_point: Path, size_mb: int) -> Iterator[Path]:
    """A tmpfs of ``size_mb`` MB at ``mount_point``; skips the test where mounting is denied."""
    mount_point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {done.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def remount(mount_point: Path, mode: str) -> None:
    """``mode`` is "ro" or "rw"."""
    subprocess.run(["mount", "-o", f"remount,{mode}", str(mount_point)], check=True)


def fill(folder: Path) -> Path:
    """Write a file until the disk under ``folder`` has no room left; returns the file."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as handle:
        for size in (1024 * 1024, 4096, 1):
            with contextlib.suppress(OSError):  # ENOSPC: on to smaller writes
                while True:
                    handle.write(b"\0" * size)
    return filler


def digest_files(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (to show that nothing was touched).

    The lock file, SQLite's shared-memory index and an empty write-ahead log are left
    out: any program that opens the database may create them, and they hold no data.
    """
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and path.name not in ("filler", "vtt-host.lock")
        and not path.name.endswith("-shm")
        and not (path.name.endswith("-wal") and path.stat().st_size == 0)
    }


@contextlib.contextmanager
def lock_held_elsewhere(db_path: Path, seconds: float) -> Iterator[None]:
    """Another process holds the database's write lock (``BEGIN IMMEDIATE``) meanwhile."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sqlite3, sys, time
                conn = sqlite3.connect({str(db_path)!r}, isolation_level=None)
                conn.execute("BEGIN IMMEDIATE")
                print("locked", flush=True)
                time.sleep({seconds})
                conn.execute("ROLLBACK")
                """
            ),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == b"locked"
        yield
    finally:
        holder.kill()
        holder.wait()


def sqlite_error(code: int, name: str, message: str) -> sqlite3.OperationalError:
    """An error as SQLite itself raises it, result code included."""
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    error.sqlite_errorname = name
    return error


class FaultyConnection:
    """A SQLite connection that raises ``error()`` on the statements ``when(sql)`` picks.

    It stands in for the store's writing connection, so the fault happens exactly where
    a real one would: inside the journal's transaction.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.when: Callable[[str], bool] = lambda sql: False
        self.error: Callable[[], BaseException] = lambda: sqlite_error(
            10, "SQLITE_IOERR", "disk I/O error"
        )
        self.raised = 0

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if self.when(sql):
            self.raised += 1
            raise self.error()
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def files_named(folder: Path, prefix: str) -> list[Path]:
    return [path for path in folder.rglob(f"{prefix}*") if path.is_file()]


def vtt_host(*args: str | Path, timeout_s: float = 60.0) -> subprocess.CompletedProcess[str]:
    """Run the ``vtt-host`` command line in its own process, as a GM would."""
    return subprocess.run(
        [sys.executable, "-m", "vtt_host.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
