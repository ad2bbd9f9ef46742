"""The SQL behind Store, as plain blocking functions of a connection.

They run on the store's worker threads only. Writers use explicit BEGIN IMMEDIATE /
COMMIT (connections are in autocommit mode) so a failure leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ._faults import is_damage, translate
from .errors import (
    CampaignExists,
    CampaignNotFound,
    CheckpointVersionError,
    CorruptCampaign,
    DuplicateVersionError,
    JournalGapError,
)
from .records import (
    CampaignInfo,
    EncodedRecord,
    JournalRecord,
    LoadedCampaign,
    row_checksum,
    snapshot_checksum,
)

_CAMPAIGN_COLUMNS = "id, name, version, snapshot_version, created_at_ms, updated_at_ms"
_JOURNAL_COLUMNS = "version, ops, inverse, by, description, at_ms, meta, sha256"
# Snapshots move in chunks: SQLite copies a bound or fetched blob while holding the
# GIL, which stalled the event loop ~10 ms for 5 MB; blob I/O releases it per chunk.
BLOB_CHUNK_BYTES = 256 * 1024


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


@contextmanager
def read_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One consistent view across several SELECTs while the writer keeps committing."""
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def _latest_version(conn: sqlite3.Connection, campaign_id: str) -> int:
    row = conn.execute("SELECT version FROM campaigns WHERE id = ?", (campaign_id,)).fetchone()
    if row is None:
        raise CampaignNotFound(campaign_id)
    return int(row[0])


# --- writes ---------------------------------------------------------------------------


def write_appends(
    conn: sqlite3.Connection, records: list[EncodedRecord]
) -> list[BaseException | None]:
    """Store every valid append in ONE transaction; refused ones write nothing."""
    outcomes: list[BaseException | None] = []
    latest: dict[str, int] = {}
    stamp = now_ms()
    try:
        conn.execute("BEGIN IMMEDIATE")
        for rec in records:
            try:
                current = latest.get(rec.campaign_id)
                if current is None:
                    current = _latest_version(conn, rec.campaign_id)
            except CampaignNotFound as exc:
                outcomes.append(exc)
                continue
            if rec.version <= current:
                outcomes.append(DuplicateVersionError(rec.campaign_id, current, rec.version))
                continue
            if rec.version != current + 1:
                outcomes.append(JournalGapError(rec.campaign_id, current, rec.version))
                continue
            conn.execute(
                "INSERT INTO journal (campaign_id, version, ops, inverse, by, description,"
                " at_ms, meta, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rec.campaign_id,
                    rec.version,
                    rec.ops,
                    rec.inverse,
                    rec.by,
                    rec.description,
                    rec.at_ms,
                    rec.meta,
                    rec.sha256,
                ),
            )
            conn.execute(
                "UPDATE campaigns SET version = ?, updated_at_ms = ? WHERE id = ?",
                (rec.version, stamp, rec.campaign_id),
            )
            latest[rec.campaign_id] = rec.version
            outcomes.append(None)
        conn.execute("COMMIT")
    except BaseException as exc:
        # Whatever went wrong, the writer's transaction must not stay open: the next
        # batch would otherwise commit this one's rows along with its own.
        rollback(conn)
        if not isinstance(exc, sqlite3.Error):
            raise
        error = translate(exc, None, writing=True)
        return [error for _ in records]
    return outcomes


def rollback(conn: sqlite3.Connection) -> None:
    """End an open transaction, whatever state the connection is in."""
    if conn.in_transaction:
        # SQLite may already have rolled back (a full disk, an I/O error); if it cannot,
        # the connection is unusable and closing it is the caller's next step.
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _write_blob(conn: sqlite3.Connection, campaign_id: str, data: bytes | Sequence[bytes]) -> None:
    rowid = conn.execute(
        "SELECT rowid FROM snapshots WHERE campaign_id = ?", (campaign_id,)
    ).fetchone()[0]
    pieces = [data] if isinstance(data, bytes) else data
    with conn.blobopen("snapshots", "blob", rowid) as blob:
        for piece in pieces:
            view = memoryview(piece)
            for start in range(0, len(piece), BLOB_CHUNK_BYTES):
                blob.write(view[start : start + BLOB_CHUNK_BYTES])


def blob_size(data: bytes | Sequence[bytes]) -> int:
    return len(data) if isinstance(data, bytes) else sum(len(piece) for piece in data)


