"""Schema migrations of the campaign document, one registered step per version.

``MIGRATIONS[n]`` turns a document of schemaVersion n into n + 1. Campaign files and
stored snapshots of an older schema run through every step up to ``SCHEMA_VERSION``
(a backup is written first). A step sees the document as that version stored it and
must not depend on later models: it edits plain dicts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vtt_host.errors import Invalid
from vtt_host.schema import SCHEMA_VERSION

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _v1_to_v2(state: dict[str, Any]) -> dict[str, Any]:
    """Sheets gained armour class, abilities, speed, free stats and player-facing notes;
    maps gained a grid offset and the image's size; campaigns gained handouts. Those
    defaults read a version 1 document as it was.

    Two table settings keep what the table had, where a new campaign starts otherwise:
    players saw the exact hit points of every NPC (``npcHitPoints: "exact"``, where new
    campaigns show a status), and every proposal waited for the GM (``sheet_edit`` joins
    ``requireApproval``).
    """
    session = state.setdefault("currentSession", {})
    settings = session.setdefault("gmSettings", {})
    settings.setdefault("npcHitPoints", "exact")
    kinds = settings.get("requireApproval")
    kinds = list(kinds) if isinstance(kinds, list) else []
    if "sheet_edit" not in kinds:
        kinds.append("sheet_edit")
    settings["requireApproval"] = kinds
    return state


def _v2_to_v3(state: dict[str, Any]) -> dict[str, Any]:
    """Maps gained fog of war (off, so players see what they saw) and the ruler's
    settings (5 ft a square, every diagonal step one square): the defaults."""
    return state


MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2, 2: _v2_to_v3}


def needs_migration(state: dict[str, Any]) -> bool:
    return int(state.get("schemaVersion", SCHEMA_VERSION)) < SCHEMA_VERSION


def migrate(state: dict[str, Any]) -> dict[str, Any]:
    """Run every step from the document's schemaVersion up to the current one."""
    version = int(state.get("schemaVersion", SCHEMA_VERSION))
    if version > SCHEMA_VERSION:
        raise Invalid(f"schema version {version} is newer than this host ({SCHEMA_VERSION})")
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise Invalid(f"no migration from schema version {version}")
        state = step(state)
        version += 1
        state["schemaVersion"] = version
    return state
