"""Real campaign states and managers for the core tests."""

from __future__ import annotations

import copy
import itertools
import random
from typing import Any

import pytest

from vtt_host.actions import Caller
from vtt_host.demo import demo_state
from vtt_host.errors import ActionError
from vtt_host.manager import StateManager

PLAYERS = {"p1": "Alice", "p2": "Bob", "p3": "Cleo"}


def ids(tag: str = "") -> Any:
    counter = itertools.count(1)
    return lambda prefix: f"{prefix}_{tag}{next(counter):04d}"


def table_state() -> dict[str, Any]:
    """The demo campaign with three registered players, each owning one hero."""
    state = demo_state("c_test", now_ms=1_000, make_id=ids())
    heroes = [a for a in state["actors"].values() if a["type"] == "character"]
    for (player_id, name), hero in zip(PLAYERS.items(), heroes, strict=True):
        state["players"][player_id] = {"id": player_id, "name": name, "joinedAt": 1_000}
        hero["owner"] = player_id
    return state


def caller(player_id: str) -> Caller:
    return Caller("player", player_id, PLAYERS[player_id])


def actor_named(state: Any, name: str) -> str:
    return next(a["id"] for a in state["actors"].values() if a["name"] == name)


async def refused(
    manager: StateManager, action: dict[str, Any], who: Caller, error: type[ActionError]
) -> ActionError:
    """Submit an action that must be refused with ``error``; nothing may change."""
    before = copy.deepcopy(dict(manager.state))
    with pytest.raises(error) as refusal:
        await manager.submit(action, who)
    assert dict(manager.state) == before
    assert manager.version == before["version"]
    return refusal.value


@pytest.fixture
def manager() -> StateManager:
    return StateManager(table_state(), rng=random.Random(7), make_id=ids("n"), clock=lambda: 5_000)
