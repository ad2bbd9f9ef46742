"""Rate limits, the failed-hello lockout and new names per address, with a fake clock."""

from __future__ import annotations

from vtt_host.server.limits import FailedHelloTracker, RateLimiter, RegistrationLimiter, Verdict


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


def test_five_failures_lock_an_address_for_a_minute() -> None:
    clock = Clock()
    tracker = FailedHelloTracker(clock=clock)
    for _ in range(4):
        tracker.record_failure("10.0.0.1")
    assert not tracker.is_locked("10.0.0.1")
    tracker.record_failure("10.0.0.1")
    assert tracker.is_locked("10.0.0.1")
    assert not tracker.is_locked("10.0.0.2")
    clock.now += 59
    assert tracker.is_locked("10.0.0.1")
    clock.now += 1
    assert not tracker.is_locked("10.0.0.1")


def test_failures_spread_over_more_than_a_minute_do_not_lock() -> None:
    clock = Clock()
    tracker = FailedHelloTracker(clock=clock)
    for _ in range(10):
        tracker.record_failure("10.0.0.1")
        clock.now += 15
        assert not tracker.is_locked("10.0.0.1")


def test_tracked_addresses_are_bounded() -> None:
    tracker = FailedHelloTracker(max_addresses=100, clock=Clock())
    for index in range(1000):
        tracker.record_failure(f"10.0.{index // 256}.{index % 256}")
    assert len(tracker) == 100


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
