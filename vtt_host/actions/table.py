"""Actions at the table: anyone moves tokens, talks, rolls dice; the GM takes tokens off."""

from __future__ import annotations

from typing import Any

from vtt_host import dice
from vtt_host.actions._common import display_name, find_entity, op, set_field
from vtt_host.actions.context import Caller, Compiled, Context
from vtt_host.actions.models import Chat, MoveToken, RemoveToken, RollDice
from vtt_host.errors import Forbidden, Invalid, NotFound
from vtt_host.references import visible
from vtt_host.schema import CHAT_HISTORY_LIMIT
from vtt_host.views import GM_ID


def move_token(state: dict[str, Any], action: MoveToken, caller: Caller, ctx: Context) -> Compiled:
    actor = find_entity(state, "actors", action.token_id, caller)
    if not caller.is_gm and actor.get("owner") != caller.player_id:
        raise Forbidden(f"{actor['name']} is not yours to move")
    current_map = state["currentSession"].get("currentMapId")
    # A player is held to the map they see, and they see none while it is hidden: its
    # grid must not answer for it ("off the map" would tell its size).
    if current_map is not None and (caller.is_gm or visible(state, "maps", current_map)):
        grid = state["maps"][current_map]["grid"]
        if not (0 <= action.x < grid["width"] and 0 <= action.y < grid["height"]):
            raise Invalid(f"({action.x}, {action.y}) is off the map")
    positions = state["currentSession"]["tokenPositions"]
    change = set_field(
        ("currentSession", "tokenPositions"),
        positions,
        action.token_id,
        {"x": action.x, "y": action.y},
    )
    description = f"{caller.name} moved {actor['name']} to ({action.x}, {action.y})"
    return Compiled([change], description, quiet=True, mentions=(("actors", action.token_id),))


def remove_token(
    state: dict[str, Any], action: RemoveToken, caller: Caller, ctx: Context
) -> Compiled:
    """Take a token off the map; the actor stays in the campaign (GM only)."""
    actor = find_entity(state, "actors", action.token_id, caller)
    if action.token_id not in state["currentSession"]["tokenPositions"]:
        raise NotFound(f"{actor['name']} has no token on the map")
    return Compiled(
        [op("remove", "currentSession", "tokenPositions", action.token_id)],
        f"GM took {actor['name']}'s token off the map",
        mentions=(("actors", action.token_id),),
    )


def _check_recipient(state: dict[str, Any], to: str | None, caller: Caller) -> None:
    if to is None:
        return
    if to == caller.player_id:
        raise Invalid("you cannot whisper to yourself")
    if to != GM_ID and to not in state["players"]:
        raise NotFound(f"there is no player {to!r} to whisper to")


def chat_message_ops(state: dict[str, Any], message: dict[str, Any]) -> list[dict[str, Any]]:
    """Append a message, dropping the oldest past the history limit."""
    ops = [op("add", "currentSession", "chatMessages", "-", value=message)]
    overflow = len(state["currentSession"]["chatMessages"]) + 1 - CHAT_HISTORY_LIMIT
    ops.extend(op("remove", "currentSession", "chatMessages", "0") for _ in range(max(0, overflow)))
    return ops


def _message(caller: Caller, ctx: Context, text: str, to: str | None) -> dict[str, Any]:
    return {
        "id": ctx.make_id("m"),
        "from": caller.player_id,
        "fromName": caller.name,
        "text": text,
        "to": to,
        "at": ctx.now_ms,
        "roll": None,
    }


def chat(state: dict[str, Any], action: Chat, caller: Caller, ctx: Context) -> Compiled:
    _check_recipient(state, action.to, caller)
    message = _message(caller, ctx, action.text, action.to)
    if action.to is None:
        description = f"{caller.name}: {action.text[:80]}"
    else:
        description = f"{caller.name} whispered to {display_name(state, action.to)}"
    return Compiled(chat_message_ops(state, message), description, mentions=())


def roll(state: dict[str, Any], action: RollDice, caller: Caller, ctx: Context) -> Compiled:
    _check_recipient(state, action.to, caller)
    try:
        result = dice.roll(action.expr, ctx.rng)
    except dice.DiceError as error:
        raise Invalid(str(error)) from None
    label = f"{action.label}: " if action.label else ""
    message = _message(caller, ctx, f"{label}{result.describe()}", action.to)
    message["roll"] = {**result.to_json(), "label": action.label}
    return Compiled(
        chat_message_ops(state, message),
        f"{caller.name} rolled {result.expr} = {result.total}",
        {"total": result.total},
        mentions=(),
    )
