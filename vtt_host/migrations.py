"""Schema migrations of the campaign document, one registered step per version.

``MIGRATIONS[n]`` turns a document of schemaVersion n into n + 1. Campaign files and
stored snapshots of an older schema run through every step up to ``SCHEMA_VERSION``
(a backup is written first). Version 1 is the first schema, so there are no steps yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vtt_host.errors import Invalid
from vtt_host.schema import SCHEMA_VERSION

Migration = Callable[[dict[str, Any]], dict[str, Any]]

MIGRATIONS: dict[int, Migration] = {}


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
