"""Rate limits and the failed-hello lockout, with a fake clock."""

from __future__ import annotations

from vtt_host.server.limits import FailedHelloTracker, RateLimiter, Verdict


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