def _read_blob(conn: sqlite3.Connection, rowid: int, size: int) -> bytes:
    buffer = bytearray()
    with conn.blobopen("snapshots", "blob", rowid, readonly=True) as blob:
        while len(buffer) < size:
            chunk = blob.read(BLOB_CHUNK_BYTES)
            if not chunk:
                break
            buffer += chunk
    return bytes(buffer)


def create_campaign(
    conn: sqlite3.Connection,
    campaign_id: str,
    name: str,
    snapshot: bytes,
    sha256: str,
    version: int,
) -> None:
    stamp = now_ms()
    with write_transaction(conn):
        exists = conn.execute("SELECT 1 FROM campaigns WHERE id = ?", (campaign_id,)).fetchone()
        if exists:
            raise CampaignExists(campaign_id)
        conn.execute(
            f"INSERT INTO campaigns ({_CAMPAIGN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            (campaign_id, name, version, version, stamp, stamp),
        )
        conn.execute(
            "INSERT INTO snapshots (campaign_id, version, name, sha256, blob)"
            " VALUES (?, ?, ?, ?, ?)",
            (campaign_id, version, name, sha256, snapshot),
        )


def restore_campaign(
    conn: sqlite3.Connection,
    campaign_id: str,
    name: str,
    snapshot: bytes,
    sha256: str,
    version: int,
) -> None:
    """Replace a campaign's snapshot and drop its whole journal; secrets are kept."""
    stamp = now_ms()
    with write_transaction(conn):
        conn.execute("DELETE FROM journal WHERE campaign_id = ?", (campaign_id,))
        conn.execute(
            "INSERT INTO campaigns (id, name, version, snapshot_version, created_at_ms,"
            " updated_at_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            " name = excluded.name, version = excluded.version,"
            " snapshot_version = excluded.snapshot_version,"
            " updated_at_ms = excluded.updated_at_ms",
            (campaign_id, name, version, version, stamp, stamp),
        )
        conn.execute(
            "INSERT OR REPLACE INTO snapshots (campaign_id, version, name, sha256, blob)"
            " VALUES (?, ?, ?, ?, ?)",
            (campaign_id, version, name, sha256, snapshot),
        )


def checkpoint(
    conn: sqlite3.Connection,
    campaign_id: str,
    version: int,
    snapshot: bytes | Sequence[bytes],
    sha256: str,
    keep_versions: int,
    name: str,
) -> int:
    """Store the snapshot, trim the journal window; returns the number of rows dropped.

    ``name`` is the campaign's name at ``version``: the listing follows the document.
    """
    with write_transaction(conn):
        row = conn.execute(
            "SELECT version, snapshot_version FROM campaigns WHERE id = ?", (campaign_id,)
        ).fetchone()
        if row is None:
            raise CampaignNotFound(campaign_id)
        latest, snapshot_version = int(row[0]), int(row[1])
        if not snapshot_version <= version <= latest:
            raise CheckpointVersionError(campaign_id, version, snapshot_version, latest)
        conn.execute(
            "UPDATE snapshots SET version = ?, name = ?, sha256 = ?, blob = zeroblob(?)"
            " WHERE campaign_id = ?",
            (version, name, sha256, blob_size(snapshot), campaign_id),
        )
        _write_blob(conn, campaign_id, snapshot)
        conn.execute(
            "UPDATE campaigns SET snapshot_version = ?, name = ?, updated_at_ms = ? WHERE id = ?",
            (version, name, now_ms(), campaign_id),
        )
        dropped = conn.execute(
            "DELETE FROM journal WHERE campaign_id = ? AND version <= ?",
            (campaign_id, version - keep_versions),
        ).rowcount
    return int(dropped)


def truncate_journal(conn: sqlite3.Connection, campaign_id: str, version: int) -> None:
    """Drop rows after `version` and make it the latest: salvage of a verified prefix."""
    with write_transaction(conn):
        conn.execute(
            "DELETE FROM journal WHERE campaign_id = ? AND version > ?", (campaign_id, version)
        )
        conn.execute(
            "UPDATE campaigns SET version = ?, updated_at_ms = ? WHERE id = ?",
            (version, now_ms(), campaign_id),
        )


