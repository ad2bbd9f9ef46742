"""The finished campaign document: old fields put in place, then validated.

The import promises a document the host accepts as it is, so the schema and the link
checks run here and any failure is reported as a ``LegacyImportError``.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from vtt_host.errors import Invalid
from vtt_host.legacy.context import Entity, Warn
from vtt_host.legacy.errors import LegacyImportError
from vtt_host.legacy.limits import TEXT_MAX_CHARS
from vtt_host.schema import validate_state
from vtt_host.validation import check_scopes

LINKED_COLLECTIONS = ("players", "items", "actors", "maps", "encounters")


def finish(entity: Entity, warn: Warn) -> dict[str, Any]:
    """The entity's data with its old fields kept where the schema allows.

    They go to ``pluginData.legacy`` (``legacyImport`` if the plugin data has a
    ``legacy`` of its own); entities without plugin data (maps) get them as JSON at the
    end of their GM notes.
    """
    data = entity.data
    if not entity.legacy:
        return data
    if "pluginData" in data:
        key = "legacy" if "legacy" not in data["pluginData"] else "legacyImport"
        data["pluginData"][key] = entity.legacy
        return data
    data["gmNotes"] = with_legacy_note(data.get("gmNotes", ""), entity.legacy, entity.where, warn)
    return data


def with_legacy_note(notes: str, legacy: dict[str, Any], where: str, warn: Warn) -> str:
    """GM notes with the old fields appended as one line of JSON (GM-only, never lost)."""
    note = "Legacy fields (imported): " + json.dumps(legacy, sort_keys=True)
    notes = f"{notes}\n\n{note}" if notes else note
    if len(notes) > TEXT_MAX_CHARS:
        warn(f"{where}: old fields too long for the GM notes; cut")
        notes = notes[:TEXT_MAX_CHARS]
    return notes


def validated(state: dict[str, Any]) -> dict[str, Any]:
    """``state`` as the schema returns it, after the links between entities are checked.

    Raises ``LegacyImportError`` naming the first field at fault.
    """
    try:
        result = validate_state(state)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise LegacyImportError(
            f"the imported campaign is not valid at {where}: {first['msg']}"
        ) from None
    try:
        check_scopes(result, [(name,) for name in LINKED_COLLECTIONS])
    except Invalid as error:
        raise LegacyImportError(f"the imported campaign is not valid: {error.message}") from None
    return result
