"""The update path against the naive "deep copy + mutate + diff" design, in one run.

Run: ``.venv/bin/python -m bench.bench_core``. Our path is everything a token move
costs in the state manager except the journal commit: authorize, compile, apply in
place, re-validate what it touched, change log, and filter the ops for 6 recipients
(the GM and 5 players). The naive path deep-copies the whole campaign, mutates the copy
and diffs the two documents with jsonpatch.make_patch.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import json
import time
from typing import Any

import jsonpatch

from bench._harness import Result, percentile, print_table
from bench.campaign import PLAYER_IDS, large_campaign
from vtt_host.actions import Caller
from vtt_host.manager import Published, StateManager
from vtt_host.patching import apply_patch
from vtt_host.views import GM, player

MOVES = 20_000
NAIVE_RUNS = 5
TARGET_P50_MS = 0.05
TARGET_P99_MS = 0.2
TARGET_RATIO = 1_000


async def our_path(state: dict[str, Any]) -> list[float]:
    manager = StateManager(state)
    delivered: list[Published] = []
    for audience in [GM, *(player(pid) for pid in PLAYER_IDS)]:
        await manager.attach(audience, delivered.append)
    movers = [(Caller("player", pid, pid), f"a{i}") for i, pid in enumerate(PLAYER_IDS)]
    samples = []
    for n in range(MOVES):
        who, token = movers[n % len(movers)]
        action = {"kind": "move_token", "tokenId": token, "x": n % 100, "y": (n // 100) % 100}
        started = time.perf_counter()
        await manager.submit(action, who)
        samples.append(time.perf_counter() - started)
        if len(delivered) > 1_000:
            delivered.clear()
    return samples


def naive_path(state: dict[str, Any]) -> tuple[list[float], list[float], list[float]]:
    totals, copies, diffs = [], [], []
    for n in range(NAIVE_RUNS):
        started = time.perf_counter()
        new = copy.deepcopy(state)
        copied = time.perf_counter()
        new["currentSession"]["tokenPositions"]["a1"] = {"x": n, "y": n + 1}
        jsonpatch.make_patch(state, new)
        done = time.perf_counter()
        totals.append(done - started)
        copies.append(copied - started)
        diffs.append(done - copied)
    return totals, copies, diffs


def single_op(state: dict[str, Any]) -> list[float]:
    samples = []
    for n in range(MOVES):
        op = {
            "op": "replace",
            "path": "/currentSession/tokenPositions/a1",
            "value": {"x": n, "y": 1},
        }
        started = time.perf_counter()
        apply_patch(state, [op])
        samples.append(time.perf_counter() - started)
    return samples


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.4f} ms"


def main() -> None:
    state = large_campaign()
    size_mb = len(json.dumps(state)) / 1e6
    gc.collect()
    gc.freeze()
    ours = asyncio.run(our_path(state))
    one_op = single_op(state)
    naive, copies, diffs = naive_path(state)
    p50, p99 = percentile(ours, 50), percentile(ours, 99)
    ratio = percentile(naive, 50) / p50
    print_table(
        f"State manager update path: token move on a {size_mb:.2f} MB campaign, 6 recipients",
        [
            Result("our path p50", f"<= {TARGET_P50_MS} ms", ms(p50), p50 * 1000 <= TARGET_P50_MS),
            Result("our path p99", f"<= {TARGET_P99_MS} ms", ms(p99), p99 * 1000 <= TARGET_P99_MS),
            Result("apply one op in place p50", "", ms(percentile(one_op, 50)), None),
            Result("naive: deepcopy p50", "", ms(percentile(copies, 50)), None),
            Result("naive: make_patch p50", "", ms(percentile(diffs, 50)), None),
            Result("naive: total p50", "", ms(percentile(naive, 50)), None),
            Result(
                "naive / ours (p50)",
                f">= {TARGET_RATIO:,}x",
                f"{ratio:,.0f}x",
                ratio >= TARGET_RATIO,
            ),
        ],
    )


if __name__ == "__main__":
    main()