def rename_campaign(conn: sqlite3.Connection, campaign_id: str, name: str) -> None:
    """Rename in the listing and in the snapshot row, whose checksum covers the name."""
    with write_transaction(conn):
        cursor = conn.execute(
            "UPDATE campaigns SET name = ?, updated_at_ms = ? WHERE id = ?",
            (name, now_ms(), campaign_id),
        )
        if cursor.rowcount == 0:
            raise CampaignNotFound(campaign_id)
        version, old_name, digest, rowid, size = conn.execute(
            "SELECT version, name, sha256, rowid, length(blob) FROM snapshots"
            " WHERE campaign_id = ?",
            (campaign_id,),
        ).fetchone()
        blob = _read_blob(conn, rowid, size)
        if snapshot_checksum(campaign_id, version, old_name, blob) != digest:
            raise CorruptCampaign(campaign_id, None, "its snapshot fails its checksum")
        conn.execute(
            "UPDATE snapshots SET name = ?, sha256 = ? WHERE rowid = ?",
            (name, snapshot_checksum(campaign_id, version, name, blob), rowid),
        )


def repair_name(conn: sqlite3.Connection, campaign_id: str, name: str) -> None:
    """Put the verified snapshot's name back into a campaign's listing row."""
    with write_transaction(conn):
        conn.execute("UPDATE campaigns SET name = ? WHERE id = ?", (name, campaign_id))


def delete_campaign(conn: sqlite3.Connection, campaign_id: str) -> None:
    with write_transaction(conn):
        if conn.execute("DELETE FROM campaigns WHERE id = ?", (campaign_id,)).rowcount == 0:
            raise CampaignNotFound(campaign_id)


def set_secret(conn: sqlite3.Connection, campaign_id: str, key: str, value: str) -> None:
    with write_transaction(conn):
        _latest_version(conn, campaign_id)
        conn.execute(
            "INSERT OR REPLACE INTO secrets (campaign_id, key, value) VALUES (?, ?, ?)",
            (campaign_id, key, value),
        )


def delete_secret(conn: sqlite3.Connection, campaign_id: str, key: str) -> None:
    with write_transaction(conn):
        _latest_version(conn, campaign_id)
        conn.execute("DELETE FROM secrets WHERE campaign_id = ? AND key = ?", (campaign_id, key))


# --- reads ----------------------------------------------------------------------------


def _info(row: tuple[Any, ...]) -> CampaignInfo:
    return CampaignInfo(str(row[0]), str(row[1]), *(int(v) for v in row[2:6]))


def list_campaigns(conn: sqlite3.Connection) -> list[CampaignInfo]:
    rows = conn.execute(f"SELECT {_CAMPAIGN_COLUMNS} FROM campaigns ORDER BY name, id")
    return [_info(row) for row in rows]


def get_info(conn: sqlite3.Connection, campaign_id: str) -> CampaignInfo:
    row = conn.execute(
        f"SELECT {_CAMPAIGN_COLUMNS} FROM campaigns WHERE id = ?", (campaign_id,)
    ).fetchone()
    if row is None:
        raise CampaignNotFound(campaign_id)
    return _info(row)


def get_secrets(conn: sqlite3.Connection, campaign_id: str) -> dict[str, str]:
    with read_transaction(conn):
        _latest_version(conn, campaign_id)
        rows = conn.execute(
            "SELECT key, value FROM secrets WHERE campaign_id = ?", (campaign_id,)
        ).fetchall()
    return {str(k): str(v) for k, v in rows}


def _check_row(campaign_id: str, row: tuple[Any, ...]) -> None:
    """ValueError when a journal row does not match its checksum."""
    version, ops, inverse, by, description, at_ms, meta, digest = row
    expected = row_checksum(campaign_id, version, ops, inverse, by, description, at_ms, meta)
    if expected != digest:
        raise ValueError(f"journal row {version} fails its checksum")


def _decode_rows(campaign_id: str, rows: list[tuple[Any, ...]]) -> list[JournalRecord]:
    """Parse journal rows whose checksums were checked; ValueError if one is malformed.

    All rows are parsed in one ``json.loads`` call: per-row calls cost more in call
    overhead than in parsing.
    """
    try:
        values = json.loads("[" + ",".join(f"[{r[1]},{r[2]},{r[6]}]" for r in rows) + "]")
    except ValueError:
        for row in rows:  # find which row it is, for the report
            json.loads(f"[{row[1]},{row[2]},{row[6]}]")
        raise
    records = []
    for row, (ops, inverse, meta) in zip(rows, values, strict=True):
        if not (isinstance(ops, list) and isinstance(inverse, list) and isinstance(meta, dict)):
            raise ValueError(f"journal row {row[0]} has the wrong shape")
        records.append(JournalRecord(row[0], ops, inverse, row[3], row[4], row[5], meta))
    return records


