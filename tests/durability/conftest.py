"""Real libraries on real data dirs, playing the deterministic script."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import vtt_host.live
from vtt_host import cli
from vtt_host.library import Library

from .script import CAMPAIGN_ID, ScriptedManager, apply_script, initial_state

DB_FILE = "vtt-host.sqlite3"
VERSIONS_FILE = "vtt-host.versions"
"""The high-water marks of saved versions, kept beside the database."""


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Live campaigns get the script's clock and ids, so every version can be recomputed."""
    monkeypatch.setattr(vtt_host.live, "StateManager", ScriptedManager)


@dataclass(frozen=True, slots=True)
class Played:
    """A campaign played to ``final``, backed up by hand at ``backed_up``."""

    closed: Path  # the data dir after a clean Library.close
    crash_image: Path  # its files as a kill at version ``final`` would have left them
    backed_up: int
    final: int


def copy_crash_image(data_dir: Path, target: Path, *, with_wal: bool = True) -> None:
    """Copy the files of an open library while nothing is being written.

    SQLite keeps committed pages in the main file and the -wal file, so the copy is what
    a SIGKILL at this moment would leave on disk (the -shm index is rebuilt on open),
    with the high-water marks the store keeps beside them.
    """
    target.mkdir(parents=True)
    shutil.copy2(data_dir / DB_FILE, target / DB_FILE)
    if with_wal:
        shutil.copy2(data_dir / f"{DB_FILE}-wal", target / f"{DB_FILE}-wal")
    shutil.copy2(data_dir / VERSIONS_FILE, target / VERSIONS_FILE)
    shutil.copytree(data_dir / "backups", target / "backups")


async def play(root: Path, *, backed_up: int = 60, final: int = 100) -> Played:
    """Play the script, back up at ``backed_up``, play on to ``final``, then close.

    Needs the ``scripted`` fixture.
    """
    closed, crash_image = root / "host", root / "crashed"
    await asyncio.to_thread(root.mkdir, parents=True, exist_ok=True)
    library = await Library.open(closed)
    try:
        await library.add_state(initial_state())
        live = await library.open_campaign(CAMPAIGN_ID)
        await apply_script(live.manager, backed_up)
        backup = await library.backup_now(CAMPAIGN_ID)
        assert backup.version == backed_up
        await apply_script(live.manager, final)
        copy_crash_image(closed, crash_image)
    finally:
        await library.close()
    return Played(closed, crash_image, backed_up, final)


async def run_cli(*argv: str | Path) -> int:
    """``vtt-host ARGV`` in-process (it runs its own event loop, so on a thread)."""
    args: Sequence[str] = [str(arg) for arg in argv]
    return await asyncio.to_thread(cli.main, args)
