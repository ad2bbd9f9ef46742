"""Counters for ``/metrics``, rendered in the Prometheus text format (0.0.4).

Kept by hand rather than with a client library: a handful of counters and one
histogram, updated from the event loop only.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

ACK_LATENCY_BUCKETS_S = (
    0.0005, 0.00075, 0.001, 0.00125, 0.0015, 0.002, 0.0025, 0.003, 0.004, 0.005, 0.0075,
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
)  # fmt: skip


@dataclass(slots=True)
class Histogram:
    bounds: tuple[float, ...] = ACK_LATENCY_BUCKETS_S
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * len(self.bounds)

    def observe(self, value: float) -> None:
        self.total += value
        self.count += 1
        index = bisect_left(self.bounds, value)  # the first bound >= value
        if index < len(self.counts):
            self.counts[index] += 1

    def lines(self, name: str) -> list[str]:
        out, running = [], 0
        for bound, count in zip(self.bounds, self.counts, strict=True):
            running += count
            out.append(f'{name}_bucket{{le="{bound}"}} {running}')
        out.append(f'{name}_bucket{{le="+Inf"}} {self.count}')
        out.append(f"{name}_sum {self.total:.6f}")
        out.append(f"{name}_count {self.count}")
        return out


@dataclass(slots=True)
class Metrics:
    """Everything the host counts; gauges are read from the host when rendering."""

    connections_total: int = 0
    frames_in: int = 0
    frames_out: int = 0
    bytes_out: int = 0
    actions: Counter[tuple[str, str]] = field(default_factory=Counter)
    hellos_refused: Counter[int] = field(default_factory=Counter)
    hellos_slowed: int = 0
    closed_slow: int = 0
    pings: Counter[str] = field(default_factory=Counter)
    """Map pings by outcome: ``everyone``, ``gm_only``, ``sender_only``, ``refused``,
    ``rate_limited``."""
    ack_latency: Histogram = field(default_factory=Histogram)

    def action(self, status: str, code: str = "") -> None:
        self.actions[(status, code)] += 1

    def render(self, gauges: Callable[[], dict[str, float]]) -> str:
        lines: list[str] = []

        def metric(name: str, kind: str, help_text: str, samples: list[str]) -> None:
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")
            lines.extend(samples)

        for name, value in gauges().items():
            metric(name, "gauge", name.replace("_", " "), [f"{name} {value:g}"])
        metric(
            "vtt_connections_total",
            "counter",
            "WebSocket connections accepted",
            [f"vtt_connections_total {self.connections_total}"],
        )
        metric(
            "vtt_frames_in_total",
            "counter",
            "Frames received",
            [f"vtt_frames_in_total {self.frames_in}"],
        )
        metric(
            "vtt_frames_out_total",
            "counter",
            "Frames sent",
            [f"vtt_frames_out_total {self.frames_out}"],
        )
        metric(
            "vtt_bytes_out_total",
            "counter",
            "Frame bytes sent",
            [f"vtt_bytes_out_total {self.bytes_out}"],
        )
        metric(
            "vtt_actions_total",
            "counter",
            "Actions and decisions by outcome and error code",
            [
                f'vtt_actions_total{{status="{status}",code="{code}"}} {count}'
                for (status, code), count in sorted(self.actions.items())
            ],
        )
        metric(
            "vtt_hellos_refused_total",
            "counter",
            "Hellos refused, by close code",
            [
                f'vtt_hellos_refused_total{{code="{code}"}} {count}'
                for code, count in sorted(self.hellos_refused.items())
            ],
        )
        metric(
            "vtt_hellos_slowed_total",
            "counter",
            "Join-code hellos that waited their turn past the failed-attempt limits",
            [f"vtt_hellos_slowed_total {self.hellos_slowed}"],
        )
        metric(
            "vtt_slow_clients_closed_total",
            "counter",
            "Connections closed because their send queue overflowed",
            [f"vtt_slow_clients_closed_total {self.closed_slow}"],
        )
        metric(
            "vtt_map_pings_total",
            "counter",
            "Map pings by outcome (who they reached, or why they were dropped)",
            [
                f'vtt_map_pings_total{{outcome="{outcome}"}} {count}'
                for outcome, count in sorted(self.pings.items())
            ],
        )
        metric(
            "vtt_ack_latency_seconds",
            "histogram",
            "From an action frame's arrival to its ack being queued",
            self.ack_latency.lines("vtt_ack_latency_seconds"),
        )
        return "\n".join(lines) + "\n"