Verified = tuple[int, int, str]
"""What a verification saw: (snapshot version, latest version, snapshot sha256)."""


def load(
    conn: sqlite3.Connection, campaign_id: str, verified: Verified | None = None
) -> LoadedCampaign:
    """The verified snapshot and every later journal row, parsed.

    ``verified`` is what a ``verify`` of this store saw moments ago: if the campaign
    is still exactly that, its checksums are not computed a second time.
    """
    loaded, _ = _read_verified(conn, campaign_id, decode=True, verified=verified)
    assert loaded is not None
    return loaded


@dataclasses.dataclass(frozen=True, slots=True)
class Verification:
    """What a start-up check of one campaign found besides "the state is intact"."""

    seen: Verified
    damaged_old_rows_through: int | None
    """Rows behind the snapshot up to this version failed their checksum (or could not
    be read); they hold no state, and the caller drops them and reports it."""
    listed_name_wrong: str | None
    """The listing's name differs from the verified snapshot's, which is this."""


def verify(conn: sqlite3.Connection, campaign_id: str) -> Verification:
    """Check every checksum without parsing anything (the start-up check).

    Raises CorruptCampaign when the state cannot be rebuilt.
    """
    listed = get_info(conn, campaign_id).name
    _, seen = _read_verified(conn, campaign_id, decode=False, verified=None)
    snapshot_version, _, _ = seen
    damaged = None
    try:
        with read_transaction(conn):
            old_rows = conn.execute(
                f"SELECT {_JOURNAL_COLUMNS} FROM journal WHERE campaign_id = ? AND version <= ?"
                " ORDER BY version",
                (campaign_id, snapshot_version),
            ).fetchall()
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        old_rows, damaged = [], snapshot_version
    for row in old_rows:
        try:
            _check_row(campaign_id, row)
        except (ValueError, TypeError):
            damaged = row[0]
    snapshot_name = _snapshot_name(conn, campaign_id)
    wrong = snapshot_name if snapshot_name != listed else None
    return Verification(seen, damaged, wrong)


def _snapshot_name(conn: sqlite3.Connection, campaign_id: str) -> str:
    row = conn.execute("SELECT name FROM snapshots WHERE campaign_id = ?", (campaign_id,))
    return str(row.fetchone()[0])


def drop_journal_through(conn: sqlite3.Connection, campaign_id: str, version: int) -> int:
    """Forget rows up to ``version`` (all behind the snapshot); returns how many."""
    with write_transaction(conn):
        return int(
            conn.execute(
                "DELETE FROM journal WHERE campaign_id = ? AND version <= ?",
                (campaign_id, version),
            ).rowcount
        )


def _rows_until_unreadable(
    cursor: sqlite3.Cursor,
) -> tuple[list[tuple[Any, ...]], sqlite3.DatabaseError | None]:
    """Every row up to the first that cannot be read, and the damage that stopped it.

    Read row by row (and to the end: an unfinished cursor would pin the read snapshot
    past COMMIT), so the rows before a damaged one can still be verified and kept.
    """
    rows: list[tuple[Any, ...]] = []
    try:
        for row in cursor:
            rows.append(row)
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        cursor.close()
        return rows, exc
    return rows, None


