"""The waits between restarts of a tunnel tool that keeps dying."""

from __future__ import annotations

from vtt_host.tunnels.supervisor import STABLE_AFTER_S, Backoff, exit_text


def test_restarts_wait_longer_each_time_up_to_thirty_seconds() -> None:
    backoff = Backoff()
    waits = [backoff.died_after(2.0)]
    waits += [backoff.waited() for _ in range(6)]
    assert waits == [1, 2, 4, 8, 16, 30, 30]


def test_a_tool_that_dies_soon_after_a_restart_keeps_the_longer_wait() -> None:
    backoff = Backoff()
    backoff.died_after(2.0)
    backoff.waited()  # the restart worked: the next wait would be 2 s
    assert backoff.died_after(5.0) == 2


def test_a_tool_that_stayed_up_a_minute_starts_over_at_one_second() -> None:
    backoff = Backoff()
    backoff.died_after(2.0)
    for _ in range(4):
        backoff.waited()
    assert backoff.died_after(STABLE_AFTER_S) == 1


def test_exits_are_told_apart_from_signals() -> None:
    assert exit_text(1) == "exit 1"
    assert exit_text(-9) == "killed by signal 9"
