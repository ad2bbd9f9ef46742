"""The browser benchmark still runs: its quick mode prints every row of its table.

It starts its own host and Chromium, so this is a whole run, only with few samples.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT

pytestmark = pytest.mark.slow

ROWS = [
    "tokens drawn in a player's page",
    "1. floor: static file page load p50",
    "1. join (socket opened) -> map decoded + tokens drawn p50",
    "1. navigation -> map drawn p50 (the page's own load too)",
    "1.   p50 from navigation: DOM ready / socket / tokens in DOM / image / decoded",
    "2. floor: page ping -> pong p50 / p99",
    "2. drag: pointerup -> token moved in another page p99",
    "2.   pointerup -> move sent by the dragging page",
    "2.   pointerup -> patch event in the other page",
    "3. floor: frame time, same pan on an empty page",
    "3. frame time, pan + zoom over 200 tokens on the 4k map p95",
    "4. fog reveal 40 x 25 (1,000 cells): patch frames per player, size",
]


def row(output: str, label: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith(label)]
    assert len(lines) == 1, f"no single row {label!r} in:\n{output}"
    return lines[0]


def test_quick_run_prints_every_row(chromium_path: Path, tmp_path: Path) -> None:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_browser", "--quick"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    output = done.stdout
    for label in ROWS:
        row(output, label)
    assert row(output, "tokens drawn in a player's page").split()[-1] == "pass"
    # Measured rows carry figures, and the fog reveal is one small frame per player.
    for label in ROWS[1:-1]:
        assert " ms" in row(output, label), row(output, label)
    fog = row(output, ROWS[-1])
    assert " B" in fog, fog
    assert fog.split()[-1] == "pass", fog
    assert " metrics, " in output
