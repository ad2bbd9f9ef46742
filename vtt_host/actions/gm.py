"""GM-only actions that are not about one entity: raw patches and table settings."""

from __future__ import annotations

from typing import Any

from vtt_host.actions._common import op, set_field
from vtt_host.actions.context import Caller, Compiled, Context, EntityRef
from vtt_host.actions.models import APPROVABLE_KINDS, Patch, UpdateSettings
from vtt_host.errors import Invalid
from vtt_host.patching import Op, parse_path
from vtt_host.views import ENTITY_COLLECTIONS


def patch(state: dict[str, Any], action: Patch, caller: Caller, ctx: Context) -> Compiled:
    ops = [change.model_dump(by_alias=True, exclude_unset=True) for change in action.ops]
    count = len(ops)
    description = (
        action.description or f"GM edited the campaign ({count} change{'s' * (count != 1)})"
    )
    return Compiled(ops, description, mentions=entities_named(ops))


def entities_named(ops: list[Op]) -> tuple[EntityRef, ...]:
    """The entities a raw patch writes, which its description may speak of."""
    named: dict[EntityRef, None] = {}
    for change in ops:
        for path in (change["path"], change.get("from")):
            tokens = parse_path(path) if isinstance(path, str) else ()
            if len(tokens) > 1 and tokens[0] in ENTITY_COLLECTIONS:
                named.setdefault((tokens[0], tokens[1]))
    return tuple(named)


def update_settings(
    state: dict[str, Any], action: UpdateSettings, caller: Caller, ctx: Context
) -> Compiled:
    ops = []
    if action.require_approval is not None:
        unknown = sorted(set(action.require_approval) - APPROVABLE_KINDS)
        if unknown:
            raise Invalid(
                f"{unknown[0]!r} cannot need approval; choose from {sorted(APPROVABLE_KINDS)}"
            )
        ops.append(
            op(
                "replace",
                "currentSession",
                "gmSettings",
                "requireApproval",
                value=sorted(set(action.require_approval)),
            )
        )
    if action.npc_hit_points is not None:
        settings = state["currentSession"]["gmSettings"]
        tokens = ("currentSession", "gmSettings")
        ops.append(set_field(tokens, settings, "npcHitPoints", action.npc_hit_points))
    if action.notes is not None:
        ops.append(op("replace", "currentSession", "gmSettings", "notes", value=action.notes))
    if not ops:
        raise Invalid("nothing to change")
    return Compiled(ops, "GM changed the table settings", mentions=())
