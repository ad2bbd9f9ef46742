"""Damage the files of a played campaign, then start the host as the GM would.

Each time the library must say what it repaired (which campaign, the version it went
back to, what was lost), open the campaign at exactly that version with exactly the
script's state at it, keep the damaged file where the report says, and carry on.
"""

from __future__ import annotations

import shutil
import sqlite3
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from storage.recovery import DAMAGED_DIR_NAME, RecoveryReport
from vtt_host.library import Library

from .conftest import DB_FILE, Played, play, run_cli
from .script import (
    CAMPAIGN_ID,
    ExpectedCampaign,
    apply_script,
    first_difference,
    jsonable,
    lore_text,
)

pytestmark = pytest.mark.usefixtures("scripted")

Damage = Callable[[Path], None]
UNKNOWN_AFTER_60 = "any versions after 60 (their number is unknown)"


def flip_snapshot_bytes(data_dir: Path) -> None:
    """Flip one bit inside the snapshot blob, where it lies in the database file."""
    db = data_dir / DB_FILE
    assert not (data_dir / f"{DB_FILE}-wal").exists(), "the blob must be in the main file"
    raw = bytearray(db.read_bytes())
    marker = lore_text(7)[5000:5064].encode()  # text found only in the snapshot
    hits = []
    at = raw.find(marker)
    while at >= 0:
        hits.append(at)
        at = raw.find(marker, at + 1)
    assert hits, "the snapshot text is not in the database file"
    for hit in hits:  # pages freed by an earlier checkpoint may hold an old copy
        raw[hit + 10] ^= 0x01
    db.write_bytes(bytes(raw))


def truncate_to_half(data_dir: Path) -> None:
    db = data_dir / DB_FILE
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])


def corrupt_journal_row(version: int) -> Damage:
    """Change one digit of a journal row's ops (still valid JSON, so only the sum tells)."""

    def damage(data_dir: Path) -> None:
        conn = sqlite3.connect(data_dir / DB_FILE)
        try:
            (ops,) = conn.execute(
                "SELECT ops FROM journal WHERE campaign_id = ? AND version = ?",
                (CAMPAIGN_ID, version),
            ).fetchone()
            damaged = ops.replace(f'"version":{version}', f'"version":{version + 1}', 1)
            assert damaged != ops
            conn.execute(
                "UPDATE journal SET ops = ? WHERE campaign_id = ? AND version = ?",
                (damaged, CAMPAIGN_ID, version),
            )
            conn.commit()
        finally:
            conn.close()

    return damage


WAL_HEADER_BYTES = 32
WAL_FRAME_HEADER_BYTES = 24


def wal_frames(data_dir: Path) -> tuple[bytearray, int, list[tuple[int, bool]]]:
    """The -wal file, its page size and its current frames: (offset, is a commit)."""
    raw = bytearray((data_dir / f"{DB_FILE}-wal").read_bytes())
    (page_size,) = struct.unpack(">I", raw[8:12])
    salts = raw[16:24]
    frames = []
    offset = WAL_HEADER_BYTES
    while offset + WAL_FRAME_HEADER_BYTES + page_size <= len(raw):
        if raw[offset + 8 : offset + 16] != salts:
            break  # frames of an earlier generation of the log
        (size_after_commit,) = struct.unpack(">I", raw[offset + 4 : offset + 8])
        frames.append((offset, size_after_commit != 0))
        offset += WAL_FRAME_HEADER_BYTES + page_size
    return raw, page_size, frames


