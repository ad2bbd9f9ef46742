from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import math
import sqlite3
from pathlib import Path

import pytest

from storage import (
    CampaignExists,
    CampaignNotFound,
    CheckpointVersionError,
    CorruptCampaign,
    DuplicateVersionError,
    JournalGapError,
    Store,
    StoreClosed,
)
from storage._schema import _SCHEMA_1

from .conftest import move, state_bytes


async def test_append_then_load_returns_snapshot_and_records(store: Store) -> None:
    await store.create_campaign("c1", "One", state_bytes(), 0)
    for v in range(1, 6):
        await store.append("c1", move(v))
    loaded = await store.load("c1")
    assert loaded.snapshot == state_bytes()
    assert loaded.snapshot_version == 0
    assert loaded.records == [move(v) for v in range(1, 6)]
    assert loaded.info.version == 5


async def test_duplicate_campaign_id_is_refused(store: Store) -> None:
    await store.create_campaign("c1", "One", state_bytes(), 0)
    with pytest.raises(CampaignExists):
        await store.create_campaign("c1", "Again", state_bytes(), 0)


async def test_gap_and_duplicate_versions_are_refused_and_write_nothing(store: Store) -> None:
    await store.create_campaign("c1", "One", state_bytes(), 0)
    await store.append("c1", move(1))
    with pytest.raises(JournalGapError) as gap:
        await store.append("c1", move(3))
    assert (gap.value.latest, gap.value.got) == (1, 3)
    with pytest.raises(DuplicateVersionError):
        await store.append("c1", move(1, x=99))
    loaded = await store.load("c1")
    assert loaded.records == [move(1)]
    assert loaded.info.version == 1


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (math.nan, ValueError),
        (math.inf, ValueError),
        (-math.inf, ValueError),
        ("\ud800", UnicodeEncodeError),
    ],
    ids=["nan", "infinity", "minus-infinity", "lone-surrogate"],
)
async def test_a_record_json_cannot_carry_is_refused_and_the_journal_stays_readable(
    store: Store, value: object, error: type[Exception]
) -> None:
    """A bug upstream must stop the change, not write a row every reader rejects."""
    await store.create_campaign("c1", "One", state_bytes(), 0)
    bad = dataclasses.replace(move(1), ops=[{"op": "add", "path": "/tokens/t", "value": value}])
    with pytest.raises(error):
        await store.append("c1", bad)
    await store.append("c1", move(1))
    assert (await store.load("c1")).records == [move(1)]


async def test_append_to_unknown_campaign_raises_not_found(store: Store) -> None:
    with pytest.raises(CampaignNotFound):
        await store.append("nope", move(1))


async def test_checkpoint_then_load_returns_only_later_records(store: Store) -> None:
    await store.create_campaign("c1", "One", state_bytes(), 0)
    for v in range(1, 11):
        await store.append("c1", move(v))
    await store.checkpoint("c1", 7, state_bytes(version=7))
    loaded = await store.load("c1")
    assert loaded.snapshot_version == 7
    assert loaded.snapshot == state_bytes(version=7)
    assert [r.version for r in loaded.records] == [8, 9, 10]


async def test_checkpoint_beyond_latest_or_before_snapshot_is_refused(store: Store) -> None:
    await store.create_campaign("c1", "One", state_bytes(), 0)
    await store.append("c1", move(1))
    with pytest.raises(CheckpointVersionError):
        await store.checkpoint("c1", 2, state_bytes(version=2))
    await store.checkpoint("c1", 1, state_bytes(version=1))
    with pytest.raises(CheckpointVersionError):
        await store.checkpoint("c1", 0, state_bytes())


async def test_checkpoint_trims_journal_to_window(tmp_path: Path) -> None:
    store = await Store.open(tmp_path, journal_keep_versions=3)
    try:
        await store.create_campaign("c1", "One", state_bytes(), 0)
        for v in range(1, 11):
            await store.append("c1", move(v))
        await store.checkpoint("c1", 8, state_bytes(version=8))
        # rows <= 8 - 3 = 5 dropped; 6..10 remain
        since5 = await store.records_since("c1", 5)
        assert since5 is not None
        assert [r.version for r in since5] == [6, 7, 8, 9, 10]
        assert await store.records_since("c1", 4) is None
        assert await store.records_since("c1", 10) == []
    finally:
        await store.close()


