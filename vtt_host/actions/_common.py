"""Small helpers shared by the action handlers."""

from __future__ import annotations

from typing import Any

from vtt_host.actions.context import Caller
from vtt_host.errors import NotFound
from vtt_host.patching import Op, join_path

SINGULAR = {"actors": "actor", "items": "item", "maps": "map", "encounters": "encounter"}


def find_entity(
    state: dict[str, Any], collection: str, entity_id: str, caller: Caller
) -> dict[str, Any]:
    """The entity, or NotFound; a player is told the same for hidden ones."""
    entity: dict[str, Any] | None = state[collection].get(entity_id)
    if entity is None or (entity.get("hidden") and not caller.is_gm):
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


def initiative_removal_ops(session: dict[str, Any], actor_id: str) -> list[dict[str, Any]]:
    """Drop an actor from the initiative order, keeping the turn on the same combatant."""
    order = session["initiative"]
    kept = [entry for entry in order if entry["actorId"] != actor_id]
    if len(kept) == len(order):
        return []
    turn = session["turn"]
    removed_before = sum(1 for entry in order[:turn] if entry["actorId"] == actor_id)
    new_turn = min(turn - removed_before, max(len(kept) - 1, 0))
    ops = [op("replace", "currentSession", "initiative", value=kept)]
    if new_turn != turn:
        ops.insert(0, op("replace", "currentSession", "turn", value=new_turn))
    return ops
