"""Closing the library leaves nothing to replay and a backup of the final state."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from vtt_host.library import Library

from .script import CAMPAIGN_ID, ExpectedCampaign, apply_script, first_difference, jsonable

pytestmark = pytest.mark.usefixtures("scripted")


def backup_state(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        state: dict[str, Any] = json.loads(archive.read("state.json"))
        return state


async def test_close_writes_a_final_checkpoint_and_a_shutdown_backup(tmp_path: Path) -> None:
    expected = ExpectedCampaign()
    library = await Library.open(tmp_path)
    await library.add_state(jsonable(expected.manager.state))
    live = await library.open_campaign(CAMPAIGN_ID)
    await apply_script(live.manager, 37)
    await library.close()
    await library.close()  # idempotent
    want = await expected.state_at(37)

    reopened = await Library.open(tmp_path)
    try:
        assert reopened.recovery_reports == []
        loaded = await reopened.store.load(CAMPAIGN_ID)
        assert loaded.snapshot_version == 37
        assert loaded.records == []  # nothing left to replay
        snapshot = json.loads(loaded.snapshot)
        assert snapshot == want, first_difference(snapshot, want)

        [backup] = reopened.list_backups(CAMPAIGN_ID)
        assert (backup.reason, backup.version) == ("shutdown", 37)
        assert backup_state(backup.path) == want
    finally:
        await reopened.close()


async def test_reopening_without_changes_replays_nothing(tmp_path: Path) -> None:
    expected = ExpectedCampaign()
    library = await Library.open(tmp_path)
    await library.add_state(jsonable(expected.manager.state))
    await apply_script((await library.open_campaign(CAMPAIGN_ID)).manager, 5)
    await library.close()

    again = await Library.open(tmp_path)
    live = await again.open_campaign(CAMPAIGN_ID)
    assert live.status().checkpoint_version == 5
    await again.close()

    last = await Library.open(tmp_path)
    try:
        loaded = await last.store.load(CAMPAIGN_ID)
        assert (loaded.snapshot_version, loaded.records) == (5, [])
    finally:
        await last.close()


async def test_opening_and_closing_without_changes_never_rotates_older_backups_away(
    tmp_path: Path,
) -> None:
    library = await Library.open(tmp_path)
    await library.add_state(jsonable(ExpectedCampaign().manager.state))
    await apply_script((await library.open_campaign(CAMPAIGN_ID)).manager, 5)
    await library.close()
    library = await Library.open(tmp_path)
    await apply_script((await library.open_campaign(CAMPAIGN_ID)).manager, 10)
    await library.close()

    for _ in range(12):  # the GM starts the app to look, and quits
        library = await Library.open(tmp_path)
        await library.open_campaign(CAMPAIGN_ID)
        await library.close()

    library = await Library.open(tmp_path)
    try:
        assert [b.version for b in library.list_backups(CAMPAIGN_ID)] == [10, 5]
    finally:
        await library.close()