async def test_records_since_is_none_when_journal_does_not_reach_back(tmp_path: Path) -> None:
    store = await Store.open(tmp_path, journal_keep_versions=0)
    try:
        await store.create_campaign("c1", "One", state_bytes(), 0)
        await store.append("c1", move(1))
        await store.append("c1", move(2))
        await store.checkpoint("c1", 2, state_bytes(version=2))
        assert await store.records_since("c1", 0) is None
        assert await store.records_since("c1", 2) == []
    finally:
        await store.close()


async def test_secrets_are_per_campaign_and_deleted_with_it(store: Store) -> None:
    await store.create_campaign("c1", "One", state_bytes(), 0)
    await store.create_campaign("c2", "Two", state_bytes("c2"), 0)
    await store.set_secret("c1", "join_code", "ABCD")
    await store.set_secret("c1", "gm_token", "t0k")
    await store.set_secret("c2", "join_code", "WXYZ")
    await store.delete_secret("c1", "gm_token")
    assert await store.get_secrets("c1") == {"join_code": "ABCD"}
    await store.delete_campaign("c1")
    with pytest.raises(CampaignNotFound):
        await store.get_secrets("c1")
    assert await store.get_secrets("c2") == {"join_code": "WXYZ"}


async def test_rename_and_list_campaigns(store: Store) -> None:
    await store.create_campaign("c1", "One", state_bytes(), 0)
    await store.create_campaign("c2", "Two", state_bytes("c2"), 4)
    await store.rename_campaign("c1", "Zed")
    infos = await store.list_campaigns()
    assert [(i.id, i.name, i.version, i.snapshot_version) for i in infos] == [
        ("c2", "Two", 4, 4),
        ("c1", "Zed", 0, 0),
    ]
    with pytest.raises(CampaignNotFound):
        await store.rename_campaign("nope", "x")


async def test_appends_survive_close_and_reopen(tmp_path: Path) -> None:
    store = await Store.open(tmp_path)
    await store.create_campaign("c1", "One", state_bytes(), 0)
    for v in range(1, 4):
        await store.append("c1", move(v))
    await store.close()
    await store.close()  # idempotent
    with pytest.raises(StoreClosed):
        await store.append("c1", move(4))
    reopened = await Store.open(tmp_path)
    try:
        loaded = await reopened.load("c1")
        assert [r.version for r in loaded.records] == [1, 2, 3]
    finally:
        await reopened.close()


async def test_two_campaigns_interleaved_keep_their_own_journals(store: Store) -> None:
    await store.create_campaign("a", "A", state_bytes("a"), 0)
    await store.create_campaign("b", "B", state_bytes("b"), 10)
    for i in range(1, 6):
        await store.append("a", move(i, by="pa"))
        await store.append("b", move(10 + i, by="pb"))
    a, b = await store.load("a"), await store.load("b")
    assert [r.version for r in a.records] == [1, 2, 3, 4, 5]
    assert [r.version for r in b.records] == [11, 12, 13, 14, 15]
    assert {r.by for r in a.records} == {"pa"}


async def test_concurrent_appends_from_many_campaigns_are_all_durable(tmp_path: Path) -> None:
    store = await Store.open(tmp_path)
    ids = [f"c{i}" for i in range(50)]
    for cid in ids:
        await store.create_campaign(cid, cid, state_bytes(cid), 0)

    async def writer(cid: str) -> None:
        for v in range(1, 21):
            await store.append(cid, move(v))

    await asyncio.gather(*(writer(cid) for cid in ids))
    await store.close()
    reopened = await Store.open(tmp_path)
    try:
        for cid in ids:
            loaded = await reopened.load(cid)
            assert [r.version for r in loaded.records] == list(range(1, 21))
    finally:
        await reopened.close()


