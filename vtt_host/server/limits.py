"""Abuse limits, pure and clock-injected so they are tested without sleeping.

PROTOCOL.md fixes the floor every host honours: 30 frames a second per connection in
bursts of 60, a connection over that for 10 s is closed; an address may fail 5 hellos a
minute, then its hellos are refused for at most 60 s. A host may be more generous, so
every figure is a parameter with the protocol's value as its default.
"""

from __future__ import annotations

import enum
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from vtt_host.server.claims import CLAIM_TIMEOUT_S, CLAIMS_OPEN_MAX, CLAIMS_PER_ADDRESS

Clock = Callable[[], float]

FRAMES_PER_S = 30.0
BURST_FRAMES = 60
OVER_LIMIT_CLOSE_S = 10.0
QUIET_AFTER_REFUSAL_S = 1.0
"""A connection stays "over the limit" until a second passes without a refusal."""

FAILED_HELLOS_PER_WINDOW = 5
FAILED_HELLO_WINDOW_S = 60.0
LOCKOUT_S = 60.0
TRACKED_ADDRESSES_MAX = 10_000


class Verdict(enum.Enum):
    ALLOW = "allow"
    REFUSE = "refuse"
    CLOSE = "close"


class RateLimiter:
    """A token bucket per connection, plus how long it has been over the limit.

    A client averaging above the rate gets a refusal at least every second, so it stays
    over the limit and is closed after ``close_after_s``; a client that only bursts
    recovers as soon as it slows down.
    """

    def __init__(
        self,
        *,
        rate_per_s: float = FRAMES_PER_S,
        burst: int = BURST_FRAMES,
        close_after_s: float = OVER_LIMIT_CLOSE_S,
        clock: Clock = time.monotonic,
    ) -> None:
        self._rate = rate_per_s
        self._burst = float(burst)
        self._close_after = close_after_s
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()
        self._over_since: float | None = None
        self._last_refusal = float("-inf")

    def check(self) -> Verdict:
        """Account for one incoming frame and say what to do with it."""
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            if now - self._last_refusal >= QUIET_AFTER_REFUSAL_S:
                self._over_since = None
            return Verdict.ALLOW
        self._last_refusal = now
        if self._over_since is None:
            self._over_since = now
        if now - self._over_since >= self._close_after:
            return Verdict.CLOSE
        return Verdict.REFUSE


@dataclass(slots=True)
class _Failures:
    times: deque[float]
    locked_until: float = float("-inf")


class FailedHelloTracker:
    """Counts refused hellos (4001 only) per address and locks out brute force.

    Memory is bounded: at most ``max_addresses`` are tracked, the least recently
    failing forgotten first (an attacker rotating addresses gains nothing from that:
    each address still gets only its few guesses a minute).
    """

    def __init__(
        self,
        *,
        max_failures: int = FAILED_HELLOS_PER_WINDOW,
        window_s: float = FAILED_HELLO_WINDOW_S,
        lockout_s: float = LOCKOUT_S,
        max_addresses: int = TRACKED_ADDRESSES_MAX,
        clock: Clock = time.monotonic,
    ) -> None:
        self._max_failures = max_failures
        self._window = window_s
        self._lockout = lockout_s
        self._max_addresses = max_addresses
        self._clock = clock
        self._by_address: OrderedDict[str, _Failures] = OrderedDict()

    def is_locked(self, address: str) -> bool:
        """True while this address's hellos must be closed with 4008."""
        entry = self._by_address.get(address)
        if entry is None:
            return False
        now = self._clock()
        if now < entry.locked_until:
            return True
        self._expire(entry, now)
        if not entry.times and entry.locked_until <= now:
            del self._by_address[address]
        return False

    def record_failure(self, address: str) -> None:
        now = self._clock()
        entry = self._by_address.pop(address, None) or _Failures(deque())
        self._by_address[address] = entry
        self._expire(entry, now)
        entry.times.append(now)
        if len(entry.times) >= self._max_failures:
            entry.locked_until = now + self._lockout
            entry.times.clear()
        while len(self._by_address) > self._max_addresses:
            self._by_address.popitem(last=False)

    def _expire(self, entry: _Failures, now: float) -> None:
        while entry.times and now - entry.times[0] >= self._window:
            entry.times.popleft()

    def __len__(self) -> int:
        return len(self._by_address)


