"""Fog of war: painting cells, and the tokens fog hides from players."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.vtt_host.conftest import actor_named, caller, refused
from tests.vtt_host.test_views import follow, replay, same_view
from vtt_host.actions import GM_CALLER
from vtt_host.errors import Forbidden, Invalid, NotFound
from vtt_host.fog import Area, cell_fogged, merge_runs, painted_rows, point_fogged, subtract_runs
from vtt_host.manager import Applied, StateManager
from vtt_host.migrations import migrate
from vtt_host.schema import validate_state
from vtt_host.views import GM, player, view

MAP = "m_0011"  # the demo's current map, 24 x 16


async def gm(manager: StateManager, **action: Any) -> Applied:
    outcome = await manager.submit(action, GM_CALLER)
    assert isinstance(outcome, Applied)
    return outcome


async def fog_on(manager: StateManager) -> None:
    await gm(manager, kind="set_fog", mapId=MAP, enabled=True)


async def reveal(manager: StateManager, x: int, y: int, width: int, height: int) -> Applied:
    areas = [{"x": x, "y": y, "width": width, "height": height}]
    return await gm(manager, kind="paint_fog", mapId=MAP, reveal=True, areas=areas)


def seen_by(manager: StateManager, player_id: str) -> dict[str, Any]:
    return view(dict(manager.state), player(player_id))


# -- rows of runs ---------------------------------------------------------------------


def test_runs_merge_when_they_overlap_or_touch() -> None:
    assert merge_runs([(5, 8), (0, 2), (2, 4), (7, 10)]) == [(0, 4), (5, 10)]
    assert subtract_runs([(0, 10)], [(3, 5), (9, 12)]) == [(0, 3), (5, 9)]


cells = st.sets(st.tuples(st.integers(0, 11), st.integers(0, 7)), max_size=40)
areas = st.lists(
    st.builds(
        Area,
        st.integers(-2, 12),
        st.integers(-2, 8),
        st.integers(1, 6),
        st.integers(1, 4),
    ),
    min_size=1,
    max_size=4,
)


def rows_of(revealed: set[tuple[int, int]]) -> dict[str, list[list[int]]]:
    rows: dict[str, list[list[int]]] = {}
    for y in sorted({y for _, y in revealed}):
        runs = merge_runs((x, x + 1) for x, row in revealed if row == y)
        rows[str(y)] = [list(run) for run in runs]
    return rows


@given(cells, areas, st.booleans())
def test_painting_reveals_or_covers_exactly_the_painted_cells(
    revealed: set[tuple[int, int]], painted: list[Area], reveal_them: bool
) -> None:
    rows = rows_of(revealed)
    clipped = [c for a in painted if (c := a.clipped(12, 8)) is not None]
    touched = {
        (x, y)
        for a in clipped
        for x in range(a.x, a.x + a.width)
        for y in range(a.y, a.y + a.height)
    }
    expected = revealed | touched if reveal_them else revealed - touched
    after = {**rows}
    for key, runs in painted_rows(rows, clipped, reveal=reveal_them).items():
        if runs:
            after[key] = [list(run) for run in runs]
        else:
            del after[key]
    assert after == rows_of(expected)


# -- the document ---------------------------------------------------------------------


def test_a_version_2_campaign_opens_with_fog_off_and_the_ruler_at_5_ft(
    manager: StateManager,
) -> None:
    old = json.loads(json.dumps(dict(manager.state)))
    old["schemaVersion"] = 2
    for game_map in old["maps"].values():
        del game_map["fog"], game_map["measure"]
    current = validate_state(migrate(old))
    assert current["maps"][MAP]["fog"] == {"enabled": False, "revealed": {}}
    assert current["maps"][MAP]["measure"] == {"perCell": 5, "unit": "ft", "diagonal": "5-5-5"}


@pytest.mark.parametrize(
    ("revealed", "problem"),
    [
        ({"16": [[0, 1]]}, "not a row"),
        ({"03": [[0, 1]]}, "not a row"),
        ({"x": [[0, 1]]}, "not a row"),
        ({"2": []}, "empty"),
        ({"2": [[3, 3]]}, "sorted"),
        ({"2": [[0, 25]]}, "within"),
        ({"2": [[4, 6], [0, 2]]}, "sorted"),
        ({"2": [[0, 2], [2, 4]]}, "apart"),
    ],
)
async def test_fog_rows_that_do_not_fit_the_grid_are_refused(
    manager: StateManager, revealed: dict[str, Any], problem: str
) -> None:
    ops = [{"op": "replace", "path": f"/maps/{MAP}/fog/revealed", "value": revealed}]
    error = await refused(manager, {"kind": "patch", "ops": ops}, GM_CALLER, Invalid)
    assert problem in error.message


# -- the GM's actions -----------------------------------------------------------------


async def test_revealing_a_thousand_squares_is_one_small_patch_per_player(
    manager: StateManager,
) -> None:
    await gm(
        manager,
        kind="update_map",
        id=MAP,
        set={"grid": {**manager.state["maps"][MAP]["grid"], "width": 60, "height": 40}},
    )
    await fog_on(manager)
    _, frames = await follow(manager, player("p1"))

    await reveal(manager, 20, 12, 40, 25)  # where nobody stands

    assert len(frames) == 1
    size = len(json.dumps(frames[0].ops, separators=(",", ":")))
    assert size <= 2048, f"{size} bytes for 1,000 squares"
    assert not cell_fogged(dict(manager.state), 20, 12)
    assert not cell_fogged(dict(manager.state), 59, 36)
    assert cell_fogged(dict(manager.state), 19, 36)
    assert cell_fogged(dict(manager.state), 20, 37)


async def test_painting_areas_outside_the_map_or_already_revealed_is_refused(
    manager: StateManager,
) -> None:
    await fog_on(manager)
    outside = [{"x": 30, "y": 0, "width": 2, "height": 2}]
    action = {"kind": "paint_fog", "mapId": MAP, "reveal": True, "areas": outside}
    assert "outside" in (await refused(manager, action, GM_CALLER, Invalid)).message
    await reveal(manager, 0, 0, 3, 3)
    again = {**action, "areas": [{"x": 1, "y": 1, "width": 1, "height": 1}]}
    assert "already revealed" in (await refused(manager, again, GM_CALLER, Invalid)).message


async def test_only_the_gm_paints_fog(manager: StateManager) -> None:
    area = [{"x": 0, "y": 0, "width": 24, "height": 16}]
    painting = {"kind": "paint_fog", "mapId": MAP, "reveal": True, "areas": area}
    await refused(manager, painting, caller("p1"), Forbidden)
    switching = {"kind": "set_fog", "mapId": MAP, "enabled": False}
    await refused(manager, switching, caller("p1"), Forbidden)


async def test_fog_of_a_missing_map_is_not_found(manager: StateManager) -> None:
    action = {"kind": "set_fog", "mapId": "m_nowhere", "enabled": True}
    await refused(manager, action, GM_CALLER, NotFound)


async def test_points_are_fogged_by_the_cell_under_them(manager: StateManager) -> None:
    await fog_on(manager)
    await reveal(manager, 2, 2, 1, 1)
    state = dict(manager.state)
    assert not point_fogged(state, 2.0, 2.99)
    assert point_fogged(state, 3.0, 2.5)
    assert point_fogged(state, float("nan"), 2.5)


# -- what players see -------------------------------------------------------------------


async def test_a_monster_in_fog_is_not_in_a_players_view_until_its_square_is_revealed(
    manager: StateManager,
) -> None:
    goblin = actor_named(manager.state, "Goblin 1")  # at (14, 6)
    thorin = actor_named(manager.state, "Thorin")  # Alice's hero at (3, 10)
    await gm(manager, kind="start_encounter", encounterId="e_0013")
    start, frames = await follow(manager, player("p1"))

    await fog_on(manager)

    seen = seen_by(manager, "p1")
    assert goblin not in seen["actors"]
    assert goblin not in seen["currentSession"]["tokenPositions"]
    assert goblin not in {entry["actorId"] for entry in seen["currentSession"]["initiative"]}
    assert thorin in seen["currentSession"]["tokenPositions"]  # her own, even in fog
    received = json.dumps([f.ops for f in frames] + [f.description for f in frames])
    assert received.count(goblin) == 2  # its token and the actor taken off, nothing else

    await reveal(manager, 12, 5, 4, 3)
    assert seen_by(manager, "p1")["currentSession"]["tokenPositions"][goblin] == {"x": 14, "y": 6}
    assert seen_by(manager, "p1")["actors"][goblin]["name"] == "Goblin 1"
    assert same_view(manager, player("p1"), replay(start, frames))


async def test_a_token_walking_into_fog_vanishes_and_its_move_is_not_told(
    manager: StateManager,
) -> None:
    goblin = actor_named(manager.state, "Goblin 1")
    await fog_on(manager)
    await reveal(manager, 10, 4, 8, 4)
    start, frames = await follow(manager, player("p2"))

    await gm(manager, kind="move_token", tokenId=goblin, x=20, y=12)

    assert goblin not in seen_by(manager, "p2")["actors"]
    assert "(20, 12)" not in json.dumps([f.description for f in frames])
    assert '"x": 20' not in json.dumps([f.ops for f in frames])

    await gm(manager, kind="move_token", tokenId=goblin, x=21, y=13)  # still in fog
    assert frames[-1].ops == []

    await gm(manager, kind="move_token", tokenId=goblin, x=11, y=5)  # back into the light
    assert seen_by(manager, "p2")["currentSession"]["tokenPositions"][goblin] == {"x": 11, "y": 5}
    assert same_view(manager, player("p2"), replay(start, frames))


async def test_an_npc_given_to_a_player_is_seen_in_fog_and_hides_again_when_taken_back(
    manager: StateManager,
) -> None:
    goblin = actor_named(manager.state, "Goblin 2")
    await fog_on(manager)
    start, frames = await follow(manager, player("p3"))

    await gm(manager, kind="assign_actor", actorId=goblin, playerId="p1")
    assert goblin in seen_by(manager, "p3")["currentSession"]["tokenPositions"]
    await gm(manager, kind="assign_actor", actorId=goblin, playerId=None)
    assert goblin not in seen_by(manager, "p3")["actors"]
    assert same_view(manager, player("p3"), replay(start, frames))


async def test_the_gm_sees_everything_in_fog(manager: StateManager) -> None:
    await fog_on(manager)
    assert view(dict(manager.state), GM) is manager.state or view(dict(manager.state), GM) == dict(
        manager.state
    )
    boss = actor_named(manager.state, "Goblin 1")
    assert boss in view(dict(manager.state), GM)["currentSession"]["tokenPositions"]


async def test_switching_maps_brings_fogged_tokens_back(manager: StateManager) -> None:
    goblin = actor_named(manager.state, "Goblin 1")
    await fog_on(manager)
    start, frames = await follow(manager, player("p1"))

    await gm(manager, kind="set_current_map", mapId="m_0012")  # fog off there

    assert goblin in seen_by(manager, "p1")["currentSession"]["tokenPositions"]
    assert same_view(manager, player("p1"), replay(start, frames))


async def test_a_player_cannot_read_a_fogged_monster_through_an_error(
    manager: StateManager,
) -> None:
    goblin = actor_named(manager.state, "Goblin 1")
    await fog_on(manager)
    move = {"kind": "move_token", "tokenId": goblin, "x": 1, "y": 1}
    error = await refused(manager, move, caller("p1"), NotFound)
    assert "Goblin" not in error.message
    absent = {"kind": "move_token", "tokenId": "a_nobody", "x": 1, "y": 1}
    assert (
        await refused(manager, absent, caller("p1"), NotFound)
    ).message == error.message.replace(goblin, "a_nobody")


async def test_a_paint_too_large_to_do_at_once_is_refused_and_changes_nothing(
    manager: StateManager,
) -> None:
    await fog_on(manager)
    tall = [{"x": 0, "y": 0, "width": 24, "height": 16}] * 2000  # 32,000 rows
    action = {"kind": "paint_fog", "mapId": MAP, "reveal": True, "areas": tall}
    assert "at most 20,000 rows" in (await refused(manager, action, GM_CALLER, Invalid)).message
