"""Combat: starting and ending encounters, combatants, initiative rolls and turns."""

from __future__ import annotations

import asyncio
import copy
import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.vtt_host.conftest import actor_named, caller, ids, refused, table_state
from tests.vtt_host.test_views import follow, replay, same_view
from vtt_host.actions import GM_CALLER
from vtt_host.errors import ActionError, Forbidden, Invalid, NotFound
from vtt_host.manager import Applied, Queued, StateManager
from vtt_host.views import player

AMBUSH = "e_0013"
"""The demo encounter: Thorin, Elara, Pip, Goblin 1 and Goblin 2, on the Crossroads."""
BONUS = {"Thorin": 2, "Elara": 3, "Pip": 4, "Goblin 1": 2, "Goblin 2": 2, "Goblin Boss": 1}


def session(manager: StateManager) -> dict[str, Any]:
    current: dict[str, Any] = manager.state["currentSession"]
    return current


def order(manager: StateManager) -> list[str]:
    """The initiative order as actor names."""
    actors = manager.state["actors"]
    return [actors[entry["actorId"]]["name"] for entry in session(manager)["initiative"]]


def current_combatant(manager: StateManager) -> str:
    return order(manager)[session(manager)["turn"]]


def description(manager: StateManager) -> str:
    return str(manager.state["changeLog"][-1]["description"])


async def start(manager: StateManager) -> None:
    await manager.submit({"kind": "start_encounter", "encounterId": AMBUSH}, GM_CALLER)


async def advance(manager: StateManager, turns: int) -> None:
    for _ in range(turns):
        await manager.submit({"kind": "next_turn"}, GM_CALLER)


# -- start_encounter -----------------------------------------------------------------


async def test_gm_starts_an_encounter_in_round_one(manager: StateManager) -> None:
    await manager.submit({"kind": "set_current_map", "mapId": None}, GM_CALLER)

    outcome = await manager.submit({"kind": "start_encounter", "encounterId": AMBUSH}, GM_CALLER)

    assert outcome == Applied(2)
    assert manager.state["encounters"][AMBUSH]["status"] == "active"
    current = session(manager)
    assert current["activeEncounterId"] == AMBUSH
    assert current["currentMapId"] == "m_0011"
    assert (current["round"], current["turn"]) == (1, 0)
    assert order(manager) == ["Thorin", "Elara", "Pip", "Goblin 1", "Goblin 2"]
    assert all(entry["value"] is None for entry in current["initiative"])
    assert description(manager) == "GM started the encounter Ambush at the Crossroads"


async def test_starting_a_second_encounter_is_invalid(manager: StateManager) -> None:
    created = await manager.submit(
        {"kind": "create_encounter", "data": {"name": "Wolves"}}, GM_CALLER
    )
    await start(manager)

    action = {"kind": "start_encounter", "encounterId": created.extra["id"]}
    await refused(manager, action, GM_CALLER, Invalid)


async def test_starting_an_unknown_encounter_is_not_found(manager: StateManager) -> None:
    action = {"kind": "start_encounter", "encounterId": "e_ghost"}
    await refused(manager, action, GM_CALLER, NotFound)


async def test_start_encounter_needs_an_encounter_id(manager: StateManager) -> None:
    await refused(manager, {"kind": "start_encounter"}, GM_CALLER, Invalid)


# -- add_combatant -------------------------------------------------------------------


async def test_gm_adds_a_combatant_to_an_encounter_that_is_not_running(
    manager: StateManager,
) -> None:
    boss = actor_named(manager.state, "Goblin Boss")

    await manager.submit(
        {"kind": "add_combatant", "actorId": boss, "encounterId": AMBUSH}, GM_CALLER
    )

    assert manager.state["encounters"][AMBUSH]["combatants"][-1] == boss
    assert session(manager)["initiative"] == []
    assert description(manager) == "GM added Goblin Boss to Ambush at the Crossroads"


async def test_combatant_joins_the_order_by_initiative_without_moving_the_turn(
    manager: StateManager,
) -> None:
    await start(manager)
    await manager.submit({"kind": "roll_initiative"}, GM_CALLER)
    await advance(manager, 2)
    before, turn_before = current_combatant(manager), session(manager)["turn"]
    boss = actor_named(manager.state, "Goblin Boss")

    await manager.submit({"kind": "add_combatant", "actorId": boss, "initiative": 99}, GM_CALLER)

    assert order(manager)[0] == "Goblin Boss"
    assert session(manager)["initiative"][0] == {"actorId": boss, "value": 99}
    assert current_combatant(manager) == before
    assert session(manager)["turn"] == turn_before + 1
    assert boss in manager.state["encounters"][AMBUSH]["combatants"]


