"""Slowed join-code hellos waiting their turn, with a fake clock and a fake sleep."""

from __future__ import annotations

import asyncio

import pytest

from vtt_host.server.admission import GateClosed, HelloGate, TooManyWaiting
from vtt_host.server.limits import FailedHelloTracker

from .conftest import HeldSleeps


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def settle() -> None:
    """Let the started waits reach their sleep (each takes a few loop steps)."""
    for _ in range(5):
        await asyncio.sleep(0)


def throttled_gate(sleeps: HeldSleeps, address: str = "10.0.0.1") -> HelloGate:
    tracker = FailedHelloTracker(clock=Clock())
    for _ in range(5):
        tracker.record_failure(address)
    return HelloGate(tracker, sleep=sleeps)


async def test_under_the_limits_a_code_is_checked_without_sleeping() -> None:
    sleeps = HeldSleeps()
    gate = HelloGate(FailedHelloTracker(clock=Clock()), sleep=sleeps)
    assert await gate.wait_turn("10.0.0.1") == 0.0
    assert sleeps.asked == []


async def test_past_the_limit_a_code_waits_its_turn() -> None:
    sleeps = HeldSleeps()
    gate = throttled_gate(sleeps)
    waiting = asyncio.create_task(gate.wait_turn("10.0.0.1"))
    await settle()
    assert not waiting.done()
    assert gate.waiting == 1
    sleeps.release.set()
    assert await waiting == 10.0
    assert gate.waiting == 0


async def test_a_fifth_waiting_hello_from_one_address_is_refused_and_others_are_not() -> None:
    sleeps = HeldSleeps()
    gate = throttled_gate(sleeps)
    held = [asyncio.create_task(gate.wait_turn("10.0.0.1")) for _ in range(4)]
    await settle()
    with pytest.raises(TooManyWaiting):
        await gate.wait_turn("10.0.0.1")
    assert await gate.wait_turn("10.0.0.2") == 0.0
    assert sleeps.asked == [10.0, 20.0, 30.0, 40.0]
    sleeps.release.set()
    await asyncio.gather(*held)
    assert gate.waiting == 0


async def test_closing_wakes_every_waiting_hello() -> None:
    sleeps = HeldSleeps()
    gate = throttled_gate(sleeps)
    held = [asyncio.create_task(gate.wait_turn("10.0.0.1")) for _ in range(3)]
    await settle()
    gate.close()
    results = await asyncio.gather(*held, return_exceptions=True)
    assert all(isinstance(result, GateClosed) for result in results)
    assert gate.waiting == 0
    with pytest.raises(GateClosed):
        await gate.wait_turn("10.0.0.1")


async def test_a_cancelled_wait_gives_its_place_back() -> None:
    sleeps = HeldSleeps()
    gate = throttled_gate(sleeps)
    held = [asyncio.create_task(gate.wait_turn("10.0.0.1")) for _ in range(4)]
    await settle()
    held[0].cancel()
    await settle()
    assert gate.waiting == 3
    fifth = asyncio.create_task(gate.wait_turn("10.0.0.1"))
    await settle()
    assert gate.waiting == 4
    sleeps.release.set()
    await asyncio.gather(*held[1:], fifth)
