"""Abuse limits, pure and clock-injected so they are tested without sleeping.

docs/protocol.md "Limits" gives the floor every client can count on: 30 frames a
second per connection in bursts of 60, a connection over that for 10 s is closed;
refused hellos (4001) are limited to 5 a minute per address and 60 a minute for the
whole host, and past either limit join-code hellos are slowed (checked one at a time
per address, each after a wait of up to 10 s), never refused, so a stranger cannot lock
the table out. A host may be more generous, so every figure is a parameter with the
documented value as default.
"""

from __future__ import annotations

import enum
import ipaddress
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

FAILED_HELLOS_PER_ADDRESS = 5
FAILED_HELLOS_HOST_WIDE = 60
FAILED_HELLO_WINDOW_S = 60.0
SLOWED_HELLO_MAX_WAIT_S = 10.0
WAITING_HELLOS_PER_ADDRESS = 4
"""Slowed hellos one address may hold open at once; one more is closed with 4008."""
TRACKED_ADDRESSES_MAX = 10_000
IPV6_PREFIX_BITS = 64
"""An IPv6 host is given a whole /64: its addresses count as one."""


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
class _Address:
    failures: deque[float]
    next_check_at: float = float("-inf")


def address_key(address: str) -> str:
    """Who an address is, for counting: an IPv6 peer by its /64, as one host holds them.

    IPv4-mapped IPv6 addresses count as the IPv4 address; anything that is not an IP
    address (a Unix socket, "unknown") counts as itself.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX_BITS), strict=False))
    return str(ip)


class FailedHelloTracker:
    """Counts refused hellos (4001 only) per address and host-wide; paces join codes.

    Under both limits a join-code hello is checked at once. Past either, it is not
    refused: ``reserve`` gives it a turn, each address's turns spaced by a wait of at
    most ``max_wait_s`` (until the window would have room again), so one address
    checks one code at a time and guesses at most a few a minute, while a player with
    the right code still gets in. Valid tokens never come here (the caller checks them
    without asking).

    Memory is bounded: each address keeps its last ``per_address`` failure times, the
    host its last ``host_wide``, and at most ``max_addresses`` are tracked, the least
    recently seen forgotten first (rotating addresses gains nothing from that: the
    host-wide limit still holds).
    """

    def __init__(
        self,
        *,
        per_address: int = FAILED_HELLOS_PER_ADDRESS,
        host_wide: int = FAILED_HELLOS_HOST_WIDE,
        window_s: float = FAILED_HELLO_WINDOW_S,
        max_wait_s: float = SLOWED_HELLO_MAX_WAIT_S,
        max_addresses: int = TRACKED_ADDRESSES_MAX,
        clock: Clock = time.monotonic,
    ) -> None:
        self._per_address = per_address
        self._window = window_s
        self._max_wait = max_wait_s
        self._max_addresses = max_addresses
        self._clock = clock
        self._host: deque[float] = deque(maxlen=host_wide)
        self._by_address: OrderedDict[str, _Address] = OrderedDict()

    def record_failure(self, address: str) -> None:
        """Count a 4001 refusal of a hello from ``address``."""
        now = self._clock()
        self._entry(address_key(address)).failures.append(now)
        self._host.append(now)

    def wait_s(self, address: str) -> float:
        """How long a join-code hello from ``address`` would wait now (0 under the limits)."""
        now = self._clock()
        entry = self._by_address.get(address_key(address))
        own = self._until_room(entry.failures, now) if entry is not None else 0.0
        return min(self._max_wait, max(own, self._until_room(self._host, now)))

    def reserve(self, address: str) -> float:
        """Give a join-code hello its turn; the seconds to wait before checking its code.

        Turns of one address follow each other by the current wait, so hellos that
        arrive together are checked one after the other, not all at once.
        """
        now = self._clock()
        key = address_key(address)
        wait = self.wait_s(address)
        entry = self._by_address.get(key)
        if wait <= 0.0 and (entry is None or entry.next_check_at <= now):
            self._forget_if_idle(key, now)
            return 0.0
        entry = self._entry(key)
        turn = max(now, entry.next_check_at) + wait
        entry.next_check_at = turn
        return turn - now

    def _until_room(self, failures: deque[float], now: float) -> float:
        """Seconds until a full window of failures has room for one more (0: room now)."""
        if failures.maxlen is None or len(failures) < failures.maxlen:
            return 0.0
        return max(0.0, failures[0] + self._window - now)

    def _entry(self, key: str) -> _Address:
        entry = self._by_address.pop(key, None)
        if entry is None:
            entry = _Address(deque(maxlen=self._per_address))
        self._by_address[key] = entry
        while len(self._by_address) > self._max_addresses:
            self._by_address.popitem(last=False)
        return entry

    def _forget_if_idle(self, key: str, now: float) -> None:
        entry = self._by_address.get(key)
        if entry is None or entry.next_check_at > now:
            return
        if all(now - at >= self._window for at in entry.failures):
            del self._by_address[key]

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


PING_BURST = 5
PINGS_PER_S = 2.0
"""Map pings per connection, within the frame limit: enough to point, not to spam."""
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
    """Every limit the host applies, with docs/protocol.md "Limits" values as defaults.

    The send queue bounds what one slow client can make the host hold; past it the
    connection is closed with 1013 and the client resumes, instead of everyone waiting.
    """

    # incoming
    max_frame_bytes: int = MAX_FRAME_BYTES
    frames_per_s: float = FRAMES_PER_S
    burst_frames: int = BURST_FRAMES
    over_limit_close_s: float = OVER_LIMIT_CLOSE_S
    hello_timeout_s: float = HELLO_TIMEOUT_S
    ping_burst: int = PING_BURST
    pings_per_s: float = PINGS_PER_S
    # failed hellos (4001), per address and host-wide, and the join codes they slow
    failed_hellos: int = FAILED_HELLOS_PER_ADDRESS
    failed_hellos_host_wide: int = FAILED_HELLOS_HOST_WIDE
    failed_hello_window_s: float = FAILED_HELLO_WINDOW_S
    slowed_hello_max_wait_s: float = SLOWED_HELLO_MAX_WAIT_S
    waiting_hellos_per_address: int = WAITING_HELLOS_PER_ADDRESS
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
