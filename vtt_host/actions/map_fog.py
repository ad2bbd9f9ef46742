"""The GM's fog of war: switch it on or off for a map, reveal or cover cells.

A reveal changes each row it touches with one op (fog.py keeps rows as runs), so
revealing a room of a thousand cells is a few dozen small ops, whatever the map's size.
"""

from __future__ import annotations

from typing import Any

from vtt_host.actions._common import find_entity, op
from vtt_host.actions.context import Caller, Compiled, Context
from vtt_host.actions.models import PaintFog, SetFog
from vtt_host.errors import Invalid
from vtt_host.fog import Area, painted_rows

MAX_PAINTED_ROWS = 20_000
"""Rows of all areas of one action together: every row is worked on while the table
waits, and a brush stroke or a whole map is far fewer."""


def set_fog(state: dict[str, Any], action: SetFog, caller: Caller, ctx: Context) -> Compiled:
    game_map = find_entity(state, "maps", action.map_id, caller)
    if game_map["fog"]["enabled"] == action.enabled:
        state_word = "on" if action.enabled else "off"
        raise Invalid(f"the fog of {game_map['name']} is already {state_word}")
    word = "covered" if action.enabled else "uncovered"
    return Compiled(
        [op("replace", "maps", action.map_id, "fog", "enabled", value=action.enabled)],
        f"GM {word} {game_map['name']} with fog"
        if action.enabled
        else f"GM lifted the fog of {game_map['name']}",
        mentions=(("maps", action.map_id),),
    )


def paint_fog(state: dict[str, Any], action: PaintFog, caller: Caller, ctx: Context) -> Compiled:
    game_map = find_entity(state, "maps", action.map_id, caller)
    grid = game_map["grid"]
    areas = [
        clipped
        for area in action.areas
        if (
            clipped := Area(area.x, area.y, area.width, area.height).clipped(
                grid["width"], grid["height"]
            )
        )
        is not None
    ]
    if not areas:
        raise Invalid(f"every area lies outside the {grid['width']} x {grid['height']} grid")
    if sum(area.height for area in areas) > MAX_PAINTED_ROWS:
        raise Invalid(f"paint at most {MAX_PAINTED_ROWS:,} rows of squares at once")
    rows = game_map["fog"]["revealed"]
    changed = painted_rows(rows, areas, reveal=action.reveal)
    ops = []
    for key, runs in changed.items():
        value = [list(run) for run in runs]
        if not runs:
            ops.append(op("remove", "maps", action.map_id, "fog", "revealed", key))
        else:
            name = "replace" if key in rows else "add"
            ops.append(op(name, "maps", action.map_id, "fog", "revealed", key, value=value))
    if not ops:
        word = "revealed" if action.reveal else "in fog"
        raise Invalid(f"those squares of {game_map['name']} are already {word}")
    verb = "revealed" if action.reveal else "covered"
    return Compiled(
        ops,
        f"GM {verb} part of {game_map['name']}",
        mentions=(("maps", action.map_id),),
    )
