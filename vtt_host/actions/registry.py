"""From a validated action to ops: who may send it, and which handler compiles it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vtt_host.actions import entities, gm, initiative, map_fog, presence, table
from vtt_host.actions.context import Caller, Compiled, Context
from vtt_host.actions.models import INTERNAL_KINDS, PLAYER_KINDS, Action, Propose
from vtt_host.errors import Forbidden, Invalid
from vtt_host.validation import check_ops_writable

Handler = Callable[[dict[str, Any], Any, Caller, Context], Compiled]


def _propose(state: dict[str, Any], action: Propose, caller: Caller, ctx: Context) -> Compiled:
    if caller.is_gm:
        raise Invalid("the GM applies changes directly with a 'patch' action")
    ops = [change.model_dump(by_alias=True, exclude_unset=True) for change in action.changes]
    return Compiled(ops, action.summary, mentions=())


HANDLERS: dict[str, Handler] = {
    "move_token": table.move_token,
    "remove_token": table.remove_token,
    "paint_fog": map_fog.paint_fog,
    "set_fog": map_fog.set_fog,
    "chat": table.chat,
    "roll": table.roll,
    "propose": _propose,
    "patch": gm.patch,
    "update_settings": gm.update_settings,
    "next_turn": initiative.next_turn,
    "prev_turn": initiative.prev_turn,
    "start_encounter": initiative.start_encounter,
    "end_encounter": initiative.end_encounter,
    "add_combatant": initiative.add_combatant,
    "remove_combatant": initiative.remove_combatant,
    "roll_initiative": initiative.roll_initiative,
    "reveal": entities.set_visibility,
    "hide": entities.set_visibility,
    "set_current_map": entities.set_current_map,
    "assign_actor": entities.assign_actor,
    "join": presence.join,
    "leave": presence.leave,
    "forget_players": presence.forget_players,
    "remove_player": presence.remove_player,
    **{f"create_{name}": entities.create_entity for name in entities.ENTITY_KINDS},
    **{f"update_{name}": entities.update_entity for name in entities.ENTITY_KINDS},
    **{f"delete_{name}": entities.delete_entity for name in entities.ENTITY_KINDS},
}
"""Every kind but ``undo``, which needs the change history and lives in the manager."""


def authorize(action: Action, caller: Caller) -> None:
    """Refuse by role alone, before any handler looks at the state."""
    kind = action.kind
    if kind in INTERNAL_KINDS:
        if caller.role != "system":
            raise Forbidden(f"{kind!r} is sent by the host, not by clients")
    elif caller.role == "player" and kind not in PLAYER_KINDS:
        raise Forbidden(f"only the GM can {kind.replace('_', ' ')}")


def compile_action(state: dict[str, Any], action: Action, caller: Caller, ctx: Context) -> Compiled:
    """Authorize and compile one action into ops; raise an ActionError if refused.

    Pure: reads ``state`` and changes nothing. Every op it returns writes only where
    actions may write (never the version, ids, timestamps or the change log).
    """
    authorize(action, caller)
    compiled = HANDLERS[action.kind](state, action, caller, ctx)
    check_ops_writable(compiled.ops)
    return compiled