async def test_refused_append_in_a_batch_does_not_affect_the_others(store: Store) -> None:
    await store.create_campaign("a", "A", state_bytes("a"), 0)
    await store.create_campaign("b", "B", state_bytes("b"), 0)
    results = await asyncio.gather(
        store.append("a", move(1)),
        store.append("b", move(5)),
        store.append("a", move(2)),
        return_exceptions=True,
    )
    assert results[0] is None
    assert results[2] is None
    assert isinstance(results[1], JournalGapError)
    assert [r.version for r in (await store.load("a")).records] == [1, 2]
    assert (await store.load("b")).records == []


async def test_database_schema_version_is_recorded(store: Store) -> None:
    conn = sqlite3.connect(store.db_path)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    finally:
        conn.close()
    assert row == ("2",)


def schema_1_database(folder: Path, snapshot: bytes, *, damaged: bool = False) -> None:
    """A database as the previous schema left it: the snapshot summed over the blob alone."""
    conn = sqlite3.connect(folder / "vtt-host.sqlite3", isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        for statement in _SCHEMA_1:
            conn.execute(statement)
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        conn.execute("INSERT INTO campaigns VALUES ('c1', 'Old', 0, 0, 1, 1)")
        digest = hashlib.sha256(snapshot + (b" " if damaged else b"")).hexdigest()
        conn.execute("INSERT INTO snapshots VALUES ('c1', 0, ?, ?)", (digest, snapshot))
    finally:
        conn.close()


async def test_a_schema_1_database_is_migrated_and_its_snapshot_still_verifies(
    tmp_path: Path,
) -> None:
    schema_1_database(tmp_path, state_bytes())
    store = await Store.open(tmp_path)
    try:
        await store.verify("c1")
        loaded = await store.load("c1")
        assert (loaded.info.name, loaded.snapshot) == ("Old", state_bytes())
    finally:
        await store.close()


async def test_a_snapshot_damaged_before_the_migration_is_still_refused(tmp_path: Path) -> None:
    schema_1_database(tmp_path, state_bytes(), damaged=True)
    store = await Store.open(tmp_path)
    try:
        with pytest.raises(CorruptCampaign, match="snapshot"):
            await store.verify("c1")
    finally:
        await store.close()


def poke(db_path: Path, sql: str) -> None:
    """Change a value behind the store's back, as a flipped bit on disk would."""
    conn = sqlite3.connect(db_path)
    try:
        conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


async def test_a_snapshot_version_changed_on_disk_is_damage_not_a_replay_start(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path)
    await store.create_campaign("c1", "Test", state_bytes(), 0)
    for version in range(1, 6):
        await store.append("c1", move(version))
    await store.checkpoint("c1", 3, state_bytes(version=3))
    await store.close()
    poke(tmp_path / "vtt-host.sqlite3", "UPDATE snapshots SET version = 2")
    store = await Store.open(tmp_path)
    try:
        with pytest.raises(CorruptCampaign, match="snapshot"):
            await store.verify("c1")
    finally:
        await store.close()


async def test_a_listed_name_changed_on_disk_is_put_right_from_the_snapshot(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path)
    await store.create_campaign("c1", "Curse of the Crypt", state_bytes(), 0)
    await store.close()
    poke(tmp_path / "vtt-host.sqlite3", "UPDATE campaigns SET name = 'Curse of the Crypu'")
    store = await Store.open(tmp_path)
    try:
        await store.verify("c1")
        assert [info.name for info in await store.list_campaigns()] == ["Curse of the Crypt"]
    finally:
        await store.close()


async def test_a_checkpoint_carries_the_documents_name_into_the_listing(tmp_path: Path) -> None:
    store = await Store.open(tmp_path)
    try:
        await store.create_campaign("c1", "Draft", state_bytes(), 0)
        await store.append("c1", move(1))
        await store.checkpoint("c1", 1, state_bytes(version=1), name="The Sunless Citadel")
        assert (await store.get_info("c1")).name == "The Sunless Citadel"
        await store.verify("c1")
    finally:
        await store.close()
