"""Rate limits, the pacing of join codes after failed hellos and new names per address,
with a fake clock."""

from __future__ import annotations

import heapq

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtt_host.server.limits import (
    FailedHelloTracker,
    RateLimiter,
    RegistrationLimiter,
    Verdict,
    address_key,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_burst_of_sixty_is_allowed_and_the_sixty_first_refused() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    assert [limiter.check() for _ in range(60)] == [Verdict.ALLOW] * 60
    assert limiter.check() is Verdict.REFUSE


def test_thirty_a_second_is_sustainable_forever() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    for _ in range(60 * 30):
        clock.now += 1 / 30
        assert limiter.check() is Verdict.ALLOW


def test_staying_over_the_limit_for_ten_seconds_closes() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    verdicts = []
    for _ in range(40 * 30):
        clock.now += 1 / 40  # 40 a second: past the burst, a refusal every few frames
        verdicts.append(limiter.check())
    first_refusal = verdicts.index(Verdict.REFUSE)
    first_close = verdicts.index(Verdict.CLOSE)
    assert (first_close - first_refusal) / 40 >= 10
    assert (first_close - first_refusal) / 40 < 10.5


def test_a_burst_then_calm_recovers_instead_of_closing() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    for _ in range(100):
        limiter.check()
    for _ in range(30 * 20):
        clock.now += 1 / 20
        assert limiter.check() is Verdict.ALLOW


def fail(tracker: FailedHelloTracker, address: str, times: int) -> None:
    for _ in range(times):
        tracker.record_failure(address)


def test_four_failures_a_minute_leave_join_codes_unslowed() -> None:
    tracker = FailedHelloTracker(clock=Clock())
    fail(tracker, "10.0.0.1", 4)
    assert tracker.reserve("10.0.0.1") == 0.0


def test_the_fifth_failure_slows_that_address_only() -> None:
    clock = Clock()
    tracker = FailedHelloTracker(clock=clock)
    fail(tracker, "10.0.0.1", 5)
    assert tracker.reserve("10.0.0.1") == 10.0
    assert tracker.reserve("10.0.0.2") == 0.0


def test_the_wait_never_exceeds_ten_seconds_and_shrinks_as_the_window_empties() -> None:
    clock = Clock()
    tracker = FailedHelloTracker(clock=clock)
    fail(tracker, "10.0.0.1", 5)
    clock.now = 55.0
    assert tracker.wait_s("10.0.0.1") == 5.0  # the oldest failure leaves the minute at 60
    clock.now = 60.0
    assert tracker.reserve("10.0.0.1") == 0.0


def test_hellos_arriving_together_are_checked_one_after_the_other() -> None:
    clock = Clock()
    tracker = FailedHelloTracker(clock=clock)
    fail(tracker, "10.0.0.1", 5)
    assert [tracker.reserve("10.0.0.1") for _ in range(3)] == [10.0, 20.0, 30.0]
    clock.now = 30.0  # the queue has drained: the next waits its own turn only
    assert tracker.reserve("10.0.0.1") == 10.0


def test_sixty_failures_from_sixty_addresses_slow_every_address() -> None:
    clock = Clock()
    tracker = FailedHelloTracker(clock=clock)
    for index in range(59):
        fail(tracker, f"10.0.1.{index}", 1)
    assert tracker.reserve("192.168.7.7") == 0.0
    fail(tracker, "10.0.2.1", 1)
    assert tracker.reserve("192.168.7.7") == 10.0
    clock.now = 60.0
    assert tracker.reserve("192.168.7.8") == 0.0


def test_an_ipv6_host_counts_as_one_address_for_its_whole_slash_64() -> None:
    clock = Clock()
    tracker = FailedHelloTracker(clock=clock)
    for index in range(5):
        tracker.record_failure(f"2001:db8:1:2::{index:x}")
    assert tracker.reserve("2001:db8:1:2:ffff:1:2:3") == 10.0
    assert tracker.reserve("2001:db8:1:3::1") == 0.0


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.168.1.20", "192.168.1.20"),
        ("::ffff:192.168.1.20", "192.168.1.20"),
        ("2001:db8::1", "2001:db8::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("unknown", "unknown"),
    ],
)
def test_address_keys(address: str, key: str) -> None:
    assert address_key(address) == key


def test_tracked_addresses_are_bounded() -> None:
    tracker = FailedHelloTracker(max_addresses=100, clock=Clock())
    for index in range(1000):
        tracker.record_failure(f"10.0.{index // 256}.{index % 256}")
    assert len(tracker) == 100


def test_an_address_whose_failures_have_expired_is_forgotten() -> None:
    clock = Clock()
    tracker = FailedHelloTracker(clock=clock)
    fail(tracker, "10.0.0.1", 2)
    clock.now = 61.0
    assert tracker.reserve("10.0.0.1") == 0.0
    assert len(tracker) == 0


def checks_of_a_guesser(arrivals: list[float], waiting_max: int = 4) -> list[float]:
    """When a guesser's wrong codes are checked, hellos arriving at ``arrivals``.

    A small event simulation of the host: a hello with no wait is checked at once; one
    with a wait is checked at its turn; past ``waiting_max`` waiting, it is refused.
    """
    clock = Clock()
    tracker = FailedHelloTracker(clock=clock)
    events = [(at, 1, index) for index, at in enumerate(sorted(arrivals))]
    heapq.heapify(events)
    checks: list[float] = []
    waiting = 0
    while events:
        at, kind, index = heapq.heappop(events)
        clock.now = at
        if kind == 0:  # a waiting hello's turn
            waiting -= 1
        elif waiting >= waiting_max:
            continue
        else:
            delay = tracker.reserve("10.0.0.1")
            if delay > 0:
                waiting += 1
                heapq.heappush(events, (at + delay, 0, index))
                continue
        tracker.record_failure("10.0.0.1")
        checks.append(at)
    return checks


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=600, allow_nan=False), max_size=400))
def test_one_address_checks_at_most_eleven_codes_in_any_minute(arrivals: list[float]) -> None:
    checks = checks_of_a_guesser(arrivals)
    for start, at in enumerate(checks):
        in_minute = [t for t in checks[start:] if t < at + 60.0]
        assert len(in_minute) <= 5 + 6


def test_a_guesser_at_full_speed_gets_about_six_a_minute() -> None:
    arrivals = [index * 0.01 for index in range(360_00)]  # 100 hellos a second for 6 min
    checks = [at for at in checks_of_a_guesser(arrivals) if at < 360.0]
    assert 5 + 6 * 5 <= len(checks) <= 5 + 6 * 6


def test_new_names_per_address_are_counted_over_a_sliding_hour() -> None:
    now = [0.0]
    limiter = RegistrationLimiter(per_window=3, window_s=3600.0, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.allows("10.0.0.1")
        limiter.record("10.0.0.1")
        now[0] += 60
    assert not limiter.allows("10.0.0.1")
    assert limiter.allows("10.0.0.2")
    now[0] = 3600.0  # the first registration is an hour old
    assert limiter.allows("10.0.0.1")
    now[0] = 3600.0 + 121
    assert len(limiter) == 1
    assert limiter.allows("10.0.0.1")
    assert len(limiter) == 0


def test_registration_limiter_tracks_a_bounded_number_of_addresses() -> None:
    limiter = RegistrationLimiter(per_window=1, window_s=3600.0, max_addresses=2)
    for address in ("a", "b", "c"):
        limiter.record(address)
    assert len(limiter) == 2
    assert limiter.allows("a")  # forgotten first
    assert not limiter.allows("c")
