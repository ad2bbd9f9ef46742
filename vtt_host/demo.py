"""A small sample campaign, so a new GM (and the tests) can start playing at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vtt_host.actions.context import new_id
from vtt_host.schema import new_state, validate_state

DEMO_NAME = "The Goblin Crossroads"


def demo_state(
    campaign_id: str, *, now_ms: int, make_id: Callable[[str], str] = new_id
) -> dict[str, Any]:
    """A map, three player characters, goblins, a hidden boss, items and an encounter."""
    state = new_state(
        campaign_id,
        DEMO_NAME,
        now_ms=now_ms,
        description="A one-evening skirmish: the road is watched, and not only by goblins.",
    )
    state["campaign"]["gmNotes"] = "The boss waits in the trees until round 2."
    potion, sword, rope, amulet = (make_id("i") for _ in range(4))
    state["items"] = {
        potion: _item(potion, "Potion of Healing", "Heals 2d4+2 hit points."),
        sword: _item(sword, "Longsword", "A plain, well-kept blade."),
        rope: _item(rope, "Hempen Rope", "50 feet."),
        amulet: {**_item(amulet, "Cursed Amulet", "Cold to the touch."), "hidden": True},
    }
    heroes = [
        ("Thorin", 3, 12, 2, [(sword, 1), (rope, 1)]),
        ("Elara", 4, 9, 3, [(potion, 2)]),
        ("Pip", 2, 8, 4, [(potion, 1)]),
    ]
    actors: dict[str, Any] = {}
    positions: dict[str, Any] = {}
    for index, (name, x, hp, bonus, inventory) in enumerate(heroes):
        actor_id = make_id("a")
        actors[actor_id] = _actor(actor_id, name, "character", hp, bonus)
        actors[actor_id]["inventory"] = [
            {"itemId": item, "quantity": count, "equipped": False} for item, count in inventory
        ]
        positions[actor_id] = {"x": x + index, "y": 10}
    goblins = []
    for index in range(2):
        actor_id = make_id("a")
        goblins.append(actor_id)
        actors[actor_id] = _actor(actor_id, f"Goblin {index + 1}", "monster", 7, 2)
        positions[actor_id] = {"x": 14 + index * 2, "y": 6}
    boss = make_id("a")
    actors[boss] = {
        **_actor(boss, "Goblin Boss", "monster", 21, 1),
        "hidden": True,
        "gmNotes": "Flees below 5 hit points.",
    }
    positions[boss] = {"x": 18, "y": 3}
    crossroads, lair = make_id("m"), make_id("m")
    state["maps"] = {
        crossroads: _map(crossroads, "Crossroads", 24, 16),
        lair: {**_map(lair, "Goblin Lair", 20, 20), "hidden": True},
    }
    encounter = make_id("e")
    state["encounters"] = {
        encounter: {
            "id": encounter,
            "name": "Ambush at the Crossroads",
            "mapId": crossroads,
            "hidden": False,
            "status": "draft",
            "combatants": [*list(actors)[:3], *goblins],
            "gmNotes": "Add the boss in round 2.",
        }
    }
    state["actors"] = actors
    session = state["currentSession"]
    session["currentMapId"] = crossroads
    session["tokenPositions"] = positions
    return validate_state(state)


def _actor(actor_id: str, name: str, kind: str, hp: int, bonus: int) -> dict[str, Any]:
    return {
        "id": actor_id,
        "name": name,
        "type": kind,
        "hp": {"current": hp, "max": hp, "temp": 0},
        "initiativeBonus": bonus,
    }


def _item(item_id: str, name: str, description: str) -> dict[str, Any]:
    return {"id": item_id, "name": name, "description": description}


def _map(map_id: str, name: str, width: int, height: int) -> dict[str, Any]:
    return {"id": map_id, "name": name, "grid": {"width": width, "height": height}}
