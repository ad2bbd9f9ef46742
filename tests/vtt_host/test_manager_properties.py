"""Invariants over random sequences of actions from three players and the GM.

(a) a client that applies the ops it received to the view it was welcomed with ends
with exactly ``view(final state)``; (b) a player never receives hidden entities, GM
notes, GM settings, the change log, other players' whispers or proposals, nor any
reference to a hidden entity: no byte of any frame a player receives (ops, ``by``,
description, decision, the text of a refusal) holds a hidden entity's id or name, a GM
note, the GM's settings or another player's whisper, unless that player could see it
at some point; (c) a refused action changes nothing, not even the version; (d) a
proposal probing something hidden with a ``test`` op is answered the same whether the
guess is right or wrong; (e) a player reads the numbers of an NPC's hit points only
while the table's ``npcHitPoints`` or ownership lets them, in any op. Handouts shown
to some players, and NPC hit points read per player, are among the random actions.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import random
from dataclasses import dataclass, field
from typing import Any

import jsonpatch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.vtt_host.conftest import PLAYERS, caller, ids, table_state
from vtt_host.actions import GM_CALLER, Caller
from vtt_host.errors import ActionError
from vtt_host.fog import in_fog
from vtt_host.handouts import visible_to
from vtt_host.manager import Published, StateManager
from vtt_host.patching import apply_patch
from vtt_host.references import visible
from vtt_host.views import GM, Audience, hp_masked, player, view

AUDIENCES = [GM, *(player(pid) for pid in PLAYERS)]
COLLECTIONS = ("actors", "items", "maps", "encounters", "handouts")
SUBSETS = [["p1"], ["p2"], ["p1", "p3"], ["p1", "p2", "p3"], ["p3", "p2"]]
KINDS = [
    "move_token",
    "remove_token",
    "chat",
    "roll",
    "propose",
    "probe",
    "decide",
    "patch",
    "reveal",
    "hide",
    "create_actor",
    "create_item",
    "create_map",
    "create_encounter",
    "delete_actor",
    "update_actor",
    "update_encounter",
    "update_settings",
    "start_encounter",
    "next_turn",
    "prev_turn",
    "add_combatant",
    "remove_combatant",
    "roll_initiative",
    "end_encounter",
    "undo",
    "join",
    "leave",
    "assign_actor",
    "set_current_map",
    "delete_item",
    "chat",
    "patch",
    "patch",
    "propose",
    "decide",
    "reveal",
    "hide",
    # Fights are where references to hidden actors pile up: give them room.
    "start_encounter",
    "add_combatant",
    "add_combatant",
    "next_turn",
    "next_turn",
    "next_turn",
    # Per-player parts: handouts shown to some, NPC hit points, sheets players edit.
    "create_handout",
    "create_handout",
    "update_handout",
    "delete_handout",
    "reveal_handout",
    "reveal_handout",
    "hide_handout",
    "hp",
    "hp",
    "hp",
    "npc_hit_points",
    "npc_hit_points",
    "condition",
    "assign_actor",
    "propose",
    # Fog of war over the current map.
    "set_fog",
    "paint_fog",
    "gm_move",
    "fog_patch",
]


def wire(value: Any) -> Any:
    """What a client gets: JSON over the socket, sharing nothing with the host."""
    return json.loads(json.dumps(value))


@dataclass
class Client:
    audience: Audience
    view: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    frames: list[str] = field(default_factory=list)
    """Every byte this client was sent: patches and, for its own actions, refusals."""
    errors: list[str] = field(default_factory=list)

    def receive(self, published: Published) -> None:
        """The host swallows listener errors, so record them for the test to check."""
        try:
            self._apply(published)
        except Exception as error:
            self.errors.append(f"v{published.version}: {error!r}")

    def _apply(self, published: Published) -> None:
        assert published.version == self.version + 1, "versions must arrive in order"
        decision = published.decision
        frame = {
            "ops": published.ops,
            "by": published.by,
            "description": published.description,
            "decision": None if decision is None else [decision.action_id, decision.reason],
        }
        self.frames.append(json.dumps(frame))
        self.view = jsonpatch.apply_patch(self.view, wire(published.ops), in_place=True)
        self.version = self.view["version"] = published.version


def pick(rng: random.Random, options: list[Any]) -> Any:
    return rng.choice(options) if options else "missing"


class Actions:
    """Random actions against the current state; names and notes are distinctive marks,
    so a leak of one is a substring of what a player received."""

    def __init__(self) -> None:
        self._marks = itertools.count(1)

    def mark(self, prefix: str) -> str:
        return f"{prefix}{next(self._marks):03d}q"

    def action(self, state: dict[str, Any], kind: str, rng: random.Random) -> dict[str, Any]:
        actors = list(state["actors"])
        if kind == "move_token":
            token = pick(rng, [*actors, "nope"])
            return {
                "kind": kind,
                "tokenId": token,
                "x": rng.randint(-1, 25),
                "y": rng.randint(0, 16),
            }
        if kind == "gm_move":  # the GM walks a token (an NPC, mostly) into fog or out
            npcs = [a for a, e in state["actors"].items() if e["type"] != "character"]
            return {
                "kind": "move_token",
                "tokenId": pick(rng, npcs if rng.random() < 0.8 else actors),
                "x": rng.randint(0, 23),
                "y": rng.randint(0, 15),
            }
        if kind in ("paint_fog", "set_fog"):
            current = state["currentSession"]["currentMapId"]
            game_map = current if current and rng.random() < 0.8 else pick(rng, list(state["maps"]))
            if kind == "set_fog":
                return {"kind": kind, "mapId": game_map, "enabled": rng.random() < 0.8}
            areas = [
                {
                    "x": rng.randint(-2, 22),
                    "y": rng.randint(-2, 15),
                    "width": rng.randint(1, 12),
                    "height": rng.randint(1, 8),
                }
                for _ in range(rng.randint(1, 3))
            ]
            return {"kind": kind, "mapId": game_map, "reveal": rng.random() < 0.6, "areas": areas}
        if kind == "fog_patch":
            return {"kind": "patch", "ops": [fog_op(state, rng)]}
        if kind == "remove_token":
            placed = list(state["currentSession"]["tokenPositions"])
            return {"kind": kind, "tokenId": pick(rng, [*placed, *actors[:1]])}
        if kind == "chat":
            to = rng.choice([None, None, "gm", *PLAYERS, "ghost"])
            text = f"hello {rng.randint(0, 99)}" if to is None else self.mark("psst")
            return {"kind": kind, "text": text, "to": to}
        if kind == "roll":
            expr = rng.choice(["1d20+3", "2d6", "d20adv", "3d0"])
            return {"kind": kind, "expr": expr, "to": rng.choice([None, "gm", "p2"])}
        if kind == "propose":
            return {"kind": kind, "summary": "a change", "changes": [self.proposed_op(state, rng)]}
        if kind == "patch":
            return {"kind": kind, "ops": [random_op(state, rng) for _ in range(rng.randint(1, 3))]}
        if kind in ("reveal", "hide"):
            collection = rng.choice(COLLECTIONS)
            return {
                "kind": kind,
                "collection": collection,
                "id": pick(rng, list(state[collection])),
            }
        if kind.startswith("create_"):
            return {"kind": kind, "data": self.new_entity(state, kind, rng)}
        handouts = list(state["handouts"])
        if kind in ("reveal_handout", "hide_handout"):
            action = {"kind": kind.split("_")[0], "collection": "handouts"}
            action["id"] = pick(rng, handouts)
            if kind == "reveal_handout" and rng.random() < 0.7:
                action["playerIds"] = rng.choice(SUBSETS)
            return action
        if kind == "update_handout":
            changes = [
                {"text": self.mark("text")},
                {"name": self.mark("Hush")},
                {"sharedWith": rng.choice([None, [], *SUBSETS])},
                {"hidden": rng.random() < 0.5},
                {"gmNotes": self.mark("note")},
            ]
            return {"kind": kind, "id": pick(rng, handouts), "set": rng.choice(changes)}
        if kind == "delete_handout":
            return {"kind": kind, "id": pick(rng, handouts)}
        if kind == "hp":
            actor = pick(rng, actors)
            if rng.random() < 0.5:
                most = rng.randint(1, 12)
                hp = {"current": rng.randint(-2, most), "max": most, "temp": 0}
                return {"kind": "update_actor", "id": actor, "set": {"hp": hp}}
            path = f"/actors/{actor}/hp/current"
            return {
                "kind": "patch",
                "ops": [{"op": "replace", "path": path, "value": rng.randint(-2, 12)}],
            }
        if kind == "npc_hit_points":
            setting = rng.choice(["exact", "bloodied", "none"])
            return {"kind": "update_settings", "npcHitPoints": setting}
        if kind == "condition":
            rounds = rng.choice([None, 1, 1, 2])
            conditions = [{"name": "Poisoned", "rounds": rounds, "note": ""}]
            return {
                "kind": "update_actor",
                "id": pick(rng, actors),
                "set": {"conditions": conditions},
            }
        if kind in ("delete_actor", "delete_item"):
            collection = "actors" if kind == "delete_actor" else "items"
            return {"kind": kind, "id": pick(rng, list(state[collection]))}
        if kind == "update_actor":
            changes = [
                {"hidden": rng.random() < 0.5},
                {"gmNotes": self.mark("note")},
                {"hp": {"current": 3, "max": 9, "temp": 0}},
                {"inventory": [inventory_entry(state, rng) for _ in range(rng.randint(0, 3))]},
            ]
            return {"kind": kind, "id": pick(rng, actors), "set": rng.choice(changes)}
        if kind == "update_encounter":
            changes = [
                {"hidden": rng.random() < 0.5},
                {"mapId": pick(rng, [None, *state["maps"]])},
                {"combatants": rng.sample(actors, min(len(actors), rng.randint(0, 4)))},
                {"gmNotes": self.mark("note")},
            ]
            encounter = pick(rng, list(state["encounters"]))
            return {"kind": kind, "id": encounter, "set": rng.choice(changes)}
        if kind == "update_settings":
            approvable = ["move_token", "chat", "roll", "next_turn", "sheet_edit"]
            kinds = rng.sample(approvable, rng.randint(0, 2))
            return {"kind": kind, "notes": self.mark("settings"), "requireApproval": kinds}
        if kind == "start_encounter":
            return {"kind": kind, "encounterId": pick(rng, list(state["encounters"]))}
        if kind == "add_combatant":
            fighting = {e["actorId"] for e in state["currentSession"]["initiative"]}
            return {"kind": kind, "actorId": pick(rng, [a for a in actors if a not in fighting])}
        if kind == "remove_combatant":
            return {"kind": kind, "actorId": pick(rng, actors)}
        if kind == "assign_actor":
            return {
                "kind": kind,
                "actorId": pick(rng, actors),
                "playerId": rng.choice([None, *PLAYERS]),
            }
        if kind == "set_current_map":
            return {"kind": kind, "mapId": pick(rng, [None, *state["maps"]])}
        if kind == "decide":
            return {
                "actionId": pick(rng, [p["id"] for p in state["currentSession"]["pendingActions"]]),
                "approve": rng.random() < 0.7,
                "expectedVersion": max(0, state["version"] - rng.randint(0, 3)),
            }
        return {"kind": kind}

    def new_entity(self, state: dict[str, Any], kind: str, rng: random.Random) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.mark("Hush"),
            "hidden": rng.random() < 0.5,
            "gmNotes": self.mark("note"),
        }
        if kind == "create_actor":
            data.update(type="monster", inventory=[inventory_entry(state, rng)])
        if kind == "create_encounter":
            actors = list(state["actors"])
            data["combatants"] = rng.sample(actors, min(len(actors), rng.randint(0, 3)))
            data["mapId"] = pick(rng, [None, *state["maps"]])
        if kind == "create_handout":
            data.update(text=self.mark("text"), sharedWith=rng.choice([None, *SUBSETS]))
        return data

    def proposed_op(self, state: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        actor = pick(rng, list(state["actors"]))
        mine = [a for a, e in state["actors"].items() if e.get("owner") in PLAYERS]
        own = pick(rng, mine)
        return rng.choice(
            [
                {
                    "op": "replace",
                    "path": f"/actors/{actor}/hp/current",
                    "value": rng.randint(0, 9),
                },
                # Sheet edits: applied at once unless the table asks for sheet_edit.
                {"op": "replace", "path": f"/actors/{own}/hp/current", "value": rng.randint(0, 9)},
                {"op": "add", "path": f"/actors/{own}/notes", "value": "sharpened my axe"},
                {"op": "copy", "from": f"/actors/{actor}/hp", "path": f"/actors/{own}/hp"},
                {
                    "op": "add",
                    "path": f"/actors/{actor}/inventory/-",
                    "value": inventory_entry(state, rng),
                },
                {"op": "add", "path": f"/actors/{actor}/gmNotes", "value": self.mark("note")},
                {"op": "remove", "path": f"/actors/{actor}/inventory/0"},
                {
                    "op": "replace",
                    "path": "/currentSession/currentMapId",
                    "value": pick(rng, [None, *state["maps"]]),
                },
            ]
        )


def fog_op(state: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A GM's raw edit of a map's fog, or of which map is current."""
    game_map = state["currentSession"]["currentMapId"] or pick(rng, list(state["maps"]))
    fog = f"/maps/{game_map}/fog"
    row = str(rng.randint(0, 15))
    start = rng.randint(0, 18)
    return rng.choice(
        [
            {"op": "replace", "path": f"{fog}/enabled", "value": rng.random() < 0.7},
            {"op": "add", "path": f"{fog}/revealed/{row}", "value": [[start, start + 4]]},
            {"op": "remove", "path": f"{fog}/revealed/{row}"},
            {"op": "replace", "path": f"{fog}/revealed", "value": {row: [[0, 20]]}},
            {"op": "replace", "path": fog, "value": {"enabled": True, "revealed": {}}},
            {
                "op": "replace",
                "path": "/currentSession/currentMapId",
                "value": pick(rng, [None, *state["maps"]]),
            },
            {
                "op": "move",
                "from": f"{fog}/revealed/{row}",
                "path": f"{fog}/revealed/{(int(row) + 1) % 16}",
            },
        ]
    )


