"""Shared helpers for benchmarks: percentiles and the results table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Result:
    metric: str
    target: str  # "" when the figure is informational
    measured: str
    ok: bool | None  # None: no target


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile; `samples` need not be sorted."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))
    return ordered[rank]


def print_table(title: str, results: Sequence[Result]) -> None:
    headers = ("metric", "target", "measured", "result")
    rows = [
        (r.metric, r.target or "-", r.measured, {True: "pass", False: "FAIL", None: "info"}[r.ok])
        for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{title}\n")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print(line)
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    failed = sum(1 for r in results if r.ok is False)
    print(line)
    print(f"{len(results)} metrics, {failed} failed\n")
