"""Claims: someone typed an existing player's name, and the GM decides if it is them.

A name is not an identity: the device's session token is. A hello with the join code
and a known name therefore opens a claim. The connection is held (it has been sent
``claim_pending``) until the GM approves or refuses, the claim expires, or the
claimant goes away. Claims live only in memory and are never journaled: they are
about who may connect, not about the campaign.

Whoever watches the book (the GM app, GM connections) hears of every claim that opens
and of how each one ended, so a prompt never outlives its claim.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from vtt_host.actions import new_id

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT_S = 120.0
CLAIMS_PER_ADDRESS = 2
CLAIMS_OPEN_MAX = 16


class ClaimOutcome(enum.Enum):
    APPROVED = "approved"
    REFUSED = "refused"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    """The claimant closed the connection (or the host stopped) before a decision."""


@dataclass(frozen=True, slots=True)
class Claim:
    """One waiting claim: who is claimed, by which address, and until when."""

    id: str
    player_id: str
    name: str
    address: str
    deadline: float
    """On the event loop's clock (``loop.time()``)."""

    def seconds_left(self) -> float:
        return max(0.0, self.deadline - asyncio.get_running_loop().time())


@dataclass(frozen=True, slots=True)
class ClaimEvent:
    """A claim opened (``outcome`` None) or ended."""

    claim: Claim
    outcome: ClaimOutcome | None


ClaimListener = Callable[[ClaimEvent], None]


class TooManyClaims(Exception):
    """More claims are waiting (from this address, or at this table) than allowed."""


class ClaimBook:
    """The claims waiting on one campaign's GM. Use from one event loop."""

    def __init__(
        self,
        *,
        timeout_s: float = CLAIM_TIMEOUT_S,
        per_address: int = CLAIMS_PER_ADDRESS,
        open_max: int = CLAIMS_OPEN_MAX,
    ) -> None:
        self.timeout_s = timeout_s
        self._per_address = per_address
        self._open_max = open_max
        self._waiting: dict[str, tuple[Claim, asyncio.Future[ClaimOutcome]]] = {}
        self._listeners: dict[int, ClaimListener] = {}
        self._next_listener = 0

    @property
    def pending(self) -> list[Claim]:
        """Waiting claims, oldest first."""
        return [claim for claim, _ in self._waiting.values()]

    def watch(self, listener: ClaimListener) -> Callable[[], None]:
        """Hear of every claim opening and ending; returns the unsubscribe function."""
        key = self._next_listener
        self._next_listener += 1
        self._listeners[key] = listener

        def unsubscribe() -> None:
            self._listeners.pop(key, None)

        return unsubscribe

    def open(self, player_id: str, name: str, address: str) -> Claim:
        """Start a claim; TooManyClaims when the address or the table has enough waiting."""
        if len(self._waiting) >= self._open_max:
            raise TooManyClaims("too many people are waiting for the GM; try again later")
        from_address = sum(1 for claim in self.pending if claim.address == address)
        if from_address >= self._per_address:
            raise TooManyClaims("you already have a request waiting for the GM")
        loop = asyncio.get_running_loop()
        claim = Claim(new_id("k"), player_id, name, address, loop.time() + self.timeout_s)
        self._waiting[claim.id] = (claim, loop.create_future())
        self._tell(ClaimEvent(claim, None))
        return claim

    def decide(self, claim_id: str, approve: bool) -> bool:
        """The GM's answer; False if the claim is no longer waiting."""
        if claim_id not in self._waiting:
            return False
        self._end(claim_id, ClaimOutcome.APPROVED if approve else ClaimOutcome.REFUSED)
        return True

    async def wait(self, claim: Claim, gone: Awaitable[None]) -> ClaimOutcome:
        """How the claim ends: decided, expired at its deadline, or withdrawn by ``gone``."""
        entry = self._waiting.get(claim.id)
        if entry is None:
            return ClaimOutcome.WITHDRAWN
        decided = entry[1]
        watcher: asyncio.Future[None] = asyncio.ensure_future(gone)
        waiting: set[asyncio.Future[Any]] = {decided, watcher}
        try:
            done, _ = await asyncio.wait(
                waiting,
                timeout=claim.seconds_left(),
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not decided.done():
                gave_up = watcher in done
                self._end(claim.id, ClaimOutcome.WITHDRAWN if gave_up else ClaimOutcome.EXPIRED)
        finally:
            if not decided.done():  # the waiting task was cancelled (the host is closing)
                self._end(claim.id, ClaimOutcome.WITHDRAWN)
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher
        return decided.result()

    def withdraw(self, claim_id: str) -> None:
        """The claimant cannot be told or waited for (its connection failed)."""
        if claim_id in self._waiting:
            self._end(claim_id, ClaimOutcome.WITHDRAWN)

    def withdraw_all(self) -> None:
        """The campaign stops being served: every claimant is let go."""
        for claim_id in list(self._waiting):
            self._end(claim_id, ClaimOutcome.WITHDRAWN)

    def _end(self, claim_id: str, outcome: ClaimOutcome) -> None:
        claim, decided = self._waiting.pop(claim_id)
        if not decided.done():
            decided.set_result(outcome)
        self._tell(ClaimEvent(claim, outcome))

    def _tell(self, event: ClaimEvent) -> None:
        for listener in list(self._listeners.values()):
            try:
                listener(event)
            except Exception:
                logger.exception("a claim listener failed")
