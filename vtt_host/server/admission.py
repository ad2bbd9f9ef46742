"""Where a join-code hello waits its turn once failed attempts pass the limits.

The pacing itself is ``limits.FailedHelloTracker`` (pure, clock-injected); this is the
waiting around it, with the sleep injected so tests do not sleep for real. Only
join-code hellos come here: a session or GM token is checked at once, whatever its
address has done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from vtt_host.server.limits import (
    WAITING_HELLOS_PER_ADDRESS,
    FailedHelloTracker,
    address_key,
)

Sleep = Callable[[float], Awaitable[object]]


class TooManyWaiting(Exception):
    """The address already holds as many slowed hellos as it may (close with 4008)."""


class GateClosed(Exception):
    """The host is shutting down; the waiting hello is not checked (close with 1001)."""


class HelloGate:
    """Holds each slowed join-code hello until its turn; refuses a crowd from one address.

    Safe to call from many connection tasks of one event loop.
    """

    def __init__(
        self,
        tracker: FailedHelloTracker,
        *,
        waiting_per_address: int = WAITING_HELLOS_PER_ADDRESS,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._tracker = tracker
        self._max_waiting = waiting_per_address
        self._sleep = sleep
        self._waiting: dict[str, int] = {}
        self._closing = asyncio.Event()

    @property
    def waiting(self) -> int:
        """Hellos waiting for their turn right now, over all addresses."""
        return sum(self._waiting.values())

    async def wait_turn(self, address: str) -> float:
        """Wait until a join-code hello from ``address`` may be checked; the seconds waited.

        Raises TooManyWaiting when the address already has its share of hellos
        waiting, GateClosed when the host closes meanwhile.
        """
        key = address_key(address)
        if self._waiting.get(key, 0) >= self._max_waiting:
            raise TooManyWaiting(address)
        delay = self._tracker.reserve(address)
        if delay <= 0.0:
            return 0.0
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            await self._pause(delay)
        finally:
            left = self._waiting.pop(key) - 1
            if left:
                self._waiting[key] = left
        return delay

    async def _pause(self, delay_s: float) -> None:
        if self._closing.is_set():
            raise GateClosed
        sleeper = asyncio.ensure_future(self._sleep(delay_s))
        closing = asyncio.ensure_future(self._closing.wait())
        try:
            await asyncio.wait({sleeper, closing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            closing.cancel()
        if self._closing.is_set():
            raise GateClosed
        sleeper.result()  # a failing sleep is not a turn

    def close(self) -> None:
        """Wake every waiting hello so the host's shutdown does not wait for them."""
        self._closing.set()
