"""One-time tickets that let the GM's own browser in as the GM, from this machine only.

The GM app makes a link ``http://127.0.0.1:PORT/?gm=TICKET`` and opens it; the page
says hello with ``gmTicket``, and the host admits it as the GM once, then the page
resumes with the session token of its welcome like any page. A ticket is a secret
that must not outlive its purpose: kept only in memory (a restart voids them all),
used at most once, void after two minutes, and only a few may wait at once (a new one
voids the oldest). They are kept by digest, so looking one up takes the same time
whatever a guess shares with a real ticket.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

TICKET_BYTES = 24
TICKET_LIFETIME_S = 120.0
TICKETS_OUTSTANDING = 4


@dataclass(frozen=True, slots=True)
class _Waiting:
    campaign_id: str
    expires_at: float


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


class GmTickets:
    """The tickets waiting to be used. One event loop; the clock is injected."""

    def __init__(
        self,
        *,
        lifetime_s: float = TICKET_LIFETIME_S,
        outstanding: int = TICKETS_OUTSTANDING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lifetime = lifetime_s
        self._outstanding = outstanding
        self._clock = clock
        self._waiting: OrderedDict[str, _Waiting] = OrderedDict()

    def issue(self, campaign_id: str) -> str:
        """A new ticket for the campaign; the oldest waiting one goes past the bound."""
        self._drop_expired()
        ticket = secrets.token_urlsafe(TICKET_BYTES)
        self._waiting[_digest(ticket)] = _Waiting(campaign_id, self._clock() + self._lifetime)
        while len(self._waiting) > self._outstanding:
            self._waiting.popitem(last=False)
        return ticket

    def redeem(self, ticket: str) -> str | None:
        """The campaign a valid ticket is for, using it up; None if it is not valid."""
        waiting = self._waiting.pop(_digest(ticket), None)
        if waiting is None or self._clock() >= waiting.expires_at:
            return None
        return waiting.campaign_id

    def _drop_expired(self) -> None:
        now = self._clock()
        for key in [k for k, w in self._waiting.items() if now >= w.expires_at]:
            del self._waiting[key]

    def __len__(self) -> int:
        self._drop_expired()
        return len(self._waiting)