async def test_combatant_without_initiative_goes_to_the_end(manager: StateManager) -> None:
    await start(manager)
    boss = actor_named(manager.state, "Goblin Boss")

    await manager.submit({"kind": "add_combatant", "actorId": boss}, GM_CALLER)

    assert order(manager)[-1] == "Goblin Boss"
    assert current_combatant(manager) == "Thorin"


async def test_adding_a_combatant_twice_is_invalid(manager: StateManager) -> None:
    await start(manager)
    thorin = actor_named(manager.state, "Thorin")
    await refused(manager, {"kind": "add_combatant", "actorId": thorin}, GM_CALLER, Invalid)


async def test_adding_a_combatant_with_no_encounter_running_is_invalid(
    manager: StateManager,
) -> None:
    boss = actor_named(manager.state, "Goblin Boss")
    await refused(manager, {"kind": "add_combatant", "actorId": boss}, GM_CALLER, Invalid)


@pytest.mark.parametrize(
    ("actor", "encounter"), [("a_ghost", AMBUSH), ("a_0010", "e_ghost")], ids=["actor", "encounter"]
)
async def test_adding_with_unknown_ids_is_not_found(
    manager: StateManager, actor: str, encounter: str
) -> None:
    action = {"kind": "add_combatant", "actorId": actor, "encounterId": encounter}
    await refused(manager, action, GM_CALLER, NotFound)


# -- remove_combatant ----------------------------------------------------------------


async def test_removing_an_earlier_combatant_keeps_the_turn_on_the_same_one(
    manager: StateManager,
) -> None:
    await start(manager)
    await advance(manager, 2)
    thorin = actor_named(manager.state, "Thorin")

    await manager.submit({"kind": "remove_combatant", "actorId": thorin}, GM_CALLER)

    assert order(manager) == ["Elara", "Pip", "Goblin 1", "Goblin 2"]
    assert current_combatant(manager) == "Pip"
    assert thorin not in manager.state["encounters"][AMBUSH]["combatants"]
    assert description(manager) == "GM removed Thorin from Ambush at the Crossroads"


async def test_removing_the_current_combatant_passes_the_turn_on(manager: StateManager) -> None:
    await start(manager)
    await advance(manager, 1)
    elara = actor_named(manager.state, "Elara")

    await manager.submit({"kind": "remove_combatant", "actorId": elara}, GM_CALLER)

    assert current_combatant(manager) == "Pip"


async def test_removing_someone_who_is_not_fighting_is_not_found(manager: StateManager) -> None:
    await start(manager)
    boss = actor_named(manager.state, "Goblin Boss")
    await refused(manager, {"kind": "remove_combatant", "actorId": boss}, GM_CALLER, NotFound)


async def test_removing_with_no_encounter_running_is_invalid(manager: StateManager) -> None:
    thorin = actor_named(manager.state, "Thorin")
    await refused(manager, {"kind": "remove_combatant", "actorId": thorin}, GM_CALLER, Invalid)


# -- roll_initiative -----------------------------------------------------------------


async def test_rolling_initiative_orders_everyone_from_highest(manager: StateManager) -> None:
    await start(manager)

    await manager.submit({"kind": "roll_initiative"}, GM_CALLER)

    entries = session(manager)["initiative"]
    values = [entry["value"] for entry in entries]
    assert values == sorted(values, reverse=True)
    for name, value in zip(order(manager), values, strict=True):
        assert 1 + BONUS[name] <= value <= 20 + BONUS[name]
    assert sorted(order(manager)) == ["Elara", "Goblin 1", "Goblin 2", "Pip", "Thorin"]
    assert description(manager) == "GM rolled initiative"
    assert manager.version == 2


async def test_rolling_initiative_keeps_the_turn_on_the_current_combatant(
    manager: StateManager,
) -> None:
    await start(manager)
    await advance(manager, 3)

    await manager.submit({"kind": "roll_initiative"}, GM_CALLER)

    assert current_combatant(manager) == "Goblin 1"