def _read_verified(
    conn: sqlite3.Connection, campaign_id: str, *, decode: bool, verified: Verified | None
) -> tuple[LoadedCampaign | None, Verified]:
    ok_up_to: int | None = None
    try:
        with read_transaction(conn):
            info = get_info(conn, campaign_id)
            snap = conn.execute(
                "SELECT version, sha256, rowid, length(blob), name FROM snapshots"
                " WHERE campaign_id = ?",
                (campaign_id,),
            ).fetchone()
            if snap is None:
                raise CorruptCampaign(campaign_id, None, "its snapshot is missing")
            snapshot_version, digest, name = int(snap[0]), str(snap[1]), str(snap[4])
            blob = _read_blob(conn, int(snap[2]), int(snap[3]))
            seen = (snapshot_version, info.version, digest)
            trusted = verified == seen
            if (
                not trusted
                and snapshot_checksum(campaign_id, snapshot_version, name, blob) != digest
            ):
                raise CorruptCampaign(
                    campaign_id,
                    None,
                    f"the snapshot at version {snapshot_version} fails its checksum",
                )
            if info.snapshot_version != snapshot_version:
                raise CorruptCampaign(
                    campaign_id,
                    None,
                    f"its listing says the snapshot is at version {info.snapshot_version}, "
                    f"the snapshot itself {snapshot_version}",
                )
            ok_up_to = snapshot_version
            rows, unreadable = _rows_until_unreadable(
                conn.execute(
                    f"SELECT {_JOURNAL_COLUMNS} FROM journal WHERE campaign_id = ? AND version > ?"
                    " ORDER BY version",
                    (campaign_id, snapshot_version),
                )
            )
            for row in rows:
                if row[0] != ok_up_to + 1:
                    raise CorruptCampaign(
                        campaign_id, ok_up_to, f"journal row {ok_up_to + 1} is missing"
                    )
                try:
                    if not trusted:
                        _check_row(campaign_id, row)
                except (ValueError, TypeError) as exc:
                    raise CorruptCampaign(campaign_id, ok_up_to, str(exc)) from exc
                ok_up_to += 1
            if unreadable is not None:
                raise unreadable
            try:
                records = _decode_rows(campaign_id, rows) if decode else []
            except (ValueError, TypeError) as exc:
                raise CorruptCampaign(campaign_id, snapshot_version, str(exc)) from exc
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise  # a full disk or a held lock says nothing about the data
        raise CorruptCampaign(campaign_id, ok_up_to, f"unreadable: {exc}") from exc
    if ok_up_to != info.version:
        raise CorruptCampaign(
            campaign_id,
            ok_up_to,
            f"the journal ends at version {ok_up_to} but the campaign is at {info.version}",
        )
    if name != info.name:  # the verified snapshot's name is the campaign's
        info = dataclasses.replace(info, name=name)
    loaded = LoadedCampaign(info, blob, snapshot_version, records) if decode else None
    return loaded, seen


def records_since(
    conn: sqlite3.Connection, campaign_id: str, version: int
) -> list[JournalRecord] | None:
    with read_transaction(conn):
        latest = _latest_version(conn, campaign_id)
        if version >= latest:
            return []
        oldest = conn.execute(
            "SELECT MIN(version) FROM journal WHERE campaign_id = ?", (campaign_id,)
        ).fetchone()[0]
        if oldest is None or oldest > version + 1:
            return None
        rows = conn.execute(
            f"SELECT {_JOURNAL_COLUMNS} FROM journal WHERE campaign_id = ? AND version > ?"
            " ORDER BY version",
            (campaign_id, version),
        ).fetchall()
    try:
        for row in rows:
            _check_row(campaign_id, row)
        return _decode_rows(campaign_id, rows)
    except (ValueError, TypeError) as exc:
        raise CorruptCampaign(campaign_id, None, str(exc)) from exc


@dataclasses.dataclass(frozen=True, slots=True)
class Salvaged:
    """The verified part of a campaign found in a damaged database."""

    name: str
    snapshot: bytes
    snapshot_version: int
    records: list[JournalRecord]

    @property
    def version(self) -> int:
        return self.records[-1].version if self.records else self.snapshot_version


def salvage(conn: sqlite3.Connection, campaign_id: str) -> Salvaged | None:
    """What of a campaign still verifies in a damaged database: its snapshot if it
    passes its checksum, then its journal rows up to the first that is missing, fails
    its checksum or cannot be read. None when not even the snapshot verifies."""
    try:
        row = conn.execute(
            "SELECT version, sha256, name, blob FROM snapshots WHERE campaign_id = ?",
            (campaign_id,),
        ).fetchone()
    except (sqlite3.DatabaseError, UnicodeDecodeError):
        return None
    if row is None:
        return None
    snapshot_version, digest, name, blob = int(row[0]), str(row[1]), str(row[2]), bytes(row[3])
    if snapshot_checksum(campaign_id, snapshot_version, name, blob) != digest:
        return None
    records: list[JournalRecord] = []
    try:
        cursor = conn.execute(
            f"SELECT {_JOURNAL_COLUMNS} FROM journal WHERE campaign_id = ? AND version > ?"
            " ORDER BY version",
            (campaign_id, snapshot_version),
        )
        for journal_row in cursor:
            if journal_row[0] != snapshot_version + len(records) + 1:
                break
            _check_row(campaign_id, journal_row)
            records.extend(_decode_rows(campaign_id, [journal_row]))
    except (sqlite3.DatabaseError, UnicodeDecodeError, ValueError, TypeError):
        pass  # the first row that cannot be read or verified ends what can be kept
    return Salvaged(name, blob, snapshot_version, records)
