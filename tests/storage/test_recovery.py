"""Damage scenarios: each must end in a working store and a report of what was lost."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from storage import CorruptCampaign, DatabaseDamaged, Store, WriteAheadLogMissing
from storage.backups import BackupSet
from storage.campaign_file import read_campaign_file
from storage.recovery import RecoveryReport, open_store_with_recovery

from .conftest import move, state_bytes

DB = "vtt-host.sqlite3"


def read_backup(path: Path) -> tuple[bytes, str, str, int]:
    def accept(state: dict[str, Any]) -> dict[str, Any]:
        return state

    found = read_campaign_file(path, current_schema_version=1, migrations={}, validate=accept)
    m = found.manifest
    return json.dumps(found.state).encode(), m["campaignId"], m["name"], m["version"]


def back_up(data_dir: Path, campaign_id: str, version: int) -> None:
    BackupSet(data_dir).write(
        campaign_id, state_bytes(campaign_id, version), campaign_id.upper(), version, 1, {},
        "periodic",
    )  # fmt: skip


async def make_campaign(store: Store, campaign_id: str, versions: int, **extra: Any) -> None:
    await store.create_campaign(
        campaign_id, campaign_id.upper(), state_bytes(campaign_id, **extra), 0
    )
    for v in range(1, versions + 1):
        await store.append(campaign_id, move(v))


async def recover(data_dir: Path) -> tuple[Store, list[RecoveryReport]]:
    return await open_store_with_recovery(
        data_dir, backups=BackupSet(data_dir), read_backup=read_backup
    )


def sql(data_dir: Path, statement: str, *params: Any) -> None:
    conn = sqlite3.connect(data_dir / DB)
    try:
        conn.execute(statement, params)
        conn.commit()
    finally:
        conn.close()


async def test_healthy_database_opens_without_reports(tmp_path: Path) -> None:
    store = await Store.open(tmp_path)
    await make_campaign(store, "c1", 3)
    await store.close()
    store, reports = await recover(tmp_path)
    assert reports == []
    await store.close()


async def test_flipped_bytes_in_snapshot_file_restore_from_backup(tmp_path: Path) -> None:
    store = await Store.open(tmp_path)
    await make_campaign(store, "c1", 5, pad="Q" * 20_000)
    await make_campaign(store, "c2", 2)
    back_up(tmp_path, "c1", 3)
    await store.close()
    raw = bytearray((tmp_path / DB).read_bytes())
    at = raw.find(b"Q" * 3000)  # one overflow page holds ~4 KB of it
    assert at > 0
    raw[at + 100] ^= 0x01
    (tmp_path / DB).write_bytes(bytes(raw))

    store, reports = await recover(tmp_path)
    try:
        assert len(reports) == 1
        report = reports[0]
        assert (report.campaign_id, report.recovered_to_version) == ("c1", 3)
        assert report.lost == "versions 4..5"
        assert report.backup_used is not None
        assert report.damaged_location is not None
        assert (report.damaged_location / DB).exists()
        loaded = await store.load("c1")
        assert loaded.snapshot == state_bytes("c1", 3)
        assert loaded.records == []
        assert [r.version for r in (await store.load("c2")).records] == [1, 2]
    finally:
        await store.close()


async def test_snapshot_checksum_mismatch_is_never_loaded(tmp_path: Path) -> None:
    store = await Store.open(tmp_path)
    await make_campaign(store, "c1", 1)
    await store.close()
    sql(tmp_path, "UPDATE snapshots SET blob = ? WHERE campaign_id = 'c1'", b'{"evil":1}')
    store = await Store.open(tmp_path)
    try:
        with pytest.raises(CorruptCampaign, match="snapshot"):
            await store.load("c1")
    finally:
        await store.close()
    store, reports = await recover(tmp_path)
    try:
        assert reports[0].recovered_to_version is None
        assert "no usable backup" in reports[0].lost
        assert await store.list_campaigns() == []
    finally:
        await store.close()


async def test_bad_journal_row_checksum_restores_only_that_campaign(tmp_path: Path) -> None:
    store = await Store.open(tmp_path)
    await make_campaign(store, "c1", 8)
    await make_campaign(store, "c2", 4)
    back_up(tmp_path, "c1", 5)
    await store.set_secret("c1", "join_code", "KEEP")
    await store.close()
    sql(tmp_path, "UPDATE journal SET ops = '[]' WHERE campaign_id = 'c1' AND version = 3")

    store, reports = await recover(tmp_path)
    try:
        [report] = reports
        assert report.recovered_to_version == 5
        assert report.source == "backup"
        assert report.lost == "versions 6..8"
        assert "journal row 3" in report.problem
        assert (await store.load("c1")).info.version == 5
        await store.append("c1", move(6))  # the journal continues from the backup
        assert await store.get_secrets("c1") == {"join_code": "KEEP"}
        assert (await store.load("c2")).info.version == 4
    finally:
        await store.close()


async def test_bad_journal_row_keeps_verified_prefix_when_newer_than_backup(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path)
    await make_campaign(store, "c1", 8)
    back_up(tmp_path, "c1", 2)
    await store.close()
    sql(tmp_path, "UPDATE journal SET by = 'mallory' WHERE campaign_id = 'c1' AND version = 6")

    store, reports = await recover(tmp_path)
    try:
        [report] = reports
        assert (report.recovered_to_version, report.source) == (5, "database")
        assert report.lost == "versions 6..8"
        assert [r.version for r in (await store.load("c1")).records] == [1, 2, 3, 4, 5]
    finally:
        await store.close()


async def test_truncated_database_file_restores_every_campaign_from_backup(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path)
    await make_campaign(store, "c1", 50, pad="x" * 50_000)
    await make_campaign(store, "c2", 10, pad="y" * 50_000)
    back_up(tmp_path, "c1", 40)
    back_up(tmp_path, "c2", 10)
    await store.close()
    db = tmp_path / DB
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])
    with pytest.raises(DatabaseDamaged):
        await Store.open(tmp_path)

    store, reports = await recover(tmp_path)
    try:
        by_id = {r.campaign_id: r for r in reports}
        assert by_id["c1"].recovered_to_version == 40
        assert by_id["c2"].recovered_to_version == 10
        assert by_id["c1"].lost in (
            "versions 41..50",
            "any versions after 40 (their number is unknown)",
        )
        damaged = by_id["c1"].damaged_location
        assert damaged is not None
        assert (damaged / DB).exists()
        assert (await store.load("c1")).snapshot == state_bytes("c1", 40)
    finally:
        await store.close()


async def test_garbage_database_without_backups_reports_loss(tmp_path: Path) -> None:
    (tmp_path / DB).write_bytes(b"this is not a database at all" * 100)
    store, reports = await recover(tmp_path)
    try:
        assert reports == []  # nothing readable, nothing backed up: a fresh store
        assert await store.list_campaigns() == []
        assert list((tmp_path / "damaged").glob(f"*/{DB}"))
    finally:
        await store.close()


async def test_deleted_wal_after_crash_is_detected_not_silent(tmp_path: Path) -> None:
    """With FULL, acknowledged commits live in the -wal file until a checkpoint.

    Deleting it loses them; the WAL guard turns that into WriteAheadLogMissing and
    recovery keeps the newer of the checkpointed database and the backup.
    """
    live = tmp_path / "live"
    store = await Store.open(live)
    await make_campaign(store, "c1", 10)
    await make_campaign(store, "c2", 2)
    await store.close()  # checkpointed: c1 at 10, c2 at 2 in the main file
    store = await Store.open(live)
    for v in range(11, 21):
        await store.append("c1", move(v))
    for v in range(3, 9):
        await store.append("c2", move(v))
    back_up(live, "c1", 4)  # older than the checkpointed database
    back_up(live, "c2", 7)  # newer than the checkpointed database
    crashed = tmp_path / "crashed"  # the main file as a crash left it, the -wal deleted
    crashed.mkdir()
    shutil.copy2(live / DB, crashed / DB)
    shutil.copytree(live / "backups", crashed / "backups")
    await store.close()

    with pytest.raises(WriteAheadLogMissing):
        await Store.open(crashed)
    store, reports = await recover(crashed)
    try:
        by_id = {r.campaign_id: r for r in reports}
        assert (by_id["c1"].recovered_to_version, by_id["c1"].source) == (10, "database")
        assert (by_id["c2"].recovered_to_version, by_id["c2"].source) == (7, "backup")
        assert "unknown" in by_id["c1"].lost
        assert "write-ahead log" in by_id["c1"].problem
        assert (await store.load("c1")).info.version == 10
        assert (await store.load("c2")).snapshot == state_bytes("c2", 7)
    finally:
        await store.close()
    store, reports = await recover(crashed)  # recovered state is clean from now on
    assert reports == []
    await store.close()
