"""Opening the SQLite file: pragmas, integrity check, schema migrations, WAL guard.

The WAL guard detects a deleted write-ahead log. The `meta` row `wal_guard` is set to
"open" and checkpointed into the main file when a store opens, and set to "closed" on a
clean close. SQLite removes the -wal file only when the last connection closes cleanly,
so finding "open" in the main file while no -wal file exists means the log was lost
after a crash, together with every commit since the last checkpoint.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from ._faults import translate
from .errors import DatabaseDamaged, DatabaseTooNew, WriteAheadLogMissing
from .records import snapshot_checksum

logger = logging.getLogger(__name__)

DB_FILE_NAME = "vtt-host.sqlite3"
Synchronous = Literal["FULL", "NORMAL"]

# Each step moves the schema from version N-1 to N; never edit a released step.
_SCHEMA_1 = (
    """CREATE TABLE campaigns (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                version INTEGER NOT NULL,
                snapshot_version INTEGER NOT NULL,
                created_at_ms INTEGER NOT NULL,
                updated_at_ms INTEGER NOT NULL
            )""",
    # The blob lives in its own table so that per-change updates of `campaigns`
    # never rewrite or walk the multi-megabyte snapshot pages.
    """CREATE TABLE snapshots (
                campaign_id TEXT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
                version INTEGER NOT NULL,
                sha256 TEXT NOT NULL,
                blob BLOB NOT NULL
            )""",
    """CREATE TABLE journal (
                campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
                version INTEGER NOT NULL,
                ops TEXT NOT NULL,
                inverse TEXT NOT NULL,
                by TEXT NOT NULL,
                description TEXT NOT NULL,
                at_ms INTEGER NOT NULL,
                meta TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                PRIMARY KEY (campaign_id, version)
            )""",
    """CREATE TABLE secrets (
                campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (campaign_id, key)
            )""",
)


def _create_schema_1(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA_1:
        conn.execute(statement)


def _checksum_what_replay_starts_from(conn: sqlite3.Connection) -> None:
    """Schema 2: a snapshot's checksum also covers its campaign, version and name.

    Before, a flipped version made replay start from the wrong place and a flipped name
    went unnoticed. Each snapshot whose old checksum (of the blob alone) still holds gets
    the new one; one that fails keeps the old sum and is reported as damaged on load.
    """
    conn.execute("ALTER TABLE snapshots ADD COLUMN name TEXT NOT NULL DEFAULT ''")
    rows = conn.execute(
        "SELECT s.campaign_id, s.version, c.name, s.sha256, s.rowid FROM snapshots s"
        " JOIN campaigns c ON c.id = s.campaign_id"
    ).fetchall()
    for campaign_id, version, name, old_digest, rowid in rows:
        blob = conn.execute("SELECT blob FROM snapshots WHERE rowid = ?", (rowid,)).fetchone()[0]
        if hashlib.sha256(blob).hexdigest() != old_digest:
            logger.error("the snapshot of %s fails its checksum; kept for recovery", campaign_id)
            continue
        conn.execute(
            "UPDATE snapshots SET name = ?, sha256 = ? WHERE rowid = ?",
            (name, snapshot_checksum(campaign_id, version, name, blob), rowid),
        )


_MIGRATIONS: tuple[tuple[int, Callable[[sqlite3.Connection], None]], ...] = (
    (1, _create_schema_1),
    (2, _checksum_what_replay_starts_from),
)
SCHEMA_VERSION = _MIGRATIONS[-1][0]


def wal_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + "-wal")


def shm_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + "-shm")


def connect(db_path: Path, synchronous: Synchronous) -> sqlite3.Connection:
    """A connection in autocommit mode (explicit BEGIN/COMMIT) with the store's pragmas."""
    conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    try:
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.DatabaseError(f"could not switch to WAL journaling (got {mode})")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=5000")
    except BaseException:
        conn.close()
        raise
    return conn


def open_writer(
    db_path: Path, synchronous: Synchronous, *, allow_missing_wal: bool = False
) -> sqlite3.Connection:
    """Open, verify and migrate the database; raise DatabaseDamaged when it is damaged.

    Errors that are not damage (a full disk, a lock held elsewhere, a read-only file, a
    folder that cannot be opened) raise a DatabaseOperationFailed subclass saying so.
    The data folder must exist. Blocking: call it off the event loop.
    """
    wal_existed = wal_path(db_path).exists()
    try:
        conn = connect(db_path, synchronous)
    except sqlite3.Error as exc:
        raise translate(exc, db_path) from exc
    try:
        _verify(conn, db_path)
        _migrate(conn, db_path)
        _arm_wal_guard(conn, db_path, wal_existed, allow_missing_wal)
        # The writer thread checkpoints the WAL itself (DbThread), so that a commit made
        # on the event loop's thread never copies pages into the database file.
        conn.execute("PRAGMA wal_autocheckpoint=0")
    except sqlite3.Error as exc:
        conn.close()
        raise translate(exc, db_path) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def disarm_wal_guard(conn: sqlite3.Connection) -> None:
    """Mark a clean shutdown; the -wal file may now disappear without loss."""
    conn.execute("UPDATE meta SET value = 'closed' WHERE key = 'wal_guard'")


def _verify(conn: sqlite3.Connection, db_path: Path) -> None:
    # quick_check skips index/table cross-checks that integrity_check does; it still
    # reads every page, which catches truncation and torn pages. Cost on a 7 MB file
    # (5 MB snapshot + 10,000 rows): ~4-6 ms, vs ~6-10 ms for integrity_check.
    problems = [str(row[0]) for row in conn.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        logger.error("database %s failed quick_check: %s", db_path, problems[:5])
        raise DatabaseDamaged(db_path, problems)


def _migrate(conn: sqlite3.Connection, db_path: Path) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    current = int(row[0]) if row else 0
    if current > SCHEMA_VERSION:
        raise DatabaseTooNew(db_path, current, SCHEMA_VERSION)
    for version, step in _MIGRATIONS:
        if version <= current:
            continue
        logger.info("migrating %s to schema version %d", db_path, version)
        conn.execute("BEGIN IMMEDIATE")
        try:
            step(conn)
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(version),),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _arm_wal_guard(
    conn: sqlite3.Connection, db_path: Path, wal_existed: bool, allow_missing_wal: bool
) -> None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'wal_guard'").fetchone()
    if row is not None and row[0] == "open" and not wal_existed:
        if not allow_missing_wal:
            logger.error("write-ahead log of %s is missing after an unclean shutdown", db_path)
            raise WriteAheadLogMissing(db_path)
        logger.warning("opening %s without its lost write-ahead log", db_path)
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('wal_guard', 'open')")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