def flip_a_wal_frame(data_dir: Path) -> None:
    """Flip a bit in a frame with commits after it: SQLite silently drops all of them."""
    raw, page_size, frames = wal_frames(data_dir)
    commits = [offset for offset, commit in frames if commit]
    assert len(commits) > 10, "the log holds too few commits to damage one in the middle"
    victim = commits[len(commits) // 2]
    raw[victim + WAL_FRAME_HEADER_BYTES + page_size // 2] ^= 0x01
    (data_dir / f"{DB_FILE}-wal").write_bytes(bytes(raw))


def cut_the_wal_short(data_dir: Path) -> None:
    raw, page_size, frames = wal_frames(data_dir)
    commits = [offset for offset, commit in frames if commit]
    cut = commits[len(commits) // 2] + WAL_FRAME_HEADER_BYTES + page_size // 2
    (data_dir / f"{DB_FILE}-wal").write_bytes(bytes(raw[:cut]))


def undecodable_text_in_row(version: int) -> Damage:
    """Turn a byte of a journal row's text into one that is not UTF-8, in the file itself:
    SQLite reads the row fine, Python cannot decode it."""

    def damage(data_dir: Path) -> None:
        raw = bytearray((data_dir / DB_FILE).read_bytes())
        # The op that adds the message: only that row has it (the snapshot has no ops).
        marker = f'chatMessages/-","value":{{"id":"m_v{version}n1"'.encode()
        at = raw.find(marker)
        assert at >= 0, "the row's text is not in the file"
        assert raw.find(marker, at + 1) < 0, "the row's text is in the file twice"
        raw[at] = 0xFF
        (data_dir / DB_FILE).write_bytes(bytes(raw))

    return damage


async def test_a_row_that_cannot_be_decoded_after_the_snapshot_is_repaired_not_fatal(
    tmp_path: Path,
) -> None:
    played = await play(tmp_path, backed_up=60, final=100)
    data_dir = await restarted_after_crash(played)
    undecodable_text_in_row(85)(data_dir)
    library = await Library.open(data_dir)
    try:
        await check_recovery(
            library, ExpectedCampaign(), version=84, source="database", lost={"versions 85..100"}
        )
    finally:
        await library.close()


async def test_a_row_that_cannot_be_decoded_behind_the_snapshot_costs_nothing(
    tmp_path: Path,
) -> None:
    played = await play(tmp_path, backed_up=60, final=100)
    undecodable_text_in_row(85)(played.closed)
    library = await Library.open(played.closed)
    try:
        assert [(r.recovered_to_version, r.lost) for r in library.recovery_reports] == [
            (100, "nothing")
        ]
        live = await library.open_campaign(CAMPAIGN_ID)
        assert jsonable(live.manager.state) == await ExpectedCampaign().state_at(100)
    finally:
        await library.close()


def break_the_secrets_table(data_dir: Path) -> None:
    """Garble the page header of a table that holds no campaign data: the file fails its
    integrity check, while the snapshot and every journal row still verify."""
    conn = sqlite3.connect(data_dir / DB_FILE)
    try:
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'secrets'"
        ).fetchone()
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    finally:
        conn.close()
    raw = bytearray((data_dir / DB_FILE).read_bytes())
    raw[(root - 1) * page_size : (root - 1) * page_size + 8] = b"\xff" * 8
    (data_dir / DB_FILE).write_bytes(bytes(raw))


async def test_a_damaged_database_gives_up_only_what_no_longer_verifies(tmp_path: Path) -> None:
    """The newest usable source wins: here the damaged file itself, newer than any backup."""
    played = await play(tmp_path, backed_up=60, final=100)
    data_dir = await restarted_after_crash(played)
    break_the_secrets_table(data_dir)

    library = await Library.open(data_dir)
    try:
        report = await check_recovery(
            library, ExpectedCampaign(), version=100, source="database", lost={"nothing"}
        )
        assert "damaged" in report.problem
    finally:
        await library.close()


@pytest.mark.parametrize("damage", [flip_a_wal_frame, cut_the_wal_short])
async def test_a_damaged_write_ahead_log_is_detected_and_exactly_the_lost_versions_reported(
    tmp_path: Path, damage: Damage
) -> None:
    played = await play(tmp_path, backed_up=60, final=100)
    damage(played.crash_image)

    library = await Library.open(played.crash_image)
    try:
        [report] = library.recovery_reports
        assert "write-ahead log was damaged or cut short" in report.problem
        recovered = report.recovered_to_version
        assert recovered is not None
        assert 60 <= recovered < 100
        assert report.lost == f"versions {recovered + 1}..100"
        assert report.damaged_location is not None
        assert (report.damaged_location / f"{DB_FILE}-wal").is_file()  # the log as found
        live = await library.open_campaign(CAMPAIGN_ID)
        found, want = jsonable(live.manager.state), await ExpectedCampaign().state_at(recovered)
        assert found == want, first_difference(found, want)
        await apply_script(live.manager, recovered + 1)
    finally:
        await library.close()
    await reopen_cleanly(played.crash_image, recovered + 1)


async def test_a_host_killed_between_commits_reports_nothing(tmp_path: Path) -> None:
    """The marks never claim more than was saved: a clean crash image is not a loss."""
    played = await play(tmp_path, backed_up=60, final=100)
    await reopen_cleanly(played.crash_image, 100)


async def restarted_after_crash(played: Played) -> Path:
    """The crash image after one clean start and stop that did not open the campaign.

    Its snapshot is still the one from creation (version 0) and its journal holds 1..100:
    a state only a crash leaves, with the log folded into the main file so it can be
    damaged in place.
    """
    library = await Library.open(played.crash_image)
    assert library.recovery_reports == []
    await library.close()
    return played.crash_image


async def check_recovery(
    library: Library, expected: ExpectedCampaign, *, version: int, source: str, lost: set[str]
) -> RecoveryReport:
    """The one report is true: the campaign opens at its version, with the script's state."""
    [report] = library.recovery_reports
    assert report.campaign_id == CAMPAIGN_ID
    assert (report.recovered_to_version, report.source) == (version, source)
    assert report.lost in lost
    message = str(report)
    assert CAMPAIGN_ID in message
    assert f"recovered to version {version}" in message
    assert f"lost {report.lost}" in message
    kept = report.damaged_location
    assert kept is not None
    assert kept.parent == library.data_dir / DAMAGED_DIR_NAME
    assert (kept / DB_FILE).is_file()
    assert str(kept) in message

    live = await library.open_campaign(CAMPAIGN_ID)
    assert live.manager.version == version
    found, want = jsonable(live.manager.state), await expected.state_at(version)
    assert found == want, first_difference(found, want)
    await apply_script(live.manager, version + 1)  # the campaign carries on from there
    return report


async def reopen_cleanly(data_dir: Path, version: int) -> None:
    library = await Library.open(data_dir)
    try:
        assert library.recovery_reports == []
        assert (await library.require(CAMPAIGN_ID)).version == version
    finally:
        await library.close()


@pytest.mark.parametrize(
    ("damage", "version", "source", "lost"),
    [
        pytest.param(flip_snapshot_bytes, 60, "backup", {"versions 61..100"}, id="snapshot"),
        pytest.param(
            corrupt_journal_row(80), 79, "database", {"versions 80..100"}, id="journal-row-80"
        ),
        pytest.param(
            corrupt_journal_row(30), 60, "backup", {"versions 61..100"}, id="journal-row-30"
        ),
        pytest.param(
            truncate_to_half, 60, "backup", {"versions 61..100", UNKNOWN_AFTER_60}, id="truncated"
        ),
    ],
)
async def test_damage_after_a_crash_goes_back_to_the_newer_of_backup_and_verified_journal(
    tmp_path: Path, damage: Damage, version: int, source: str, lost: set[str]
) -> None:
    played = await play(tmp_path, backed_up=60, final=100)
    data_dir = await restarted_after_crash(played)
    damage(data_dir)
    damaged_size = (data_dir / DB_FILE).stat().st_size

    library = await Library.open(data_dir)
    try:
        report = await check_recovery(
            library, ExpectedCampaign(), version=version, source=source, lost=lost
        )
        assert report.damaged_location is not None
        if damage is truncate_to_half:  # the damaged file itself is moved aside
            assert (report.damaged_location / DB_FILE).stat().st_size == damaged_size
    finally:
        await library.close()
    await reopen_cleanly(data_dir, version + 1)


async def test_write_ahead_log_lost_after_a_crash_is_reported_not_silently_dropped(
    tmp_path: Path,
) -> None:
    """The -wal file held every commit since the library opened; only the backup is left.

    The high-water marks beside the database say exactly how many versions that was.
    """
    played = await play(tmp_path, backed_up=60, final=100)
    data_dir = tmp_path / "wal-lost"
    shutil.copytree(played.crash_image, data_dir, ignore=shutil.ignore_patterns("*-wal"))

    library = await Library.open(data_dir)
    try:
        report = await check_recovery(
            library, ExpectedCampaign(), version=60, source="backup", lost={"versions 61..100"}
        )
        assert "write-ahead log" in report.problem
    finally:
        await library.close()
    await reopen_cleanly(data_dir, 61)


@pytest.mark.parametrize("damage", [flip_snapshot_bytes, truncate_to_half])
async def test_damage_after_a_clean_shutdown_loses_nothing_thanks_to_the_shutdown_backup(
    tmp_path: Path, damage: Damage
) -> None:
    played = await play(tmp_path, backed_up=60, final=100)
    damage(played.closed)

    library = await Library.open(played.closed)
    try:
        report = await check_recovery(
            library,
            ExpectedCampaign(),
            version=100,
            source="backup",
            lost={"nothing", "any versions after 100 (their number is unknown)"},
        )
        assert report.backup_used is not None
        assert [b.reason for b in library.list_backups(CAMPAIGN_ID)][:2] == [
            "shutdown",
            "manual",
        ]
    finally:
        await library.close()


async def test_cli_says_what_it_recovered_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    played = await play(tmp_path, backed_up=60, final=100)
    data_dir = await restarted_after_crash(played)
    truncate_to_half(data_dir)

    assert await run_cli("list", "--data-dir", data_dir) == 0
    out, err = capsys.readouterr()
    [recovered] = [line for line in err.splitlines() if line.startswith("recovered: ")]
    assert recovered.startswith(f"recovered: campaign {CAMPAIGN_ID}: the database was damaged")
    assert "recovered to version 60 from backup" in recovered
    assert f"{DAMAGED_DIR_NAME}" in recovered
    [row] = out.splitlines()
    assert row.split("\t")[:3] == [CAMPAIGN_ID, "The Goblin Crossroads", "v60"]

    assert await run_cli("list", "--data-dir", data_dir) == 0  # repaired once, for good
    assert "recovered" not in capsys.readouterr().err


async def test_damaged_journal_row_behind_the_checkpoint_is_reported_at_start(
    tmp_path: Path,
) -> None:
    """After a clean shutdown every row lies behind the final checkpoint.

    Nothing of the state is lost, but the damage (a failing disk, often) must not wait
    to surface as an error when a client resumes from before the checkpoint.
    """
    played = await play(tmp_path, backed_up=60, final=100)
    corrupt_journal_row(80)(played.closed)

    library = await Library.open(played.closed)
    try:
        reports = library.recovery_reports
        assert [(r.campaign_id, r.recovered_to_version, r.lost) for r in reports] == [
            (CAMPAIGN_ID, 100, "nothing")
        ]
        live = await library.open_campaign(CAMPAIGN_ID)
        assert jsonable(live.manager.state) == await ExpectedCampaign().state_at(100)
    finally:
        await library.close()