async def test_rolling_before_anyone_acted_gives_the_turn_to_the_top_of_the_order(
    manager: StateManager,
) -> None:
    await start(manager)

    await manager.submit({"kind": "roll_initiative"}, GM_CALLER)

    assert session(manager)["turn"] == 0
    assert current_combatant(manager) == order(manager)[0]
    values = [entry["value"] for entry in session(manager)["initiative"]]
    assert values[0] == max(values)


async def test_rolling_during_a_round_leaves_everyone_one_turn_in_it(
    manager: StateManager,
) -> None:
    await start(manager)
    await advance(manager, 2)  # Thorin and Elara have acted; Pip acts

    await manager.submit({"kind": "roll_initiative"}, GM_CALLER)

    assert current_combatant(manager) == "Pip"
    assert sorted(order(manager)[:2]) == ["Elara", "Thorin"]
    assert order(manager)[2] == "Pip"
    turns = []
    while session(manager)["round"] == 1:
        turns.append(current_combatant(manager))
        await advance(manager, 1)
    assert sorted(turns) == ["Goblin 1", "Goblin 2", "Pip"]
    # The next round follows the values rolled.
    values = [entry["value"] for entry in session(manager)["initiative"]]
    assert values == sorted(values, reverse=True)
    assert session(manager)["turn"] == 0


async def test_removing_the_last_combatant_while_they_act_starts_the_next_round(
    manager: StateManager,
) -> None:
    await start(manager)
    await advance(manager, 4)  # Goblin 2, last in the order, acts

    await manager.submit({"kind": "remove_combatant", "actorId": "a_0009"}, GM_CALLER)

    assert (session(manager)["round"], current_combatant(manager)) == (2, "Thorin")


async def test_rolling_for_some_actors_leaves_the_others_unrolled(manager: StateManager) -> None:
    await start(manager)
    pip = actor_named(manager.state, "Pip")

    await manager.submit({"kind": "roll_initiative", "actorIds": [pip]}, GM_CALLER)

    assert order(manager)[0] == "Pip"
    assert [entry["value"] is None for entry in session(manager)["initiative"]] == [
        False,
        True,
        True,
        True,
        True,
    ]


async def test_rolled_values_are_kept_unless_rerolled(manager: StateManager) -> None:
    await start(manager)
    await manager.submit({"kind": "roll_initiative"}, GM_CALLER)
    first = copy.deepcopy(session(manager)["initiative"])

    await manager.submit({"kind": "roll_initiative"}, GM_CALLER)
    assert session(manager)["initiative"] == first

    await manager.submit({"kind": "roll_initiative", "reroll": True}, GM_CALLER)
    rolled = {entry["actorId"]: entry["value"] for entry in first}
    rerolled = {entry["actorId"]: entry["value"] for entry in session(manager)["initiative"]}
    assert rerolled.keys() == rolled.keys()
    assert rerolled != rolled  # the fixture's seeded dice make this deterministic


async def test_rolling_for_an_actor_not_in_the_order_is_not_found(manager: StateManager) -> None:
    await start(manager)
    action = {"kind": "roll_initiative", "actorIds": ["a_0010"]}
    await refused(manager, action, GM_CALLER, NotFound)


async def test_rolling_initiative_with_no_encounter_running_is_invalid(
    manager: StateManager,
) -> None:
    await refused(manager, {"kind": "roll_initiative"}, GM_CALLER, Invalid)


# -- next_turn -----------------------------------------------------------------------


async def test_gm_advances_the_turn(manager: StateManager) -> None:
    await start(manager)

    outcome = await manager.submit({"kind": "next_turn"}, GM_CALLER)

    assert outcome == Applied(2)
    assert current_combatant(manager) == "Elara"
    assert session(manager)["round"] == 1
    assert description(manager) == "GM advanced the turn"


async def test_the_last_turn_of_a_round_starts_the_next_round(manager: StateManager) -> None:
    await start(manager)

    await advance(manager, 5)

    assert (session(manager)["round"], session(manager)["turn"]) == (2, 0)
    assert current_combatant(manager) == "Thorin"


async def test_player_ends_their_own_turn(manager: StateManager) -> None:
    await start(manager)

    await manager.submit({"kind": "next_turn"}, caller("p1"))

    assert current_combatant(manager) == "Elara"
    assert description(manager) == "Alice ended their turn"
    assert manager.version == 2


async def test_player_cannot_end_a_turn_that_is_not_theirs(manager: StateManager) -> None:
    await start(manager)
    error = await refused(manager, {"kind": "next_turn"}, caller("p2"), Forbidden)
    assert "not your turn" in error.message


async def test_player_cannot_end_a_monsters_turn(manager: StateManager) -> None:
    await start(manager)
    await advance(manager, 3)
    await refused(manager, {"kind": "next_turn"}, caller("p1"), Forbidden)


async def test_ending_a_turn_can_need_the_gms_approval(manager: StateManager) -> None:
    await start(manager)
    await manager.submit({"kind": "update_settings", "requireApproval": ["next_turn"]}, GM_CALLER)

    outcome = await manager.submit({"kind": "next_turn"}, caller("p1"))

    assert isinstance(outcome, Queued)
    assert current_combatant(manager) == "Thorin"
    (pending,) = session(manager)["pendingActions"]
    assert pending["kind"] == "next_turn"
    assert pending["summary"] == "Alice ended their turn"


async def test_next_turn_with_no_encounter_running_is_invalid(manager: StateManager) -> None:
    await refused(manager, {"kind": "next_turn"}, GM_CALLER, Invalid)
    await refused(manager, {"kind": "next_turn"}, caller("p1"), Invalid)


async def test_next_turn_with_an_empty_order_is_invalid(manager: StateManager) -> None:
    created = await manager.submit(
        {"kind": "create_encounter", "data": {"name": "Calm"}}, GM_CALLER
    )
    await manager.submit({"kind": "start_encounter", "encounterId": created.extra["id"]}, GM_CALLER)
    await refused(manager, {"kind": "next_turn"}, GM_CALLER, Invalid)


async def test_a_player_who_sees_only_an_empty_order_is_told_it_is_empty(
    manager: StateManager,
) -> None:
    created = await manager.submit(
        {"kind": "create_encounter", "data": {"name": "Shadows"}}, GM_CALLER
    )
    encounter = created.extra["id"]
    boss = actor_named(manager.state, "Goblin Boss")
    add = {"kind": "add_combatant", "actorId": boss, "encounterId": encounter}
    await manager.submit(add, GM_CALLER)
    await manager.submit({"kind": "start_encounter", "encounterId": encounter}, GM_CALLER)

    error = await refused(manager, {"kind": "next_turn"}, caller("p1"), Invalid)

    assert error.message == "the initiative order is empty"


async def test_a_player_cannot_end_the_turn_of_their_own_hidden_character(
    manager: StateManager,
) -> None:
    await start(manager)
    thorin = actor_named(manager.state, "Thorin")
    await manager.submit({"kind": "hide", "collection": "actors", "id": thorin}, GM_CALLER)

    error = await refused(manager, {"kind": "next_turn"}, caller("p1"), Forbidden)

    assert error.message == "it is not your turn"


async def test_next_turn_takes_no_fields(manager: StateManager) -> None:
    await start(manager)
    await refused(manager, {"kind": "next_turn", "skip": 2}, GM_CALLER, Invalid)


# -- conditions that last some rounds ------------------------------------------------

THORIN, BOSS = "a_0005", "a_0010"


async def afflict(
    manager: StateManager, actor_id: str, *conditions: tuple[str, int | None]
) -> None:
    listed = [{"name": name, "rounds": rounds, "note": ""} for name, rounds in conditions]
    await manager.submit(
        {"kind": "update_actor", "id": actor_id, "set": {"conditions": listed}}, GM_CALLER
    )


def conditions(manager: StateManager, actor_id: str = THORIN) -> list[tuple[str, int | None]]:
    return [(c["name"], c["rounds"]) for c in manager.state["actors"][actor_id]["conditions"]]


def chat(manager: StateManager) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = session(manager)["chatMessages"]
    return messages


async def test_a_conditions_rounds_count_down_when_its_owners_turn_ends(
    manager: StateManager,
) -> None:
    await afflict(manager, THORIN, ("Poisoned", 2), ("Blessed", None), ("Prone", 1))
    await start(manager)
    version = manager.version

    await advance(manager, 1)  # Thorin's turn ends

    assert manager.version == version + 1  # one change: turn, conditions and chat
    assert conditions(manager) == [("Poisoned", 1), ("Blessed", None)]
    (told,) = chat(manager)
    assert (told["from"], told["fromName"], told["to"]) == ("system", "Host", None)
    assert told["text"] == "Thorin is no longer Prone."
    await advance(manager, 4)  # the others' turns leave Thorin's conditions alone
    assert conditions(manager) == [("Poisoned", 1), ("Blessed", None)]
    await advance(manager, 1)
    assert conditions(manager) == [("Blessed", None)]
    assert chat(manager)[-1]["text"] == "Thorin is no longer Poisoned."


async def test_several_conditions_ending_together_make_one_line(manager: StateManager) -> None:
    await afflict(manager, THORIN, ("Blinded", 1), ("Poisoned", 1), ("Prone", 1))
    await start(manager)

    await advance(manager, 1)

    assert [m["text"] for m in chat(manager)] == ["Thorin is no longer Blinded, Poisoned or Prone."]


async def test_a_player_ending_their_own_turn_counts_their_conditions_down(
    manager: StateManager,
) -> None:
    await afflict(manager, THORIN, ("Poisoned", 1))
    await start(manager)

    await manager.submit({"kind": "next_turn"}, caller("p1"))

    assert conditions(manager) == []
    assert chat(manager)[-1]["text"] == "Thorin is no longer Poisoned."


async def test_going_back_a_turn_does_not_bring_a_condition_back(manager: StateManager) -> None:
    await afflict(manager, THORIN, ("Poisoned", 1))
    await start(manager)
    await advance(manager, 1)

    await manager.submit({"kind": "prev_turn"}, GM_CALLER)

    assert current_combatant(manager) == "Thorin"
    assert conditions(manager) == []


async def test_undoing_the_turn_brings_the_condition_back(manager: StateManager) -> None:
    await afflict(manager, THORIN, ("Poisoned", 1))
    await start(manager)
    await advance(manager, 1)

    await manager.submit({"kind": "undo"}, GM_CALLER)

    assert current_combatant(manager) == "Thorin"
    assert conditions(manager) == [("Poisoned", 1)]
    assert chat(manager) == []


async def test_a_hidden_actors_condition_ends_in_a_whisper_to_the_gm(
    manager: StateManager,
) -> None:
    await afflict(manager, BOSS, ("Enraged", 1))
    await manager.submit(
        {"kind": "add_combatant", "actorId": BOSS, "encounterId": AMBUSH}, GM_CALLER
    )
    await start(manager)
    await advance(manager, 5)  # the boss, last, acts
    bob_view, bob_frames = await follow(manager, player("p2"))

    await advance(manager, 1)

    told = chat(manager)[-1]
    assert (told["text"], told["to"]) == ("Goblin Boss is no longer Enraged.", "gm")
    (frame,) = bob_frames
    # The round turns over; nothing of the boss, its condition or the whisper.
    assert frame.ops == [{"op": "replace", "path": "/currentSession/round", "value": 2}]
    assert (frame.by, frame.description) == (None, None)
    assert same_view(manager, player("p2"), replay(bob_view, bob_frames))


# -- prev_turn -----------------------------------------------------------------------


async def test_gm_goes_back_a_turn(manager: StateManager) -> None:
    await start(manager)
    await advance(manager, 2)

    await manager.submit({"kind": "prev_turn"}, GM_CALLER)

    assert current_combatant(manager) == "Elara"
    assert description(manager) == "GM went back a turn"
    assert manager.version == 4


async def test_going_back_from_a_rounds_first_turn_returns_to_the_last_round(
    manager: StateManager,
) -> None:
    await start(manager)
    await advance(manager, 5)

    await manager.submit({"kind": "prev_turn"}, GM_CALLER)

    assert (session(manager)["round"], current_combatant(manager)) == (1, "Goblin 2")


async def test_going_back_from_the_first_turn_is_invalid(manager: StateManager) -> None:
    await start(manager)
    await refused(manager, {"kind": "prev_turn"}, GM_CALLER, Invalid)


async def test_prev_turn_with_no_encounter_running_is_invalid(manager: StateManager) -> None:
    await refused(manager, {"kind": "prev_turn"}, GM_CALLER, Invalid)


# -- end_encounter -------------------------------------------------------------------


async def test_gm_ends_the_encounter(manager: StateManager) -> None:
    await start(manager)
    await manager.submit({"kind": "roll_initiative"}, GM_CALLER)
    await advance(manager, 6)

    await manager.submit({"kind": "end_encounter"}, GM_CALLER)

    assert manager.state["encounters"][AMBUSH]["status"] == "completed"
    current = session(manager)
    assert current["activeEncounterId"] is None
    assert (current["initiative"], current["round"], current["turn"]) == ([], 0, 0)
    assert description(manager) == "GM ended the encounter Ambush at the Crossroads"


async def test_ending_with_no_encounter_running_is_invalid(manager: StateManager) -> None:
    await refused(manager, {"kind": "end_encounter"}, GM_CALLER, Invalid)


# -- only the GM ---------------------------------------------------------------------

GM_ACTIONS = [
    {"kind": "start_encounter", "encounterId": AMBUSH},
    {"kind": "add_combatant", "actorId": "a_0010"},
    {"kind": "remove_combatant", "actorId": "a_0005"},
    {"kind": "roll_initiative"},
    {"kind": "prev_turn"},
    {"kind": "end_encounter"},
]


@pytest.mark.parametrize("action", GM_ACTIONS, ids=[a["kind"] for a in GM_ACTIONS])
async def test_player_cannot_run_combat(manager: StateManager, action: dict[str, Any]) -> None:
    await start(manager)
    await advance(manager, 1)
    await refused(manager, action, caller("p2"), Forbidden)


# -- every combatant present for a whole round gets exactly one turn in it ----------

FIGHT_KINDS = [
    "next_turn",
    "next_turn",
    "next_turn",
    "next_turn",
    "roll",
    "reroll",
    "reroll_some",
    "add",
    "add",
    "remove",
]


def fight_state() -> dict[str, Any]:
    """The demo table with four more monsters waiting to join the fight."""
    state = table_state()
    for index in range(4):
        actor_id = f"a_wolf{index}"
        state["actors"][actor_id] = {
            **copy.deepcopy(state["actors"]["a_0008"]),
            "id": actor_id,
            "name": f"Wolf {index}",
            "initiativeBonus": index,
        }
    return state


def fight_action(state: dict[str, Any], kind: str, rng: random.Random) -> dict[str, Any]:
    fighting = [entry["actorId"] for entry in state["currentSession"]["initiative"]]
    if kind == "roll":
        return {"kind": "roll_initiative"}
    if kind == "reroll":
        return {"kind": "roll_initiative", "reroll": True}
    if kind == "reroll_some":
        some = rng.sample(fighting, min(len(fighting), rng.randint(1, 3)))
        return {"kind": "roll_initiative", "actorIds": some, "reroll": rng.random() < 0.5}
    if kind == "add":
        waiting = [a for a in state["actors"] if a not in fighting]
        actor = rng.choice(waiting) if waiting else "a_none"
        return {
            "kind": "add_combatant",
            "actorId": actor,
            "initiative": rng.choice([None, *range(25)]),
        }
    if kind == "remove":
        return {"kind": "remove_combatant", "actorId": rng.choice(fighting or ["a_none"])}
    return {"kind": kind}


async def fight(steps: list[tuple[str, random.Random]]) -> None:
    manager = StateManager(fight_state(), rng=random.Random(5), make_id=ids("n"), clock=lambda: 1)
    await start(manager)
    current = manager.state["currentSession"]

    def fighting() -> list[str]:
        return [entry["actorId"] for entry in current["initiative"]]

    present, left, ended = set(fighting()), set(), Counter[str]()
    for kind, rng in steps:
        action = fight_action(dict(manager.state), kind, rng)
        acting = fighting()[current["turn"]] if fighting() else None
        round_before = current["round"]
        try:
            await manager.submit(action, GM_CALLER)
        except ActionError:
            continue
        if action["kind"] == "next_turn":
            ended[acting] += 1
        if action["kind"] == "remove_combatant":
            left.add(action["actorId"])
        for actor_id in present - left:
            assert ended[actor_id] <= 1, f"{actor_id} had two turns in round {round_before}"
        if current["round"] != round_before:
            for actor_id in present - left:
                assert ended[actor_id] == 1, f"{actor_id} had no turn in round {round_before}"
            present, left, ended = set(fighting()), set(), Counter()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(FIGHT_KINDS), st.randoms(use_true_random=True)), max_size=80)
)
def test_every_combatant_present_for_a_whole_round_gets_exactly_one_turn_in_it(
    steps: list[tuple[str, random.Random]],
) -> None:
    asyncio.run(fight(steps))
