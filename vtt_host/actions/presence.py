"""Players joining, leaving and being forgotten: versioned changes everyone sees.

``join`` and ``leave`` are sent by the host for connections; ``forget_players`` by the
host at start-up for registrations that never came back; ``remove_player`` by the GM.
Each also stamps or drops the player's entry in ``players``, so "last seen" survives
restarts with the campaign itself.
"""

from __future__ import annotations

from typing import Any

from vtt_host.actions._common import op
from vtt_host.actions.context import Caller, Compiled, Context
from vtt_host.actions.models import ForgetPlayers, Join, Leave, RemovePlayer
from vtt_host.errors import Invalid, NotFound
from vtt_host.patching import Op


def join(state: dict[str, Any], action: Join, caller: Caller, ctx: Context) -> Compiled:
    connected = state["currentSession"]["connectedPlayers"]
    already = any(entry["playerId"] == action.player_id for entry in connected)
    ops = []
    if action.player_id not in state["players"]:
        player = {
            "id": action.player_id,
            "name": action.name,
            "joinedAt": ctx.now_ms,
            "lastSeenAt": ctx.now_ms,
        }
        ops.append(op("add", "players", action.player_id, value=player))
    elif already:
        raise Invalid(f"{action.name} is already connected")
    else:
        ops.append(op("add", "players", action.player_id, "lastSeenAt", value=ctx.now_ms))
    if not already:
        entry = {"playerId": action.player_id, "name": action.name, "since": ctx.now_ms}
        ops.append(op("add", "currentSession", "connectedPlayers", "-", value=entry))
    return Compiled(ops, f"{action.name} joined", mentions=())


def leave(state: dict[str, Any], action: Leave, caller: Caller, ctx: Context) -> Compiled:
    connected = state["currentSession"]["connectedPlayers"]
    for index, entry in enumerate(connected):
        if entry["playerId"] == action.player_id:
            ops = [op("remove", "currentSession", "connectedPlayers", str(index))]
            if action.player_id in state["players"]:
                ops.append(op("add", "players", action.player_id, "lastSeenAt", value=ctx.now_ms))
            return Compiled(ops, f"{entry['name']} left", mentions=())
    raise Invalid(f"{action.player_id!r} is not connected")


def forget_players(
    state: dict[str, Any], action: ForgetPlayers, caller: Caller, ctx: Context
) -> Compiled:
    """Drop registrations the host found expired (it checked they own nothing)."""
    gone = [player_id for player_id in action.player_ids if player_id in state["players"]]
    if not gone:
        raise Invalid("none of these players is registered")
    ops = [*_unshare_ops(state, gone), *(op("remove", "players", pid) for pid in gone)]
    count = len(gone)
    return Compiled(
        ops, f"{count} player{'s' if count != 1 else ''} who never came back forgotten", mentions=()
    )


def remove_player(
    state: dict[str, Any], action: RemovePlayer, caller: Caller, ctx: Context
) -> Compiled:
    """The GM makes room: the player's actors go back to the GM, their proposals go."""
    player = state["players"].get(action.player_id)
    if player is None:
        raise NotFound(f"there is no player {action.player_id!r}")
    session = state["currentSession"]
    if any(entry["playerId"] == action.player_id for entry in session["connectedPlayers"]):
        raise Invalid(f"{player['name']} is connected; kick them first")
    ops: list[Op] = [
        op("replace", "actors", actor["id"], "owner", value=None)
        for actor in state["actors"].values()
        if actor.get("owner") == action.player_id
    ]
    pending = session.get("pendingActions", [])
    for index in reversed(range(len(pending))):
        if pending[index].get("playerId") == action.player_id:
            ops.append(op("remove", "currentSession", "pendingActions", str(index)))
    ops.extend(_unshare_ops(state, [action.player_id]))
    ops.append(op("remove", "players", action.player_id))
    return Compiled(ops, f"GM removed {player['name']}", mentions=())


def _unshare_ops(state: dict[str, Any], player_ids: list[str]) -> list[Op]:
    """Take the players off every handout's ``sharedWith`` (a handout shown only to
    them stays revealed, to nobody)."""
    gone = set(player_ids)
    ops = []
    for handout in state["handouts"].values():
        shared = handout.get("sharedWith")
        if shared and gone & set(shared):
            kept = [pid for pid in shared if pid not in gone]
            ops.append(op("replace", "handouts", handout["id"], "sharedWith", value=kept))
    return ops
