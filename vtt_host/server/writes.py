"""Socket writes coalesced per event-loop step.

A token move produces, within one step of the event loop, a patch for every connection
and an ack for the mover. Written one by one, each frame is a system call, and the
first one wakes the mover's client before its ack exists: the client reads the patch,
sleeps, and is woken again for the ack. Instead, frames are framed at once (so their
order is fixed) but written later: the connection being answered as soon as its reply
is framed (its patch and ack together), every other one when the step ends, in one
write each.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

logger = logging.getLogger(__name__)


class Flushable(Protocol):
    def flush(self) -> None:
        """Hand this connection's framed data to the socket."""


class WriteCoalescer:
    """Connections with framed, unwritten data; flushed at the end of the loop step."""

    def __init__(self) -> None:
        self._pending: dict[Flushable, None] = {}
        self._scheduled = False

    def mark(self, connection: Flushable) -> None:
        """``connection`` has data to write; it goes out before the loop's next step."""
        self._pending[connection] = None
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Write every pending connection now (called when the loop step ends)."""
        self._scheduled = False
        pending, self._pending = self._pending, {}
        for connection in pending:
            try:
                connection.flush()
            except Exception:  # one broken connection must not hold up the others
                logger.exception("could not write to a connection")

    def flush_one(self, connection: Flushable) -> None:
        """Write ``connection`` now (it is being answered); the others at the step's end.

        When the loop resumes several actions at once (a group commit), every actor's
        ack leaves before the other players' patches, which then share one write per
        connection.
        """
        if connection in self._pending:
            del self._pending[connection]
            connection.flush()

    def __len__(self) -> int:
        return len(self._pending)
