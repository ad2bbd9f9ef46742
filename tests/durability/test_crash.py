"""SIGKILL a real host process at random moments; nothing acknowledged may be lost.

The child (crash_child.py) plays the scripted campaign through ``manager.submit`` and
prints each acknowledged version. The test kills it (right after start, while it plays,
or just as a checkpoint is being written), then reopens the data dir and checks that
nothing was damaged, that every acknowledged version survived, and that the document on
disk equals the script replayed to the version found there.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage import JournalRecord
from vtt_host.library import Library
from vtt_host.patching import apply_ops_unchecked

from .script import CAMPAIGN_ID, ExpectedCampaign, action_for, fingerprint, first_difference

REPO_ROOT = Path(__file__).resolve().parents[2]
DB_FILE = "vtt-host.sqlite3"
ROUNDS = 25
CHILD_TIMEOUT_S = 20.0


@dataclass
class Round:
    """What one child process said before it was killed."""

    opened_at: int | None = None
    acknowledged: list[tuple[int, str]] = field(default_factory=list)
    checkpoints: list[int] = field(default_factory=list)


@dataclass
class Totals:
    rounds: int = 0
    acknowledged: int = 0
    checkpoints_cut_short: int = 0
    highest_version: int = 0
    versions_verified: set[int] = field(default_factory=set)


async def run_and_kill(data_dir: Path, rng: random.Random, mode: str) -> Round:
    """Start the child, kill it with SIGKILL as ``mode`` says, return what it printed."""
    every = rng.choice([3, 10, 25]) if mode == "checkpoint" else rng.choice([5, 50, 500])
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.durability.crash_child",
        str(data_dir),
        cwd=REPO_ROOT,
        env={**os.environ, "CHECKPOINT_EVERY_OPS": str(every), "PYTHONPATH": str(REPO_ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    said = Round()
    opened, checkpoint_started = asyncio.Event(), asyncio.Event()
    wanted_checkpoints = rng.randint(1, 3)

    async def read() -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            if not line.endswith(b"\n"):
                break  # cut off by the kill: never acknowledged
            kind, *rest = line.decode().split()
            if kind == "A":
                said.acknowledged.append((int(rest[0]), rest[1]))
            elif kind == "R":
                said.opened_at = int(rest[0])
                opened.set()
            elif kind == "C":
                said.checkpoints.append(int(rest[0]))
                if len(said.checkpoints) >= wanted_checkpoints:
                    checkpoint_started.set()

    reader = asyncio.create_task(read())
    exited = asyncio.create_task(proc.wait())
    if mode == "startup":
        await asyncio.wait([exited], timeout=rng.uniform(0.0, 0.4))
    else:
        event = opened if mode == "running" else checkpoint_started
        waiting = asyncio.create_task(event.wait())
        await asyncio.wait(
            [waiting, exited], timeout=CHILD_TIMEOUT_S, return_when="FIRST_COMPLETED"
        )
        waiting.cancel()
        if not exited.done():
            await asyncio.sleep(
                rng.uniform(0.0, 0.8) if mode == "running" else rng.uniform(0, 0.004)
            )
    if not exited.done():
        proc.send_signal(signal.SIGKILL)
    await exited
    await reader
    stderr = (await proc.stderr.read()).decode(errors="replace")
    assert proc.returncode == -signal.SIGKILL, f"the child died on its own:\n{stderr[-3000:]}"
    return said


def replay(snapshot: bytes, records: list[JournalRecord]) -> dict[str, Any]:
    """What Library._load does: the snapshot plus every later journal row."""
    state: dict[str, Any] = json.loads(snapshot)
    for record in records:
        apply_ops_unchecked(state, record.ops)
        state["version"], state["lastModified"] = record.version, record.at_ms
    return state


def integrity_check(db_path: Path) -> list[str]:
    conn = sqlite3.connect(db_path)
    try:
        return [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


async def verify(
    data_dir: Path,
    said: Round,
    last_acknowledged: int,
    expected: ExpectedCampaign,
    *,
    through_live_campaign: bool,
) -> tuple[int, bool]:
    """Reopen after a kill and check everything.

    Returns the version found on disk and whether the kill cut a checkpoint short.
    """
    for version, mark in said.acknowledged:
        assert mark == fingerprint(action_for(version)), f"version {version} is off-script"
    assert said.opened_at in (None, last_acknowledged), "the child opened at another version"
    versions = [version for version, _ in said.acknowledged]
    assert versions == list(range(last_acknowledged + 1, last_acknowledged + 1 + len(versions)))

    library = await Library.open(data_dir)
    try:
        assert library.recovery_reports == [], "a kill damaged the database"
        assert not (data_dir / "damaged").exists()
        info = await library.find_id(CAMPAIGN_ID)
        if info is None:  # killed before the campaign was first created
            assert last_acknowledged == 0
            assert not said.acknowledged
            return 0, False
        newest_acknowledged = versions[-1] if versions else last_acknowledged
        assert info.version >= newest_acknowledged, "an acknowledged version was lost"

        loaded = await library.store.load(CAMPAIGN_ID)
        assert loaded.info.version == info.version
        journaled = [record.version for record in loaded.records]
        assert journaled == list(range(loaded.snapshot_version + 1, info.version + 1))
        want = await expected.state_at(info.version)
        for record in loaded.records:
            assert record == expected.records[record.version], f"journal row {record.version}"
        if through_live_campaign:
            live = await library.open_campaign(CAMPAIGN_ID)
            found: dict[str, Any] = json.loads(json.dumps(live.manager.state))
        else:
            found = replay(loaded.snapshot, loaded.records)
        assert found == want, first_difference(found, want)
        assert integrity_check(data_dir / DB_FILE) == ["ok"]
        cut_short = bool(said.checkpoints) and loaded.snapshot_version < said.checkpoints[-1]
        return info.version, cut_short
    finally:
        await library.close()


async def test_sigkill_at_random_moments_never_loses_or_damages_acknowledged_changes(
    tmp_path: Path,
) -> None:
    seed = int(os.environ.get("VTT_CRASH_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    expected = ExpectedCampaign()
    totals = Totals()
    last_acknowledged = 0
    modes = ["startup", "running", "checkpoint"]
    for index in range(ROUNDS):
        mode = modes[index % 3] if index < 3 else rng.choice(modes)
        said = await run_and_kill(tmp_path, rng, mode)
        try:
            on_disk, cut_short = await verify(
                tmp_path,
                said,
                last_acknowledged,
                expected,
                through_live_campaign=index % 4 == 3,
            )
        except AssertionError as error:
            raise AssertionError(
                f"round {index} ({mode}), VTT_CRASH_SEED={seed}: {error}"
            ) from error
        totals.versions_verified.update(v for v, _ in said.acknowledged)
        totals.rounds += 1
        totals.acknowledged += len(said.acknowledged)
        totals.checkpoints_cut_short += cut_short
        totals.highest_version = on_disk
        # The next child starts where this one's durable state ended, not its last ack.
        last_acknowledged = on_disk
    print(
        f"crash test (seed {seed}): {totals.rounds} kills, {totals.acknowledged} acknowledged "
        f"versions verified, {totals.checkpoints_cut_short} checkpoints cut short by the kill, "
        f"final version {totals.highest_version}"
    )
    assert totals.acknowledged > 0
    assert len(totals.versions_verified) == totals.acknowledged
