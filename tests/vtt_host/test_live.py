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


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def campaign(tmp_path: Path, clock: Clock) -> AsyncIterator[LiveCampaign]:
    library = await Library.open(tmp_path)
    library.clock = clock
    campaign = await library.open_campaign(await library.create("Pauses", demo=True))
    yield campaign
    await library.close()


async def chat(campaign: LiveCampaign, text: str) -> None:
    await campaign.manager.submit({"kind": "chat", "text": text}, GM_CALLER)


async def test_checkpoint_waits_for_a_pause_in_play(campaign: LiveCampaign, clock: Clock) -> None:
    for n in range(10):
        await chat(campaign, f"busy {n}")
        clock.now += live_module.CHECKPOINT_WHEN_QUIET_S / 4
        await campaign.maintain()
    assert campaign.status().checkpoint_version == 0  # never quiet long enough
    clock.now += live_module.CHECKPOINT_WHEN_QUIET_S
    await campaign.maintain()
    assert campaign.status().checkpoint_version == campaign.manager.version == 10


async def test_checkpoint_is_forced_after_too_many_changes(
    campaign: LiveCampaign, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_module, "CHECKPOINT_EVERY_OPS", 5)
    for n in range(6):
        await chat(campaign, f"line {n}")
    await campaign.maintain()  # no time has passed: only the count makes it due
    assert campaign.status().checkpoint_version == 6


async def test_a_periodic_backup_is_written_when_its_interval_has_passed(
    campaign: LiveCampaign, clock: Clock
) -> None:
    await chat(campaign, "worth keeping")
    await campaign.maintain()
    assert campaign.status().last_backup_version is None
    clock.now += live_module.DEFAULT_BACKUP_POLICY.interval_s
    await campaign.maintain()
    assert campaign.status().last_backup_version == 1


async def test_maintenance_stops_quietly_once_the_database_is_closed(
    tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    library = await Library.open(tmp_path)
    library.clock = clock
    campaign = await library.open_campaign(await library.create("Closing", demo=True))
    await chat(campaign, "the last line")
    await library.store.close()  # the campaign's own close (checkpoint) is skipped
    clock.now += live_module.CHECKPOINT_WHEN_QUIET_S
    campaign.wake()  # a checkpoint falls due and finds the database closed
    assert campaign._task is not None
    await asyncio.wait_for(campaign._task, 10)  # the task ends by itself
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert campaign.status().checkpoint_version == 0


async def test_a_checkpoint_measures_the_campaigns_size_exactly(
    campaign: LiveCampaign, clock: Clock
) -> None:
    for n in range(20):
        await chat(campaign, f"line {n} " * (n + 1))
    await campaign.checkpoint()
    _, blob = await campaign.snapshot()
    assert campaign.manager.size.bytes == len(blob)
