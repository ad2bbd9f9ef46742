"""Conditions and effects: the old forms read, and the ``effects`` collection attached.

An effect on an actor becomes one of its conditions (what the condition cannot hold is
kept as legacy); an effect on an encounter joins the encounter's plugin data, as the
encounter's own ``activeEffects`` do.
"""

from __future__ import annotations

from typing import Any

from vtt_host.legacy.context import Context, Warn
from vtt_host.legacy.fields import as_ref, as_text, first, rounds_of
from vtt_host.legacy.files import Doc
from vtt_host.legacy.limits import NAME_MAX_CHARS, TEXT_MAX_CHARS

ACTOR_REF_FIELDS = ("actorId", "targetId", "actor", "target")
CONDITION_FIELDS = ("name", "rounds", "duration", "note", "description")
NOT_EXTRA_FIELDS = frozenset({*CONDITION_FIELDS, *ACTOR_REF_FIELDS, "id"})
"""Fields of an effect on an actor not kept as legacy: its condition holds them, or
they only name the effect and its target."""


def attach_effects(ctx: Context) -> None:
    """Give every effect document to its actor or encounter; warn about the others."""
    for doc in ctx.docs_of("effects"):
        _, actor_ref = first(doc.data, *ACTOR_REF_FIELDS)
        _, encounter_ref = first(doc.data, "encounterId", "encounter")
        actor_id = ctx.ids["actors"].get(actor_ref)
        encounter_id = ctx.ids["encounters"].get(encounter_ref)
        if actor_id is not None:
            _on_actor(ctx, doc, actor_id)
        elif encounter_id is not None:
            _on_encounter(ctx, doc, encounter_id)
        else:
            target = as_ref(actor_ref) or as_ref(encounter_ref)
            ctx.warn(
                f"{doc.where}: dropped an effect on {target!r}, an unknown actor or encounter"
                if target
                else f"{doc.where}: dropped an effect that names no actor or encounter"
            )


def _on_actor(ctx: Context, doc: Doc, actor_id: str) -> None:
    actor = ctx.built["actors"][actor_id]
    added = condition(doc.data, doc.where, ctx.warn)
    if added is None:
        return
    actor.data["conditions"].append(added)
    extras: dict[str, Any] = {
        key: value for key, value in effect_entry(doc.data).items() if key not in NOT_EXTRA_FIELDS
    }
    if extras:
        extras["name"] = added["name"]
        actor.legacy.setdefault("effects", []).append(extras)


def _on_encounter(ctx: Context, doc: Doc, encounter_id: str) -> None:
    encounter = ctx.built["encounters"][encounter_id]
    entry = {k: v for k, v in effect_entry(doc.data).items() if k not in ("actorId", "targetId")}
    encounter.data["pluginData"].setdefault("effects", []).append(entry)


def condition(value: Any, where: str, warn: Warn) -> dict[str, Any] | None:
    """A condition from its name or an old condition or effect document."""
    if isinstance(value, str):
        name = as_text(value)
        return {"name": name[:NAME_MAX_CHARS], "rounds": None, "note": ""} if name else None
    if not isinstance(value, dict):
        return None
    name = as_text(first(value, "name", "label", "type", "condition")[1])
    if name is None:
        warn(f"{where}: dropped a condition without a name")
        return None
    rounds = rounds_of(first(value, "rounds", "duration", "remainingRounds", "remaining")[1])
    note = as_text(first(value, "note", "description")[1]) or ""
    return {"name": name[:NAME_MAX_CHARS], "rounds": rounds, "note": note[:TEXT_MAX_CHARS]}


def effect_entry(value: Any) -> dict[str, Any]:
    """An effect kept in an encounter's plugin data, with its duration in rounds."""
    if not isinstance(value, dict):
        return {"name": as_text(value) or "effect"}
    entry = {
        key: item
        for key, item in value.items()
        if key not in ("__v", "campaignId", "encounterId") and item is not None
    }
    if "_id" in entry:
        entry["id"] = entry.pop("_id")
    rounds = rounds_of(first(value, "rounds", "duration")[1])
    if rounds is not None:
        entry["rounds"] = rounds
    return entry
