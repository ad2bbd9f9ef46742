"""Small helpers shared by the action handlers."""

from __future__ import annotations

from typing import Any

from vtt_host.actions.context import Caller
from vtt_host.errors import NotFound
from vtt_host.patching import Op, join_path
from vtt_host.views import sees

SINGULAR = {
    "actors": "actor",
    "items": "item",
    "maps": "map",
    "encounters": "encounter",
    "handouts": "handout",
}


def find_entity(
    state: dict[str, Any], collection: str, entity_id: str, caller: Caller
) -> dict[str, Any]:
    """The entity, or NotFound; a player is told the same for ones they cannot see
    (hidden, or a handout not shown to them)."""
    entity: dict[str, Any] | None = state[collection].get(entity_id)
    if entity is None or (
        not caller.is_gm and not sees(state, collection, entity_id, caller.player_id)
    ):
        raise NotFound(f"there is no {SINGULAR[collection]} {entity_id!r}")
    return entity


def display_name(state: dict[str, Any], player_id: str) -> str:
    if player_id == "gm":
        return "GM"
    player = state["players"].get(player_id)
    return str(player["name"]) if player else player_id


def op(name: str, *tokens: str, value: Any = None) -> Op:
    """Build one op; ``value`` is included for the ops that carry one."""
    built: Op = {"op": name, "path": join_path(tokens)}
    if name in ("add", "replace", "test"):
        built["value"] = value
    return built


def set_field(tokens: tuple[str, ...], container: dict[str, Any], key: str, value: Any) -> Op:
    """``replace`` when the key exists (a one-op token move), ``add`` when it does not."""
    return op("replace" if key in container else "add", *tokens, key, value=value)


def initiative_key(entry: dict[str, Any]) -> tuple[bool, int]:
    """Highest initiative first; combatants without a value last."""
    value = entry.get("value")
    return (value is None, -(value or 0))


def in_initiative_order(order: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The order by initiative; ties (and those without a value) keep their places."""
    return sorted(order, key=initiative_key)


def new_round_ops(session: dict[str, Any], order: list[dict[str, Any]]) -> list[Op]:
    """The next round starts with ``order`` sorted by initiative, at its first turn.

    A roll during a round rearranges only the turns still to come (initiative.py), so
    the new values take their full effect here.
    """
    ops = [op("replace", "currentSession", "turn", value=0)]
    sorted_order = in_initiative_order(order)
    if sorted_order != session["initiative"]:
        ops.append(op("replace", "currentSession", "initiative", value=sorted_order))
    ops.append(op("replace", "currentSession", "round", value=session["round"] + 1))
    return ops


def initiative_removal_ops(session: dict[str, Any], actor_id: str) -> list[dict[str, Any]]:
    """Drop an actor from the initiative order, keeping the turn on the same combatant.

    Removing the combatant acting now passes the turn to the next one; if they were
    the last of the round, the next round starts (the turn never goes back to someone
    who has already acted).
    """
    order = session["initiative"]
    kept = [entry for entry in order if entry["actorId"] != actor_id]
    if len(kept) == len(order):
        return []
    turn = session["turn"]
    removed_before = sum(1 for entry in order[:turn] if entry["actorId"] == actor_id)
    new_turn = turn - removed_before
    if kept and new_turn >= len(kept):
        return new_round_ops(session, kept)
    new_turn = min(new_turn, max(len(kept) - 1, 0))
    ops = [op("replace", "currentSession", "initiative", value=kept)]
    if new_turn != turn:
        ops.insert(0, op("replace", "currentSession", "turn", value=new_turn))
    return ops
