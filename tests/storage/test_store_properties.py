"""Whatever mix of appends, checkpoints and reopens: load() + replay == the live state."""

from __future__ import annotations

import asyncio
import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import jsonpatch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import JournalRecord, Store

Step = tuple[str, int]

steps = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(0, 9)),
        st.tuples(st.just("checkpoint"), st.integers(0, 5)),
        st.tuples(st.just("reopen"), st.just(0)),
    ),
    max_size=40,
)


def replay(snapshot: bytes, records: list[JournalRecord]) -> dict[str, Any]:
    state: dict[str, Any] = json.loads(snapshot)
    for record in records:
        state = jsonpatch.apply_patch(state, record.ops)
        state["version"] = record.version
    return state


def change(state: dict[str, Any], slot: int) -> list[dict[str, Any]]:
    path = f"/slots/s{slot}"
    if f"s{slot}" in state["slots"]:
        return [{"op": "replace", "path": path, "value": state["slots"][f"s{slot}"] + 1}]
    return [{"op": "add", "path": path, "value": 0}]


async def run(data_dir: Path, plan: list[Step]) -> None:
    state: dict[str, Any] = {"id": "c1", "version": 0, "slots": {}}
    history: list[dict[str, Any]] = [copy.deepcopy(state)]
    store = await Store.open(data_dir, journal_keep_versions=3)
    await store.create_campaign("c1", "C", json.dumps(state).encode(), 0)
    try:
        for kind, arg in plan:
            if kind == "append":
                ops = change(state, arg)
                state = jsonpatch.apply_patch(state, ops)
                state["version"] += 1
                history.append(copy.deepcopy(state))
                record = JournalRecord(state["version"], ops, [], "p1", "step", 0)
                await store.append("c1", record)
            elif kind == "checkpoint":
                info = await store.get_info("c1")
                version = max(info.snapshot_version, state["version"] - arg)
                await store.checkpoint("c1", version, json.dumps(history[version]).encode())
            else:
                await store.close()
                store = await Store.open(data_dir, journal_keep_versions=3)
            loaded = await store.load("c1")
            assert replay(loaded.snapshot, loaded.records) == state
    finally:
        await store.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=steps)
def test_load_always_equals_replaying_every_change(plan: list[Step]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp), plan))
