"""The ack-latency histogram as /metrics renders it."""

from __future__ import annotations

from vtt_host.server.metrics import Histogram


def test_each_observation_counts_in_the_first_bucket_that_holds_it() -> None:
    histogram = Histogram(bounds=(0.001, 0.002, 0.005))
    for value in (0.0005, 0.001, 0.0015, 0.005, 0.5):
        histogram.observe(value)
    assert histogram.lines("ack") == [
        'ack_bucket{le="0.001"} 2',
        'ack_bucket{le="0.002"} 3',
        'ack_bucket{le="0.005"} 4',
        'ack_bucket{le="+Inf"} 5',
        "ack_sum 0.508000",
        "ack_count 5",
    ]
