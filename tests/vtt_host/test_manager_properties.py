"""Invariants over random sequences of actions from three players and the GM.

(a) a client that applies the ops it received to the view it was welcomed with ends
with exactly ``view(final state)``; (b) a player never receives hidden entities, GM
notes, GM settings, the change log, other players' whispers or proposals; (c) a refused
action changes nothing, not even the version.
"""

from __future__ import annotations

import asyncio
import copy
import json
import random
from typing import Any

import jsonpatch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.vtt_host.conftest import PLAYERS, caller, ids, table_state
from vtt_host.actions import GM_CALLER
from vtt_host.errors import ActionError
from vtt_host.manager import Published, StateManager
from vtt_host.views import GM, Audience, player, view

AUDIENCES = [GM, *(player(pid) for pid in PLAYERS)]
KINDS = [
    "move_token",
    "chat",
    "roll",
    "propose",
    "decide",
    "patch",
    "reveal",
    "hide",
    "create_actor",
    "delete_actor",
    "update_actor",
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
    "propose",
    "decide",
]


def wire(value: Any) -> Any:
    """What a client gets: JSON over the socket, sharing nothing with the host."""
    return json.loads(json.dumps(value))


class Client:
    def __init__(self, audience: Audience) -> None:
        self.audience = audience
        self.view: dict[str, Any] = {}
        self.version = 0
        self.frames: list[str] = []
        self.errors: list[str] = []

    def receive(self, published: Published) -> None:
        """The host swallows listener errors, so record them for the test to check."""
        try:
            self._apply(published)
        except Exception as error:
            self.errors.append(f"v{published.version}: {error!r}")

    def _apply(self, published: Published) -> None:
        assert published.version == self.version + 1, "versions must arrive in order"
        frame = json.dumps({"ops": published.ops, "description": published.description})
        self.frames.append(frame)
        self.view = jsonpatch.apply_patch(self.view, wire(published.ops), in_place=True)
        self.version = self.view["version"] = published.version


def pick(rng: random.Random, options: list[Any]) -> Any:
    return rng.choice(options) if options else "missing"


def random_action(state: dict[str, Any], kind: str, rng: random.Random) -> dict[str, Any]:
    actors = list(state["actors"])
    session = state["currentSession"]
    if kind == "move_token":
        return {
            "kind": kind,
            "tokenId": pick(rng, [*actors, "nope"]),
            "x": rng.randint(-1, 25),
            "y": rng.randint(0, 16),
        }
    if kind == "chat":
        return {
            "kind": kind,
            "text": f"hello {rng.randint(0, 99)}",
            "to": rng.choice([None, None, "gm", *PLAYERS, "ghost"]),
        }
    if kind == "roll":
        return {
            "kind": kind,
            "expr": rng.choice(["1d20+3", "2d6", "d20adv", "3d0"]),
            "to": rng.choice([None, "gm", "p2"]),
        }
    if kind == "propose":
        target = pick(rng, actors)
        return {
            "kind": kind,
            "summary": "drink a potion",
            "changes": [
                {
                    "op": "replace",
                    "path": f"/actors/{target}/hp/current",
                    "value": rng.randint(0, 9),
                }
            ],
        }
    if kind == "patch":
        return {"kind": kind, "ops": [random_op(state, rng) for _ in range(rng.randint(1, 3))]}
    if kind in ("reveal", "hide"):
        collection = rng.choice(["actors", "items", "maps", "encounters"])
        return {"kind": kind, "collection": collection, "id": pick(rng, list(state[collection]))}
    if kind == "create_actor":
        return {
            "kind": kind,
            "data": {
                "name": f"Wolf {rng.randint(0, 9)}",
                "type": "monster",
                "hidden": rng.random() < 0.5,
                "gmNotes": "secret",
            },
        }
    if kind in ("delete_actor", "delete_item"):
        collection = "actors" if kind == "delete_actor" else "items"
        return {"kind": kind, "id": pick(rng, list(state[collection]))}
    if kind == "update_actor":
        return {
            "kind": kind,
            "id": pick(rng, actors),
            "set": rng.choice(
                [
                    {"hidden": rng.random() < 0.5},
                    {"gmNotes": "new secret"},
                    {"hp": {"current": 3, "max": 9, "temp": 0}},
                ]
            ),
        }
    if kind == "start_encounter":
        return {"kind": kind, "encounterId": pick(rng, list(state["encounters"]))}
    if kind in ("add_combatant", "remove_combatant"):
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
            "actionId": pick(rng, [p["id"] for p in session["pendingActions"]]),
            "approve": rng.random() < 0.7,
            "expectedVersion": max(0, state["version"] - rng.randint(0, 3)),
        }
    return {"kind": kind}


def random_op(state: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    actor = pick(rng, list(state["actors"]))
    messages = state["currentSession"]["chatMessages"]
    choices = [
        {"op": "replace", "path": f"/actors/{actor}/hidden", "value": rng.random() < 0.5},
        {"op": "replace", "path": f"/actors/{actor}/gmNotes", "value": "patched"},
        {"op": "add", "path": f"/currentSession/tokenPositions/{actor}", "value": {"x": 1, "y": 2}},
        {"op": "replace", "path": "/currentSession/gmSettings/notes", "value": "gm only"},
        {"op": "replace", "path": "/campaign/name", "value": "Renamed"},
        {"op": "replace", "path": "/version", "value": 99},
    ]
    if messages:
        index = rng.randrange(len(messages))
        choices = [
            *choices[:2],
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
    if len(state["actors"]) > 1:
        other = pick(rng, list(state["actors"]))
        choices.append({"op": "copy", "from": f"/actors/{actor}/hp", "path": f"/actors/{other}/hp"})
    return rng.choice(choices)


def assert_no_secrets(client: Client) -> None:
    """What a player's view and frames must never contain."""
    pid = client.audience.player_id
    state = client.view
    for collection in ("actors", "items", "maps", "encounters"):
        for entity in state[collection].values():
            assert not entity.get("hidden"), f"hidden {collection} reached {pid}"
            assert "gmNotes" not in entity
    assert "gmNotes" not in state["campaign"]
    assert "changeLog" not in state
    assert "gmSettings" not in state["currentSession"]
    for message in state["currentSession"]["chatMessages"]:
        assert message["to"] in (None, pid) or message["from"] == pid
    for pending in state["currentSession"]["pendingActions"]:
        assert pending["playerId"] == pid
    for frame in client.frames:
        assert "gmNotes" not in frame
        assert '"hidden": true' not in frame


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
    callers = [GM_CALLER, *(caller(pid) for pid in PLAYERS)]
    for who, kind, rng in steps:
        acting = callers[who] if who < len(callers) else GM_CALLER
        state = manager.state
        action = random_action(dict(state), kind, rng)
        before = copy.deepcopy(dict(state))
        try:
            if kind == "decide":
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
        except ActionError:
            assert dict(manager.state) == before, f"refused {kind} changed the state"
        for client in clients:
            assert not client.errors, f"{client.audience} could not apply: {client.errors}"
            expected = wire(view(dict(manager.state), client.audience))
            client.view["lastModified"] = expected["lastModified"]
            assert client.view == expected, f"{client.audience} diverged after {kind}"
            if not client.audience.is_gm:
                assert_no_secrets(client)


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
