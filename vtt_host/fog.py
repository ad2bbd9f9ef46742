"""Fog of war on the current map, as players see it (schema version 3's ``maps[].fog``).

``fog = {"enabled": bool, "revealed": {"<y>": [[x0, x1], ...]}}``: rows keyed by the
row index as a decimal string, each a sorted list of disjoint half-open runs of
revealed cells. A map without fog, or with it disabled, fogs nothing.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Any


def cell_fogged(state: dict[str, Any], x: int, y: int) -> bool:
    """Whether the cell of the current map is fog for players (False without a map)."""
    map_id = state.get("currentSession", {}).get("currentMapId")
    game_map = state.get("maps", {}).get(map_id) if map_id is not None else None
    if game_map is None:
        return False
    fog = game_map.get("fog")
    if not fog or not fog.get("enabled"):
        return False
    runs = fog.get("revealed", {}).get(str(y), [])
    index = bisect_right([run[0] for run in runs], x) - 1
    return not (index >= 0 and runs[index][0] <= x < runs[index][1])


def point_fogged(state: dict[str, Any], x: float, y: float) -> bool:
    """Whether the cell under a point given in cell units is fog for players."""
    return cell_fogged(state, math.floor(x), math.floor(y))
