"""Garbage collection at the table's pauses instead of in the middle of a move.

CPython's automatic collection of its oldest generation walks every long-lived object:
a host with many campaigns keeps hundreds of thousands (change history, connections),
and a full collection then stalls the event loop for 100 ms or more, in the middle of
whoever's move was next. Our long-lived data is JSON-shaped and freed by reference
counting; the full collection only finds the cycles of closed connections and similar
rare garbage, so it can wait for a quiet moment.

``defer_full_collections`` (part of ``serving.tune_interpreter``) leaves the young
generations automatic and switches the oldest off; a running ``Host`` then starts a
``QuietCollector`` that collects once nothing has arrived for ``QUIET_S`` (at most once
every ``AT_MOST_EVERY_S``), and at the latest every ``AT_LEAST_EVERY_S`` under constant
load. A process that did not defer
(a test, a tool embedding the host) keeps Python's own schedule and the collector idles.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

DEFERRED_THRESHOLD = 1_000_000
"""Young collections before an automatic full one: never, in practice."""
QUIET_S = 1.0
AT_MOST_EVERY_S = 60.0
"""A quiet table is not collected again sooner: a collection may take 100 ms of CPU."""
AT_LEAST_EVERY_S = 300.0
CHECK_EVERY_S = 0.25
OLDEST = 2


def defer_full_collections() -> None:
    """Keep collecting young objects automatically; leave full collections to the host."""
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, DEFERRED_THRESHOLD)


def full_collections_deferred() -> bool:
    return gc.get_threshold()[OLDEST] >= DEFERRED_THRESHOLD


class QuietCollector:
    """Runs the full collection when ``activity()`` has not changed for ``quiet_s``."""

    def __init__(
        self,
        activity: Callable[[], int],
        *,
        quiet_s: float = QUIET_S,
        at_most_every_s: float = AT_MOST_EVERY_S,
        at_least_every_s: float = AT_LEAST_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._activity = activity
        self._quiet_s = quiet_s
        self._at_most_every_s = at_most_every_s
        self._at_least_every_s = at_least_every_s
        self._clock = clock
        self._seen = activity()
        self._changed_at = clock()
        self._collected_at = clock()
        self.collections = 0

    def due(self) -> bool:
        """Whether to collect now; call it regularly (it watches the activity counter)."""
        now = self._clock()
        seen = self._activity()
        if seen != self._seen:
            self._seen, self._changed_at = seen, now
        if not full_collections_deferred():
            return False
        since_last = now - self._collected_at
        if since_last >= self._at_least_every_s:
            return True
        # (No young collection since the last one: nothing can have become old garbage.)
        return (
            since_last >= self._at_most_every_s
            and now - self._changed_at >= self._quiet_s
            and gc.get_count()[OLDEST] > 0
        )

    def collect(self) -> None:
        started = time.perf_counter()
        found = gc.collect()
        self._collected_at = self._clock()
        self.collections += 1
        logger.debug(
            "full collection: %d objects in %.1f ms", found, (time.perf_counter() - started) * 1e3
        )

    async def run(self) -> None:
        while True:
            await asyncio.sleep(CHECK_EVERY_S)
            if self.due():
                self.collect()
