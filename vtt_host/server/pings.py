"""Map pings: "look here" on the current map, to the table, never campaign state.

A ping changes nothing and is journaled nowhere; it is a frame the host passes on.
Who it reaches follows what players may see: a ping on a fogged cell reaches only the
GM's connections and the sender (the sender gets its own ping back either way, so it
learns nothing from the answer), and so does any ping while the current map is hidden.
To a player the hidden map does not exist, so their copy names no map and the host
does not hold their point against the hidden map's size. Each connection may ping in
bursts of 5, then 2 a second; past that pings are dropped, with one ``rate_limited``
error per burst. Everything here is pure or clock-injected.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from vtt_host.fog import point_fogged
from vtt_host.server.limits import PING_BURST, PINGS_PER_S

Clock = Callable[[], float]


class PingBudget:
    """A token bucket of pings for one connection; says when to tell the sender.

    Only the first ping dropped in a run of dropped ones is answered with an error:
    a client that keeps clicking does not get a flood of errors back.
    """

    def __init__(
        self, *, burst: int = PING_BURST, per_s: float = PINGS_PER_S, clock: Clock = time.monotonic
    ) -> None:
        self._burst = float(burst)
        self._rate = per_s
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()
        self._told = False

    def take(self) -> tuple[bool, bool]:
        """Account for one ping: (whether it goes out, whether to send an error)."""
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            self._told = False
            return True, False
        tell, self._told = not self._told, True
        return False, tell


class Reach(enum.Enum):
    """Who receives a ping besides its sender."""

    EVERYONE = "everyone"
    GM_ONLY = "gm_only"


@dataclass(frozen=True, slots=True)
class Route:
    map_id: str
    reach: Reach
    sender_sees_map: bool
    """False for a player while the current map is hidden: their copy names no map."""


class PingRefused(Exception):
    """A ping the sender is told about (``invalid``); nobody else hears of it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def route(state: Mapping[str, Any], *, by_gm: bool, x: float, y: float) -> Route | None:
    """Where a ping at (x, y) cell units goes; None: only back to the sender.

    Raises PingRefused when there is no current map the sender knows of, or when the
    point lies outside a map the sender can see.
    """
    map_id = state["currentSession"].get("currentMapId")
    game_map = state["maps"].get(map_id) if map_id is not None else None
    if game_map is None:
        raise PingRefused("no map is shown")
    hidden = bool(game_map.get("hidden"))
    if hidden and not by_gm:
        # A point outside the hidden map is not refused: that would tell its size.
        inside = _inside(game_map, x, y)
        return Route(map_id, Reach.GM_ONLY, sender_sees_map=False) if inside else None
    if not _inside(game_map, x, y):
        width, height = _grid(game_map)
        raise PingRefused(f"the point is outside the map ({width}x{height} cells)")
    if hidden or _fogged(state, game_map, x, y):
        return Route(map_id, Reach.GM_ONLY, sender_sees_map=True)
    return Route(map_id, Reach.EVERYONE, sender_sees_map=True)


def _grid(game_map: Mapping[str, Any]) -> tuple[int, int]:
    grid = game_map.get("grid") or {}
    return int(grid.get("width", 30)), int(grid.get("height", 20))


def _inside(game_map: Mapping[str, Any], x: float, y: float) -> bool:
    width, height = _grid(game_map)
    return math.isfinite(x) and math.isfinite(y) and 0 <= x <= width and 0 <= y <= height


def _fogged(state: Mapping[str, Any], game_map: Mapping[str, Any], x: float, y: float) -> bool:
    """Fog under the point; a point on the far edge counts as the last cell's."""
    width, height = _grid(game_map)
    # point_fogged only reads the document; the manager's live state is a dict.
    return point_fogged(cast(dict[str, Any], state), min(x, width - 0.5), min(y, height - 0.5))


def ping_frame(
    *,
    sender_id: str,
    sender_name: str,
    map_id: str | None,
    x: float,
    y: float,
    at_ms: int,
) -> dict[str, Any]:
    """The frame recipients get (``mapId`` null only in a sender's copy, see ``Route``)."""
    return {
        "type": "map_ping",
        "from": sender_id,
        "fromName": sender_name,
        "mapId": map_id,
        "x": x,
        "y": y,
        "at": at_ms,
    }
