"""Close codes and refusals: how the host ends a connection, and says why.

Every code is listed in docs/protocol.md "Close codes". A ``Refusal``
is raised wherever a hello is judged (the host, a campaign's admission) and turned into
a close by the connection.
"""

from __future__ import annotations

CLOSE_UNAUTHORIZED = 4001
CLOSE_PROTOCOL = 4002
CLOSE_BAD_HELLO = 4003
CLOSE_KICKED = 4004
CLOSE_TOO_MANY = 4008
CLOSE_TOO_SLOW = 1013
CLOSE_GOING_AWAY = 1001
CLOSE_NORMAL = 1000
CLOSE_INTERNAL_ERROR = 1011
CLOSE_REASON_BYTES = 123


def clip_reason(reason: str) -> str:
    """A close reason fits in a control frame: at most 123 bytes of UTF-8."""
    return reason.encode()[:CLOSE_REASON_BYTES].decode(errors="ignore")


class Refusal(Exception):
    """A hello that is answered with a close code (docs/protocol.md "Close codes")."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason
