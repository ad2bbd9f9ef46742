"""The library's rows and what its actions compute, from real campaign documents."""

from __future__ import annotations

import pytest

from tests.tui.conftest import actor_id, table_state
from tui import catalogue
from vtt_host.errors import Invalid


def test_every_entity_is_a_row_sorted_by_kind_then_name() -> None:
    state = table_state()
    rows = catalogue.rows(state)
    count = sum(len(state[c]) for c in ("actors", "items", "maps", "encounters"))
    assert len(rows) == count
    kinds = [row.kind for row in rows]
    assert kinds == sorted(kinds, key=catalogue.KINDS.index)
    pcs = [row.name for row in rows if row.kind == "character"]
    assert pcs == ["Elara", "Pip", "Thorin"]


def test_hidden_entities_current_map_and_running_encounter_are_marked() -> None:
    rows = {row.name: row for row in catalogue.rows(table_state())}
    assert rows["Goblin Boss"].hidden
    assert rows["Goblin Lair"].hidden
    assert rows["Crossroads"].current
    assert "Players see this map now" in rows["Crossroads"].facts
    assert rows["Ambush at the Crossroads"].current
    assert not rows["Thorin"].hidden


def test_an_actors_row_holds_its_owner_numbers_and_gm_notes() -> None:
    rows = {row.name: row for row in catalogue.rows(table_state())}
    thorin = rows["Thorin"]
    assert "Played by Alice" in thorin.facts
    assert thorin.summary.startswith("Alice · HP 9/12")
    assert "Conditions: Poisoned (3)" in thorin.facts
    assert thorin.placed
    assert rows["Goblin Boss"].gm_notes == "Flees below 5 hit points."


def test_filter_narrows_by_name_and_kind() -> None:
    rows = catalogue.rows(table_state())
    assert [r.name for r in catalogue.matching(rows, "GOB")] == [
        "Goblin 1",
        "Goblin 2",
        "Goblin Boss",
        "Goblin Lair",
    ]
    assert [r.name for r in catalogue.matching(rows, "gob", "map")] == ["Goblin Lair"]
    assert {r.kind for r in catalogue.matching(rows, "", "actors")} == {"character", "monster"}


def test_delete_of_an_actor_names_its_token_order_and_encounter() -> None:
    state = table_state()
    lines = catalogue.delete_impact(state, "actors", actor_id(state, "Thorin"))
    assert lines == [
        "its token on the map",
        "its place in the running initiative order",
        "its place among the combatants of Ambush at the Crossroads",
    ]


def test_delete_of_an_item_names_who_carries_it() -> None:
    state = table_state()
    potion = next(i for i, item in state["items"].items() if item["name"] == "Potion of Healing")
    assert catalogue.delete_impact(state, "items", potion) == [
        "what Elara carries of it",
        "what Pip carries of it",
    ]


def test_delete_of_the_current_map_says_players_lose_it() -> None:
    state = table_state()
    crossroads = state["currentSession"]["currentMapId"]
    assert catalogue.delete_impact(state, "maps", crossroads) == [
        "the map players see now: they will see no map",
        "its use as the map of Ambush at the Crossroads",
    ]


def test_delete_of_the_running_encounter_is_refused_as_the_host_would() -> None:
    state = table_state()
    running = state["currentSession"]["activeEncounterId"]
    with pytest.raises(Invalid, match="end the encounter"):
        catalogue.delete_impact(state, "encounters", running)


def test_nothing_else_is_named_for_an_unlinked_entity() -> None:
    state = table_state()
    rope = next(i for i, item in state["items"].items() if item["name"] == "Hempen Rope")
    state["actors"][actor_id(state, "Thorin")]["inventory"] = []
    assert catalogue.delete_impact(state, "items", rope) == []


def test_copy_names_count_up() -> None:
    assert catalogue.copy_name(["Goblin 1", "Goblin 2"], "Goblin 2") == "Goblin 3"
    assert catalogue.copy_name(["Goblin 1", "Goblin 2", "goblin 3"], "Goblin 1") == "Goblin 4"
    assert catalogue.copy_name(["Thorin"], "Thorin") == "Thorin 2"
    assert len(catalogue.copy_name([], "x" * 200)) == 200


def test_a_copy_is_nobodys_and_a_copied_encounter_is_a_draft() -> None:
    state = table_state()
    copy = catalogue.duplicate(state, "actors", actor_id(state, "Thorin"))
    assert copy["name"] == "Thorin 2"
    assert copy["owner"] is None
    assert "id" not in copy
    assert copy["conditions"] == [{"name": "Poisoned", "rounds": 3, "note": ""}]
    running = state["currentSession"]["activeEncounterId"]
    assert catalogue.duplicate(state, "encounters", running)["status"] == "draft"


def test_free_cell_skips_tokens_and_needs_a_current_map() -> None:
    state = table_state()
    state["currentSession"]["tokenPositions"] = {
        actor_id(state, "Thorin"): {"x": 0, "y": 0},
        actor_id(state, "Elara"): {"x": 1, "y": 0},
    }
    assert catalogue.free_cell(state) == (2, 0)
    state["currentSession"]["currentMapId"] = None
    assert catalogue.free_cell(state) is None


def test_handout_sharing_reads_as_the_gm_says_it() -> None:
    state = table_state()
    handout = {"id": "h_1", "name": "Letter", "hidden": False, "sharedWith": ["p_bob"]}
    assert catalogue.sharing_text(state, handout) == "shared with Bob"
    assert catalogue.sharing_text(state, {**handout, "sharedWith": None}) == (
        "shared with everyone"
    )
    assert catalogue.sharing_text(state, {**handout, "hidden": True}) == "hidden"
