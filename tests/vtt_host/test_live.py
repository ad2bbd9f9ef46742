"""When a live campaign writes its checkpoints: in the table's pauses, or when it must."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from vtt_host import live as live_module
from vtt_host.actions import GM_CALLER
from vtt_host.library import Library
from vtt_host.live import LiveCampaign


@pytest.fixture
async def campaign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[LiveCampaign]:
    monkeypatch.setattr(live_module, "CHECKPOINT_WHEN_QUIET_S", 0.3)
    monkeypatch.setattr(live_module, "MAINTENANCE_TICK_S", 0.05)
    library = await Library.open(tmp_path)
    campaign = await library.open_campaign(await library.create("Pauses", demo=True))
    yield campaign
    await library.close()


async def chat(campaign: LiveCampaign, text: str) -> None:
    await campaign.manager.submit({"kind": "chat", "text": text}, GM_CALLER)


async def test_checkpoint_waits_for_a_pause_in_play(campaign: LiveCampaign) -> None:
    for n in range(10):
        await chat(campaign, f"busy {n}")
        await asyncio.sleep(0.05)
    assert campaign.status().checkpoint_version == 0  # never quiet long enough
    await asyncio.sleep(0.6)
    assert campaign.status().checkpoint_version == campaign.manager.version == 10


async def test_checkpoint_is_forced_after_too_many_changes(
    campaign: LiveCampaign, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_module, "CHECKPOINT_WHEN_QUIET_S", 60.0)
    monkeypatch.setattr(live_module, "CHECKPOINT_EVERY_OPS", 5)
    for n in range(6):
        await chat(campaign, f"line {n}")
    await asyncio.sleep(0.3)
    assert campaign.status().checkpoint_version >= 5


async def test_maintenance_stops_quietly_once_the_database_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(live_module, "CHECKPOINT_WHEN_QUIET_S", 0.1)
    monkeypatch.setattr(live_module, "MAINTENANCE_TICK_S", 0.02)
    library = await Library.open(tmp_path)
    campaign = await library.open_campaign(await library.create("Closing", demo=True))
    await chat(campaign, "the last line")
    await library.store.close()  # the campaign's own close (checkpoint) is skipped
    await asyncio.sleep(0.4)  # a checkpoint falls due and finds the database closed
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert campaign.status().checkpoint_version == 0
