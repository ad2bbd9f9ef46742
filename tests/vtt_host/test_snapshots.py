"""The cached encoder must write exactly the document, and exactly each view of it."""

from __future__ import annotations

import asyncio
import json
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.vtt_host.conftest import PLAYERS, table_state
from vtt_host.patching import apply_patch
from vtt_host.snapshots import SnapshotEncoder
from vtt_host.views import GM, player, view

AUDIENCES = [GM, *(player(pid) for pid in PLAYERS)]


def random_change(state: dict, rng: random.Random) -> list[dict]:
    actor = rng.choice(list(state["actors"]))
    item = rng.choice(list(state["items"]))
    game_map = rng.choice(list(state["maps"]))
    encounter = rng.choice(list(state["encounters"]))
    holder = rng.choice([key for key, value in state["actors"].items() if "inventory" in value])
    new_id = f"wolf{len(state['actors'])}"
    return rng.choice(
        [
            [{"op": "replace", "path": f"/actors/{actor}/hidden", "value": rng.random() < 0.5}],
            # Entities whose public form names others: inventories, combatants, maps.
            [{"op": "replace", "path": f"/maps/{game_map}/hidden", "value": rng.random() < 0.5}],
            [{"op": "replace", "path": f"/encounters/{encounter}/mapId", "value": game_map}],
            [{"op": "add", "path": f"/encounters/{encounter}/combatants/-", "value": actor}],
            [{"op": "add", "path": f"/actors/{holder}/inventory/-", "value": {
                "itemId": item, "quantity": 1, "equipped": False}}],
            [{"op": "replace", "path": "/items", "value": {
                key: {**value, "hidden": rng.random() < 0.5}
                for key, value in state["items"].items()}}],
            [{"op": "add", "path": f"/actors/{actor}/gmNotes", "value": "secret plan"}],
            [{"op": "replace", "path": f"/items/{item}/hidden", "value": rng.random() < 0.5}],
            [{"op": "add", "path": "/currentSession/chatMessages/-", "value": {
                "id": f"m{rng.randint(0, 9999)}", "from": "p1", "fromName": "Alice",
                "text": "hi", "to": rng.choice([None, "gm", "p2"]), "at": 1, "roll": None}}],
            [{"op": "add", "path": f"/actors/{new_id}", "value": {
                "id": new_id, "name": "Wolf", "hidden": rng.random() < 0.5}}],
            [{"op": "replace", "path": "/campaign/gmNotes", "value": "twist"}],
            # Parts players see differently: their own NPCs' hit points, handouts.
            [{"op": "replace", "path": "/currentSession/gmSettings/npcHitPoints",
              "value": rng.choice(["exact", "bloodied", "none"])}],
            [{"op": "add", "path": f"/actors/{actor}/owner",
              "value": rng.choice([None, *PLAYERS])}],
            [{"op": "add", "path": f"/actors/{actor}/hp",
              "value": {"current": rng.randint(-2, 9), "max": 9, "temp": 0}}],
            # Fog of war: which tokens it hides changes with each of these.
            [{"op": "replace", "path": f"/maps/{game_map}/fog/enabled",
              "value": rng.random() < 0.7}],
            [{"op": "add", "path": f"/maps/{game_map}/fog/revealed/{rng.randint(0, 15)}",
              "value": [[0, rng.randint(1, 20)]]}],
            [{"op": "replace", "path": f"/maps/{game_map}/fog/revealed", "value": {}}],
            [{"op": "replace", "path": "/currentSession/currentMapId", "value": game_map}],
            [{"op": "add", "path": f"/currentSession/tokenPositions/{actor}",
              "value": {"x": rng.randint(0, 23), "y": rng.randint(0, 15)}}],
            [{"op": "add", "path": f"/actors/{actor}/type",
              "value": rng.choice(["character", "npc", "monster"])}],
            [{"op": "add", "path": f"/handouts/h{rng.randint(0, 3)}", "value": {
                "id": "h0", "name": "Letter", "text": "psst", "gmNotes": "forged",
                "hidden": rng.random() < 0.3,
                "sharedWith": rng.choice([None, [], ["p1"], ["p2", "p3"]])}}],
        ]
    )  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=True), st.integers(1, 25))
def test_encoded_snapshot_and_views_equal_the_document(rng: random.Random, steps: int) -> None:
    state = table_state()
    encoder = SnapshotEncoder(state)
    asyncio.run(encoder.prepare())
    for _ in range(steps):
        ops = random_change(state, rng)
        for change in ops:  # a handout's id is its key
            if change["path"].startswith("/handouts/"):
                change["value"]["id"] = change["path"].rsplit("/", 1)[1]
        apply_patch(state, ops)
        encoder.touched(ops)
        if rng.random() < 0.5:
            asyncio.run(encoder.prepare())
        assert json.loads(b"".join(encoder.pieces_now()[1])) == state
        for audience in AUDIENCES:
            assert json.loads(b"".join(encoder.view_pieces(audience))) == view(state, audience)


@pytest.mark.parametrize(
    ("value", "error"),
    [(math.nan, ValueError), (math.inf, ValueError), ("\ud800", UnicodeEncodeError)],
    ids=["nan", "infinity", "lone-surrogate"],
)
def test_a_value_json_cannot_carry_fails_the_snapshot_instead_of_being_written(
    value: object, error: type[Exception]
) -> None:
    """The applier never lets one in; if a bug did, no checkpoint, backup or welcome
    would carry it as text that strict readers (and browsers) reject."""
    state = table_state()
    actor = next(iter(state["actors"].values()))
    actor["pluginData"] = {"x": value}
    encoder = SnapshotEncoder(state)
    with pytest.raises(error):
        encoder.pieces_now()
