from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import InvalidCampaignId, NoBackupFound
from storage.backups import BackupInfo, BackupPolicy, BackupSet
from storage.campaign_file import read_manifest

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def backup(backups: BackupSet, at: datetime, version: int, cid: str = "c1") -> BackupInfo:
    state = json.dumps({"id": cid, "version": version}).encode()
    return backups.write(cid, state, "Camp", version, 1, {}, "periodic", now=at)


def test_write_creates_readable_campaign_file_with_reason(tmp_path: Path) -> None:
    backups = BackupSet(tmp_path)
    info = backup(backups, T0, 5)
    assert info.path.parent == tmp_path / "backups" / "c1"
    assert info.path.name == "20250301T120000.000000Z-v5.vttcampaign"
    manifest = read_manifest(info.path)
    assert (manifest["version"], manifest["reason"]) == (5, "periodic")
    assert backups.list("c1") == [info]


def test_rotation_keeps_newest_n_plus_one_per_day(tmp_path: Path) -> None:
    backups = BackupSet(tmp_path, keep_newest=3, keep_daily_days=5)
    version = 0
    for day in range(10):  # 10 days, 4 backups a day, an hour apart
        for hour in range(4):
            version += 1
            backup(backups, T0 + timedelta(days=day, hours=hour), version)
    now = T0 + timedelta(days=9, hours=3)
    backups.prune("c1", now=now)
    kept = backups.list("c1")
    # newest 3 (day 9, hours 3, 2, 1) plus the newest of each of days 5..8
    assert [b.version for b in kept] == [40, 39, 38, 36, 32, 28, 24]


def test_prune_never_deletes_the_newest(tmp_path: Path) -> None:
    backups = BackupSet(tmp_path, keep_newest=1, keep_daily_days=0)
    backup(backups, T0, 1)
    newest = backup(backups, T0 + timedelta(minutes=5), 2)
    assert backups.prune("c1", now=T0 + timedelta(days=400)) == []
    assert backups.list("c1") == [newest]


def test_pick_returns_newest_at_or_before_time(tmp_path: Path) -> None:
    backups = BackupSet(tmp_path)
    for minutes, version in ((0, 1), (10, 2), (20, 3)):
        backup(backups, T0 + timedelta(minutes=minutes), version)
    assert backups.pick("c1", T0 + timedelta(minutes=15)).version == 2
    assert backups.pick("c1", T0 + timedelta(minutes=10)).version == 2
    assert backups.pick("c1").version == 3
    with pytest.raises(NoBackupFound, match="at or before 2025-03-01 11:00"):
        backups.pick("c1", T0 - timedelta(hours=1))
    with pytest.raises(NoBackupFound):
        backups.pick("other")


def test_newest_valid_skips_damaged_backups(tmp_path: Path) -> None:
    backups = BackupSet(tmp_path)
    good = backup(backups, T0, 1)
    bad = backup(backups, T0 + timedelta(minutes=5), 2)
    bad.path.write_bytes(b"garbage")
    found = backups.newest_valid("c1", read_manifest)
    assert found is not None
    assert found[0] == backups.list("c1")[1]
    assert found[0].path == good.path
    assert backups.newest_valid("nobody", read_manifest) is None


def test_campaign_id_that_escapes_the_backup_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidCampaignId):
        backup(BackupSet(tmp_path), T0, 1, cid="../escape")


async def test_write_async_and_policy(tmp_path: Path) -> None:
    backups = BackupSet.from_policy(tmp_path, BackupPolicy(keep_newest=2))
    info = await backups.write_async("c1", b"{}", "Camp", 3, 1, {}, "shutdown")
    assert info.reason == "shutdown"
    assert backups.list() == [info]


@pytest.mark.parametrize(
    "policy",
    [
        {"interval_s": 0},
        {"interval_s": float("nan")},
        {"keep_newest": 0},
        {"keep_daily_days": -1},
    ],
    ids=["no-interval", "nan-interval", "keep-none", "negative-days"],
)
def test_a_policy_that_would_never_back_up_or_keep_nothing_is_refused(
    policy: dict[str, float],
) -> None:
    with pytest.raises(ValueError, match=r"interval|keep"):
        BackupPolicy(**policy)  # type: ignore[arg-type]
