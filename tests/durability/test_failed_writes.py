"""A change the journal refused must not reach the disk any other way."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from storage import DiskFull, JournalRecord, Store
from vtt_host.actions import GM_CALLER
from vtt_host.errors import PersistenceFailed
from vtt_host.library import Library

from .script import CAMPAIGN_ID, GOBLINS, ExpectedCampaign, apply_script, first_difference, jsonable

pytestmark = pytest.mark.usefixtures("scripted")


async def test_change_that_could_not_be_saved_never_reaches_a_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = ExpectedCampaign()
    library = await Library.open(tmp_path)
    try:
        await library.add_state(jsonable(expected.manager.state))
        live = await library.open_campaign(CAMPAIGN_ID)
        await apply_script(live.manager, 2)  # version 2 changes this goblin's hit points
        goblin = GOBLINS[0]

        disk_full: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def append_on_a_full_disk(
            self: Store, campaign_id: str, record: JournalRecord
        ) -> asyncio.Future[None]:
            return disk_full

        with monkeypatch.context() as patch:
            patch.setattr(Store, "append_future", append_on_a_full_disk)
            hurt = {"kind": "update_actor", "id": goblin, "set": {"hp": {"current": 99, "max": 7}}}
            refused = asyncio.create_task(live.manager.submit(hurt, GM_CALLER))
            await asyncio.sleep(0.01)  # the change is applied in memory, its append pending
            checkpoint = asyncio.create_task(live.checkpoint())
            await asyncio.sleep(0.01)  # the checkpoint encodes, then waits for the change
            disk_full.set_exception(DiskFull("database or disk is full"))
            with pytest.raises(PersistenceFailed):
                await refused
            assert await checkpoint == 2
        assert live.manager.state["actors"][goblin]["hp"]["current"] == 2
    finally:
        await library.close()

    reopened = await Library.open(tmp_path)
    try:
        loaded = await reopened.store.load(CAMPAIGN_ID)
        on_disk, want = json.loads(loaded.snapshot), await expected.state_at(2)
        assert on_disk == want, first_difference(on_disk, want)
    finally:
        await reopened.close()
