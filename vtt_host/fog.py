"""Fog of war: which cells of a map players see, and which tokens it hides from them.

A map's ``fog`` is ``{"enabled": bool, "revealed": {"<y>": [[x0, x1], ...]}}``: for
each row that has revealed cells (keyed by the row's index as a decimal string), the
sorted, disjoint, non-touching half-open runs ``[x0, x1)`` of revealed cells. A cell is
fog while fog is enabled and no run of its row holds it. Rows keep patches small: a
reveal changes only the rows it touches, one op each, whatever the map's size.

Fog is the same for every player. It hides, on the current map, the token and the
actor of everything that is not a player character (``type`` other than "character"
and no owner) standing on a fogged cell: players receive neither until it stands where
they can see (views.py, references.py). What players' own characters stand on, they
see. The map's picture is not cut: players draw the fog over it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

SESSION = "currentSession"
Run = tuple[int, int]
Rows = dict[str, list[list[int]]]


@dataclass(frozen=True, slots=True)
class Area:
    """A rectangle of cells: ``width`` x ``height`` from (x, y)."""

    x: int
    y: int
    width: int
    height: int

    def clipped(self, columns: int, rows: int) -> Area | None:
        """The part inside a grid of ``columns`` x ``rows``, or None if nothing is."""
        left, top = max(self.x, 0), max(self.y, 0)
        right, bottom = min(self.x + self.width, columns), min(self.y + self.height, rows)
        if right <= left or bottom <= top:
            return None
        return Area(left, top, right - left, bottom - top)


# -- runs of one row ------------------------------------------------------------------


def merge_runs(runs: Iterable[Run]) -> list[Run]:
    """Sorted, disjoint, non-touching runs covering the same cells."""
    merged: list[list[int]] = []
    for start, end in sorted(runs):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def subtract_runs(runs: Iterable[Run], cut: Iterable[Run]) -> list[Run]:
    """The cells of ``runs`` outside ``cut``, as merged runs."""
    kept: list[Run] = []
    cuts = merge_runs(cut)
    for start, end in merge_runs(runs):
        pieces = [(start, end)]
        for cut_start, cut_end in cuts:
            pieces = [
                part
                for lo, hi in pieces
                for part in ((lo, min(hi, cut_start)), (max(lo, cut_end), hi))
                if part[0] < part[1]
            ]
        kept.extend(pieces)
    return merge_runs(kept)


def row_runs(value: Any) -> list[Run]:
    """A stored row as runs; anything that is not one (a patch halfway through) is none."""
    if not isinstance(value, list):
        return []
    runs: list[Run] = []
    for run in value:
        if (
            isinstance(run, list)
            and len(run) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in run)
        ):
            runs.append((run[0], run[1]))
    return runs


def in_runs(value: Any, x: int) -> bool:
    if not isinstance(value, list):
        return False
    for run in value:
        if isinstance(run, list) and len(run) == 2:
            start, end = run
            if isinstance(start, int) and isinstance(end, int) and start <= x < end:
                return True
    return False


# -- a map's fog ----------------------------------------------------------------------


def fog_of(map_data: Any) -> dict[str, Any] | None:
    """The map's fog while it is enabled, else None."""
    if not isinstance(map_data, dict):
        return None
    fog = map_data.get("fog")
    if not isinstance(fog, dict) or fog.get("enabled") is not True:
        return None
    return fog


def map_cell_fogged(map_data: Any, x: int, y: int) -> bool:
    fog = fog_of(map_data)
    if fog is None:
        return False
    rows = fog.get("revealed")
    return not (isinstance(rows, dict) and in_runs(rows.get(str(y)), x))


def current_map(state: dict[str, Any]) -> Any:
    session = state.get(SESSION)
    maps = state.get("maps")
    if not isinstance(session, dict) or not isinstance(maps, dict):
        return None
    map_id = session.get("currentMapId")
    return maps.get(map_id) if isinstance(map_id, str) else None


def cell_fogged(state: dict[str, Any], x: int, y: int) -> bool:
    """Whether the cell of the current map is fog for players (False without a current
    map or with its fog off)."""
    return map_cell_fogged(current_map(state), x, y)


def point_fogged(state: dict[str, Any], x: float, y: float) -> bool:
    """Whether the cell under a point (in cell units) of the current map is fog."""
    if not (math.isfinite(x) and math.isfinite(y)):
        return True
    return cell_fogged(state, math.floor(x), math.floor(y))


def fog_hideable(actor: Any) -> bool:
    """Whether fog may hide this actor: anything but a player character or an actor a
    player owns."""
    return (
        isinstance(actor, dict) and actor.get("type") != "character" and actor.get("owner") is None
    )


def in_fog(state: dict[str, Any], actor_id: str) -> bool:
    """Whether fog hides the actor from players: it may be hidden, and its token stands
    on a fogged cell of the current map."""
    actors = state.get("actors")
    if not isinstance(actors, dict) or not fog_hideable(actors.get(actor_id)):
        return False
    session = state.get(SESSION)
    positions = session.get("tokenPositions") if isinstance(session, dict) else None
    position = positions.get(actor_id) if isinstance(positions, dict) else None
    if not isinstance(position, dict):
        return False
    x, y = position.get("x"), position.get("y")
    if not isinstance(x, int) or not isinstance(y, int):
        return fog_of(current_map(state)) is not None  # halfway through a patch
    return map_cell_fogged(current_map(state), x, y)


def fog_candidates(state: dict[str, Any]) -> Iterator[str]:
    """Actors whose visibility the current map's fog may decide: every positioned actor
    fog may hide (whether it stands in fog now or not)."""
    session = state.get(SESSION)
    positions = session.get("tokenPositions") if isinstance(session, dict) else None
    actors = state.get("actors")
    if not isinstance(positions, dict) or not isinstance(actors, dict):
        return
    for actor_id in positions:
        if fog_hideable(actors.get(actor_id)):
            yield actor_id


# -- painting -------------------------------------------------------------------------


def painted_rows(rows: Any, areas: Iterable[Area], *, reveal: bool) -> dict[str, list[Run]]:
    """The rows whose runs change when ``areas`` are revealed (or fogged again), each
    with its new runs (an empty list: the row has no revealed cell left)."""
    by_row: dict[int, list[Run]] = {}
    for area in areas:
        for y in range(area.y, area.y + area.height):
            by_row.setdefault(y, []).append((area.x, area.x + area.width))
    stored = rows if isinstance(rows, dict) else {}
    changed: dict[str, list[Run]] = {}
    for y, runs in sorted(by_row.items()):
        key = str(y)
        before = merge_runs(row_runs(stored.get(key)))
        after = merge_runs([*before, *runs]) if reveal else subtract_runs(before, runs)
        if after != before:
            changed[key] = after
    return changed


def revealed_cells(rows: Any) -> int:
    """How many cells the rows reveal."""
    if not isinstance(rows, dict):
        return 0
    return sum(end - start for value in rows.values() for start, end in merge_runs(row_runs(value)))