def inventory_entry(state: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    return {"itemId": pick(rng, list(state["items"])), "quantity": 1, "equipped": False}


def random_op(state: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    actor, other = pick(rng, list(state["actors"])), pick(rng, list(state["actors"]))
    item, game_map = pick(rng, list(state["items"])), pick(rng, list(state["maps"]))
    encounter = pick(rng, list(state["encounters"]))
    handout = pick(rng, list(state["handouts"]))
    session = state["currentSession"]
    flip = rng.random() < 0.5
    choices = [
        {"op": "replace", "path": f"/actors/{actor}/hidden", "value": flip},
        {"op": "replace", "path": f"/items/{item}/hidden", "value": flip},
        {"op": "replace", "path": f"/maps/{game_map}/hidden", "value": flip},
        {"op": "replace", "path": f"/encounters/{encounter}/hidden", "value": flip},
        {"op": "replace", "path": f"/actors/{actor}/gmNotes", "value": "patched"},
        {"op": "add", "path": f"/currentSession/tokenPositions/{actor}", "value": {"x": 1, "y": 2}},
        {"op": "replace", "path": "/currentSession/gmSettings/notes", "value": "gm only"},
        {"op": "replace", "path": "/campaign/name", "value": "Renamed"},
        {"op": "replace", "path": "/version", "value": 99},
        # References to entities that may be hidden, written every way a patch can.
        {"op": "replace", "path": "/currentSession/turn", "value": rng.randint(0, 5)},
        {
            "op": "replace",
            "path": "/currentSession/currentMapId",
            "value": pick(rng, [None, game_map]),
        },
        {
            "op": "add",
            "path": "/currentSession/initiative/-",
            "value": {"actorId": actor, "value": None},
        },
        {"op": "remove", "path": f"/currentSession/initiative/{rng.randint(0, 3)}"},
        {"op": "add", "path": f"/actors/{actor}/inventory/-", "value": inventory_entry(state, rng)},
        {"op": "add", "path": f"/actors/{actor}/inventory/0", "value": inventory_entry(state, rng)},
        {"op": "remove", "path": f"/actors/{actor}/inventory/0"},
        {"op": "replace", "path": f"/actors/{actor}/inventory/0/quantity", "value": 3},
        {
            "op": "move",
            "from": f"/actors/{actor}/inventory/0",
            "path": f"/actors/{other}/inventory/-",
        },
        {
            "op": "replace",
            "path": f"/encounters/{encounter}/mapId",
            "value": pick(rng, [None, game_map]),
        },
        {"op": "add", "path": f"/encounters/{encounter}/combatants/-", "value": actor},
        {"op": "copy", "from": f"/actors/{actor}/hidden", "path": f"/actors/{other}/hidden"},
        {"op": "copy", "from": f"/actors/{actor}/hp", "path": f"/actors/{other}/hp"},
        {"op": "replace", "path": f"/actors/{actor}/hp/current", "value": rng.randint(-1, 9)},
        {"op": "replace", "path": f"/actors/{actor}/owner", "value": rng.choice([None, *PLAYERS])},
        {"op": "replace", "path": f"/actors/{actor}/type", "value": "character"},
        {
            "op": "replace",
            "path": "/currentSession/gmSettings/npcHitPoints",
            "value": rng.choice(["exact", "bloodied", "none"]),
        },
        {"op": "replace", "path": f"/handouts/{handout}/hidden", "value": flip},
        {
            "op": "replace",
            "path": f"/handouts/{handout}/sharedWith",
            "value": rng.choice([None, [], *SUBSETS]),
        },
        {"op": "replace", "path": f"/handouts/{handout}/text", "value": "patched"},
    ]
    if actor in state["actors"]:
        whole = {**state["actors"][actor], "hidden": flip}
        choices.append({"op": "replace", "path": f"/actors/{actor}", "value": whole})
    if state["items"]:
        flipped = {k: {**v, "hidden": rng.random() < 0.5} for k, v in state["items"].items()}
        choices.append({"op": "replace", "path": "/items", "value": flipped})
    messages = session["chatMessages"]
    if messages:
        index = rng.randrange(len(messages))
        choices += [
            {"op": "remove", "path": f"/currentSession/chatMessages/{index}"},
            {
                "op": "replace",
                "path": f"/currentSession/chatMessages/{index}/to",
                "value": rng.choice([None, "gm", *PLAYERS]),
            },
            {
                "op": "replace",
                "path": f"/currentSession/chatMessages/{index}/text",
                "value": "edited",
            },
        ]
    return rng.choice(choices)


def probes(state: dict[str, Any], rng: random.Random, player_id: str) -> list[tuple[str, Any, Any]]:
    """(path, the value there, a wrong guess) for things a player may not read."""
    found: list[tuple[str, Any, Any]] = [
        ("/campaign/gmNotes", state["campaign"]["gmNotes"], "guess"),
        ("/currentSession/gmSettings/notes", state["currentSession"]["gmSettings"]["notes"], "x"),
        ("/currentSession/turn", state["currentSession"]["turn"], 7),
    ]
    for collection in COLLECTIONS:
        for key, entity in state[collection].items():
            found.append((f"/{collection}/{key}/gmNotes", entity.get("gmNotes", ""), "guess"))
            if entity.get("hidden"):
                found.append((f"/{collection}/{key}/name", entity["name"], "guess"))
    for key, handout in state["handouts"].items():
        if not visible_to(state, key, player_id):
            found.append((f"/handouts/{key}/text", handout["text"], "guess"))
        found.append((f"/handouts/{key}/sharedWith", handout["sharedWith"], ["p1"]))
        found.append((f"/handouts/{key}/hidden", handout["hidden"], not handout["hidden"]))
    for key, actor in state["actors"].items():
        if actor["hp"] is not None and hp_masked(state, actor, player_id):
            current = actor["hp"]["current"]
            found.append((f"/actors/{key}/hp/current", current, current + 1))
            found.append((f"/actors/{key}/hp", actor["hp"], {"current": -99, "max": 0}))
    for key, position in state["currentSession"]["tokenPositions"].items():
        if in_fog(state, key):  # where a monster waits in the dark
            found.append((f"/currentSession/tokenPositions/{key}", position, {"x": 0, "y": 0}))
            found.append((f"/actors/{key}/name", state["actors"][key]["name"], "guess"))
    for name in ("chatMessages", "initiative", "pendingActions"):
        for index, element in enumerate(state["currentSession"][name]):
            found.append((f"/currentSession/{name}/{index}", element, {}))
    return rng.sample(found, min(3, len(found)))


@dataclass
class Secrets:
    """What players must not receive, and what each of them could see at some point."""

    known: set[str] = field(default_factory=set)
    seen: dict[str, set[str]] = field(default_factory=lambda: {pid: set() for pid in PLAYERS})

    def collect(self, state: dict[str, Any]) -> None:
        for collection in COLLECTIONS:
            for key, entity in state[collection].items():
                self.known.update((key, entity["name"]))
                if entity.get("gmNotes"):
                    self.known.add(entity["gmNotes"])
                if entity.get("text", "").startswith("text"):
                    self.known.add(entity["text"])
        for text in (state["campaign"]["gmNotes"], state["currentSession"]["gmSettings"]["notes"]):
            if text:
                self.known.add(text)
        for message in state["currentSession"]["chatMessages"]:
            if message["text"].startswith("psst"):
                self.known.add(message["text"])

    def look(self, player_id: str, seen_view: dict[str, Any]) -> None:
        text = json.dumps(seen_view)
        self.seen[player_id].update(secret for secret in self.known if secret in text)

    def look_through(self, before: dict[str, Any], ops: list[dict[str, Any]]) -> None:
        """A GM patch may show something for a moment (a whisper made public, then
        deleted): what players could see between two of its ops is theirs too."""
        document = copy.deepcopy(before)
        for change in ops[:-1]:
            apply_patch(document, [change])
            for player_id in PLAYERS:
                self.look(player_id, view(document, player(player_id)))

    def leaked(self, player_id: str, received: str, sent: str = "") -> list[str]:
        """Secrets in ``received`` this player never saw (nor sent themselves)."""
        unseen = self.known - self.seen[player_id]
        return sorted(s for s in unseen if s in received and s not in sent)


def assert_turn_on_the_same_combatant(full: dict[str, Any], seen: dict[str, Any]) -> None:
    """While players can see the combatant acting, their turn points at it too."""
    order, turn = full["currentSession"]["initiative"], full["currentSession"]["turn"]
    if not order or not visible(full, "actors", order[turn]["actorId"]):
        return
    session = seen["currentSession"]
    assert session["initiative"][session["turn"]]["actorId"] == order[turn]["actorId"]


def assert_no_secrets_in_view(client: Client) -> None:
    """What a player's view must never contain."""
    pid = client.audience.player_id
    state = client.view
    for collection in COLLECTIONS:
        for entity in state[collection].values():
            assert not entity.get("hidden"), f"hidden {collection} reached {pid}"
            assert "gmNotes" not in entity
    for encounter in state["encounters"].values():
        assert set(encounter["combatants"]) <= set(state["actors"])
        assert encounter["mapId"] in (None, *state["maps"])
    for actor in state["actors"].values():
        assert {entry["itemId"] for entry in actor["inventory"]} <= set(state["items"])
    session = state["currentSession"]
    assert {entry["actorId"] for entry in session["initiative"]} <= set(state["actors"])
    assert session["currentMapId"] in (None, *state["maps"])
    assert session["activeEncounterId"] in (None, *state["encounters"])
    assert not session["initiative"] or session["turn"] < len(session["initiative"])
    assert "gmNotes" not in state["campaign"]
    assert "changeLog" not in state
    assert "gmSettings" not in session
    for message in session["chatMessages"]:
        assert message["to"] in (None, pid) or message["from"] == pid
    for pending in session["pendingActions"]:
        assert pending["playerId"] == pid
    for handout in state["handouts"].values():
        assert not {"hidden", "sharedWith", "gmNotes"} & set(handout)
    for frame in client.frames:
        assert "gmNotes" not in frame
        assert '"hidden": true' not in frame
        assert "sharedWith" not in frame


def assert_nothing_seen_in_fog(full: dict[str, Any], client: Client) -> None:
    """A player holds no token, and no actor, of anything standing in fog but player
    characters and actors players own."""
    for key in client.view["currentSession"]["tokenPositions"]:
        assert not in_fog(full, key), f"{client.audience} holds {key}'s position in fog"
    for key in client.view["actors"]:
        assert not in_fog(full, key), f"{client.audience} holds {key}, who stands in fog"


def assert_hp_as_the_table_shows(full: dict[str, Any], client: Client) -> None:
    """NPCs' hit points read as ``npcHitPoints`` says, unless the player owns them."""
    setting = full["currentSession"]["gmSettings"]["npcHitPoints"]
    pid = client.audience.player_id
    for key, actor in client.view["actors"].items():
        real = full["actors"][key]
        if not hp_masked(full, real, pid) or real["hp"] is None:
            assert actor["hp"] == real["hp"]
        elif setting == "none":
            assert actor["hp"] is None
        else:
            assert set(actor["hp"]) == {"status"}


def states_through(before: dict[str, Any], ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The document between each two ops of a GM patch (players may see those)."""
    document, states = copy.deepcopy(before), []
    for change in ops[:-1]:
        apply_patch(document, [change])
        states.append(copy.deepcopy(document))
    return states


def exact_hp_sent(ops: list[dict[str, Any]], states: list[dict[str, Any]], pid: str) -> list[str]:
    """Ops carrying the numbers of an NPC this player reads as a status (or not at all)
    in every state of the change (before, between a patch's ops, after)."""
    masked = {
        key
        for key in states[-1]["actors"]
        if all(
            key in state["actors"] and hp_masked(state, state["actors"][key], pid)
            for state in states
        )
    }
    sent = []
    for change in ops:
        parts = change["path"].split("/")[1:]
        value = change.get("value")
        if parts[0] != "actors" or ("value" not in change and len(parts) <= 3):
            continue
        if len(parts) == 1 and isinstance(value, dict):
            holders = {k: v for k, v in value.items() if k in masked}
        elif len(parts) == 2 and parts[1] in masked:
            holders = {parts[1]: value}
        elif len(parts) >= 3 and parts[1] in masked and parts[2] == "hp":
            holders = {parts[1]: {"hp": value}} if len(parts) == 3 else {parts[1]: None}
        else:
            continue
        for key, holder in holders.items():
            hp = holder.get("hp") if isinstance(holder, dict) else "a field of hp"
            if hp is not None and not (isinstance(hp, dict) and set(hp) == {"status"}):
                sent.append(f"{key}: {change}")
    return sent


async def probe(
    manager: StateManager, who: Caller, state: dict[str, Any], rng: random.Random
) -> list[tuple[str, str]]:
    """Test ops on hidden things, each followed by an op that always fails: the refusal
    must not depend on whether the guess was right. Returns (refusal, what was sent)."""
    hero = next((a for a, e in state["actors"].items() if e.get("owner") == who.player_id), "x")
    failing = {"op": "remove", "path": f"/actors/{hero}/pluginData/never-there"}
    texts: list[tuple[str, str]] = []
    for path, value, guess in probes(state, rng, who.player_id):
        answers: list[str] = []
        for tried in (value, guess):
            action = {
                "kind": "propose",
                "summary": "probe",
                "changes": [{"op": "test", "path": path, "value": tried}, failing],
            }
            before = copy.deepcopy(dict(manager.state))
            try:
                await manager.submit(action, who)
            except ActionError as error:
                answers.append(f"{error.code}: {error.message}")
            else:
                answers.append("accepted")
            assert dict(manager.state) == before, "a probe changed the campaign"
        assert answers[0] == answers[1], f"{path}: right and wrong guesses differ: {answers}"
        texts.append((answers[0], json.dumps([path, failing])))
    return texts


async def run_sequence(steps: list[tuple[int, str, random.Random]]) -> None:
    manager = StateManager(
        table_state(), rng=random.Random(1), make_id=ids("n"), clock=lambda: 9_000
    )
    clients = []
    for audience in AUDIENCES:
        client = Client(audience)
        version, initial, _ = await manager.attach(audience, client.receive)
        client.view, client.version = wire(initial), version
        clients.append(client)
    secrets, actions = Secrets(), Actions()
    secrets.collect(dict(manager.state))
    for client in clients[1:]:
        secrets.look(client.audience.player_id, client.view)
    callers = [GM_CALLER, *(caller(pid) for pid in PLAYERS)]
    for who, kind, rng in steps:
        acting = callers[who] if who < len(callers) and kind not in GM_STEPS else GM_CALLER
        state = manager.state
        action = actions.action(dict(state), kind, rng)
        before = copy.deepcopy(dict(state))
        sent_frames = {client.audience: len(client.frames) for client in clients}
        refusals: list[tuple[str, str]] = []
        try:
            if kind == "probe":
                if acting.role == "player":
                    refusals = await probe(manager, acting, before, rng)
            elif kind == "decide":
                await manager.decide(
                    acting,
                    action["actionId"],
                    approve=action["approve"],
                    expected_version=action["expectedVersion"],
                )
            elif kind == "join":
                pid = rng.choice(list(PLAYERS))
                await manager.join(pid, PLAYERS[pid])
            elif kind == "leave":
                await manager.leave(rng.choice(list(PLAYERS)))
            else:
                await manager.submit(action, acting)
        except ActionError as error:
            assert dict(manager.state) == before, f"refused {kind} changed the state"
            refusals.append((error.message, json.dumps(action)))
        secrets.collect(dict(manager.state))
        between: list[dict[str, Any]] = []
        if kind == "patch" and manager.version > before["version"]:
            secrets.look_through(before, action["ops"])
            between = states_through(before, action["ops"])
        for client in clients:
            assert not client.errors, f"{client.audience} could not apply: {client.errors}"
            expected = wire(view(dict(manager.state), client.audience))
            client.view["lastModified"] = expected["lastModified"]
            assert client.view == expected, f"{client.audience} diverged after {kind}"
            if client.audience.is_gm:
                continue
            pid = client.audience.player_id
            secrets.look(pid, expected)
            assert_no_secrets_in_view(client)
            assert_hp_as_the_table_shows(dict(manager.state), client)
            assert_nothing_seen_in_fog(dict(manager.state), client)
            assert_turn_on_the_same_combatant(dict(manager.state), client.view)
            new_ops = [
                op
                for f in client.frames[sent_frames[client.audience] :]
                for op in json.loads(f)["ops"]
            ]
            exact = exact_hp_sent(new_ops, [before, *between, dict(manager.state)], pid)
            assert not exact, f"{pid} was sent hit points they read as a status: {exact}"
            received = "\n".join(client.frames[sent_frames[client.audience] :])
            leaked = secrets.leaked(pid, received)
            assert not leaked, f"{pid} received {leaked} after {kind}"
            for answer, sent in refusals if pid == acting.player_id else []:
                leaked = secrets.leaked(pid, answer, sent=sent)
                assert not leaked, f"{pid} was told {leaked} refusing {kind}: {answer}"


GM_STEPS = frozenset({"gm_move", "paint_fog", "set_fog", "fog_patch"})
"""Steps always taken by the GM (fog is theirs, and a player moves only their own)."""
FOG_KINDS = [
    *["gm_move"] * 6,
    *["paint_fog"] * 4,
    *["set_fog"] * 2,
    *["fog_patch"] * 3,
    "move_token",
    "assign_actor",
    "update_actor",
    "reveal",
    "hide",
    "start_encounter",
    "add_combatant",
    "next_turn",
    "set_current_map",
    "patch",
    "create_actor",
    "probe",
    "probe",
    "propose",
]
"""Fog of war, and the tokens it hides walking in and out of it (and players probing
for them)."""

steps_strategy = st.lists(
    st.tuples(st.integers(0, 6), st.sampled_from(KINDS), st.randoms(use_true_random=True)),
    min_size=10,
    max_size=60,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps_strategy)
def test_clients_track_their_views_and_never_see_secrets(
    steps: list[tuple[int, str, random.Random]],
) -> None:
    asyncio.run(run_sequence(steps))


fog_steps = st.lists(
    st.tuples(st.integers(0, 6), st.sampled_from(FOG_KINDS), st.randoms(use_true_random=True)),
    min_size=10,
    max_size=60,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fog_steps)
def test_fog_hides_what_stands_in_it_and_views_still_track(
    steps: list[tuple[int, str, random.Random]],
) -> None:
    """Random fog, reveals and token moves: a player's view never holds an NPC in fog,
    and always equals the GM's view filtered for them."""
    asyncio.run(run_sequence([(0, "set_fog", random.Random(0)), *steps]))