class RegistrationLimiter:
    """New player names per address in a sliding window (names are free to invent).

    Only registrations that happened count; at most ``max_addresses`` are tracked, the
    least recently registering forgotten first (the table's own cap still holds).
    """

    def __init__(
        self,
        *,
        per_window: int,
        window_s: float,
        max_addresses: int = TRACKED_ADDRESSES_MAX,
        clock: Clock = time.monotonic,
    ) -> None:
        self._per_window = per_window
        self._window = window_s
        self._max_addresses = max_addresses
        self._clock = clock
        self._by_address: OrderedDict[str, deque[float]] = OrderedDict()

    def allows(self, address: str) -> bool:
        times = self._by_address.get(address)
        if times is None:
            return True
        now = self._clock()
        while times and now - times[0] >= self._window:
            times.popleft()
        if not times:
            del self._by_address[address]
        return len(times) < self._per_window

    def record(self, address: str) -> None:
        times = self._by_address.pop(address, None) or deque()
        self._by_address[address] = times
        times.append(self._clock())
        while len(self._by_address) > self._max_addresses:
            self._by_address.popitem(last=False)

    def __len__(self) -> int:
        return len(self._by_address)


MAX_FRAME_BYTES = 1024 * 1024
HELLO_TIMEOUT_S = 10.0
SEND_QUEUE_FRAMES = 10_000
SEND_QUEUE_BYTES = 16 * 1024 * 1024
CLOSE_TIMEOUT_S = 5.0
MAILBOX_VERSIONS = 2000
MAILBOX_BYTES = 8 * 1024 * 1024
IDLE_MAILBOXES_MAX = 16
"""Mailboxes kept for players who are away; past it the longest away is dropped (their
next resume gets a full view). Every mailbox is a subscription each change is filtered
for, so a table that saw many names must not pay for all of them on every move."""
TABLE_PLAYERS_MAX = 64
NEW_PLAYERS_PER_ADDRESS = 8
"""Per ``NEW_PLAYER_WINDOW_S``: a whole table joining through one tunnel or one home
network, not a script inventing names."""
NEW_PLAYER_WINDOW_S = 3600.0
UNSEEN_PLAYER_EXPIRY_S = 30 * 24 * 3600.0
"""Registered players who own no actor and were not seen for this long are forgotten
when the host starts."""


@dataclass(frozen=True, slots=True)
class HostLimits:
    """Every limit the host applies, with PROTOCOL.md's values as defaults.

    The send queue bounds what one slow client can make the host hold; past it the
    connection is closed with 1013 and the client resumes, instead of everyone waiting.
    """

    # incoming
    max_frame_bytes: int = MAX_FRAME_BYTES
    frames_per_s: float = FRAMES_PER_S
    burst_frames: int = BURST_FRAMES
    over_limit_close_s: float = OVER_LIMIT_CLOSE_S
    hello_timeout_s: float = HELLO_TIMEOUT_S
    # failed hellos per address
    failed_hellos: int = FAILED_HELLOS_PER_WINDOW
    failed_hello_window_s: float = FAILED_HELLO_WINDOW_S
    lockout_s: float = LOCKOUT_S
    # outgoing
    send_queue_frames: int = SEND_QUEUE_FRAMES
    send_queue_bytes: int = SEND_QUEUE_BYTES
    close_timeout_s: float = CLOSE_TIMEOUT_S
    # resume
    mailbox_versions: int = MAILBOX_VERSIONS
    mailbox_bytes: int = MAILBOX_BYTES
    idle_mailboxes: int = IDLE_MAILBOXES_MAX
    # registration and claims
    table_players: int = TABLE_PLAYERS_MAX
    new_players_per_address: int = NEW_PLAYERS_PER_ADDRESS
    new_player_window_s: float = NEW_PLAYER_WINDOW_S
    unseen_player_expiry_s: float = UNSEEN_PLAYER_EXPIRY_S
    claim_timeout_s: float = CLAIM_TIMEOUT_S
    claims_per_address: int = CLAIMS_PER_ADDRESS
    claims_open: int = CLAIMS_OPEN_MAX
