"""A large, schema-valid campaign for benchmarks (~5 MB of JSON).

200 actors of ~10 KB, 500 items of ~2 KB, 10 maps of ~100 KB and 20 encounters of
~25 KB, the sizes of a long-running real campaign. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import string
from typing import Any

from vtt_host.schema import new_state, validate_state

ACTORS, ITEMS, MAPS, ENCOUNTERS = 200, 500, 10, 20
PLAYER_IDS = [f"p{i}" for i in range(1, 6)]


def _text(rng: random.Random, size: int) -> str:
    return "".join(rng.choices(string.ascii_letters + "     ", k=size))


def _blob(rng: random.Random, size: int, depth: int = 0) -> dict[str, Any]:
    """Nested free-form plugin data of roughly ``size`` bytes of JSON."""
    if depth >= 2 or size < 400:
        return {"text": _text(rng, max(size - 20, 10)), "n": rng.randint(0, 999)}
    parts = 4
    nested = {
        f"k{i}": _blob(rng, size // parts, depth + 1) if i % 2 else [rng.random()] * 3
        for i in range(parts)
    }
    return nested | {"notes": _text(rng, size // parts)}


def large_campaign(seed: int = 7, campaign_id: str = "c_bench") -> dict[str, Any]:
    rng = random.Random(seed)
    state = new_state(campaign_id, "Benchmark campaign", now_ms=1_700_000_000_000)
    state["players"] = {
        pid: {"id": pid, "name": f"Player {pid}", "joinedAt": 1_700_000_000_000}
        for pid in PLAYER_IDS
    }
    state["items"] = {
        f"i{i}": {"id": f"i{i}", "name": f"Item {i}", "pluginData": _blob(rng, 2_900)}
        for i in range(ITEMS)
    }
    state["actors"] = {
        f"a{i}": {
            "id": f"a{i}",
            "name": f"Actor {i}",
            "type": "character" if i < len(PLAYER_IDS) else "monster",
            "owner": PLAYER_IDS[i] if i < len(PLAYER_IDS) else None,
            "hidden": i % 10 == 9,
            "hp": {"current": 20, "max": 20, "temp": 0},
            "inventory": [{"itemId": f"i{(i * 3 + k) % ITEMS}", "quantity": 1} for k in range(3)],
            "pluginData": _blob(rng, 15_000),
            "gmNotes": _text(rng, 200),
        }
        for i in range(ACTORS)
    }
    state["maps"] = {
        f"m{i}": {
            "id": f"m{i}",
            "name": f"Map {i}",
            "grid": {"width": 100, "height": 100},
            "layers": [_blob(rng, 38_000) for _ in range(4)],
        }
        for i in range(MAPS)
    }
    state["encounters"] = {
        f"e{i}": {
            "id": f"e{i}",
            "name": f"Encounter {i}",
            "mapId": f"m{i % MAPS}",
            "combatants": [f"a{(i * 7 + k) % ACTORS}" for k in range(6)],
            "pluginData": _blob(rng, 38_000),
        }
        for i in range(ENCOUNTERS)
    }
    session = state["currentSession"]
    session["currentMapId"] = "m0"
    session["tokenPositions"] = {f"a{i}": {"x": i % 100, "y": i // 100} for i in range(40)}
    return validate_state(state)
