"""Players joining and leaving: versioned changes everyone sees, sent by the host."""

from __future__ import annotations

from typing import Any

from vtt_host.actions._common import op
from vtt_host.actions.context import Caller, Compiled, Context
from vtt_host.actions.models import Join, Leave
from vtt_host.errors import Invalid


def join(state: dict[str, Any], action: Join, caller: Caller, ctx: Context) -> Compiled:
    ops = []
    if action.player_id not in state["players"]:
        player = {"id": action.player_id, "name": action.name, "joinedAt": ctx.now_ms}
        ops.append(op("add", "players", action.player_id, value=player))
    connected = state["currentSession"]["connectedPlayers"]
    if any(entry["playerId"] == action.player_id for entry in connected):
        if not ops:
            raise Invalid(f"{action.name} is already connected")
    else:
        entry = {"playerId": action.player_id, "name": action.name, "since": ctx.now_ms}
        ops.append(op("add", "currentSession", "connectedPlayers", "-", value=entry))
    return Compiled(ops, f"{action.name} joined", mentions=())


def leave(state: dict[str, Any], action: Leave, caller: Caller, ctx: Context) -> Compiled:
    connected = state["currentSession"]["connectedPlayers"]
    for index, entry in enumerate(connected):
        if entry["playerId"] == action.player_id:
            return Compiled(
                [op("remove", "currentSession", "connectedPlayers", str(index))],
                f"{entry['name']} left",
                mentions=(),
            )
    raise Invalid(f"{action.player_id!r} is not connected")
