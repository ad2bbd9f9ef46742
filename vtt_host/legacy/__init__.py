"""Import a campaign from the old scattered export: one file per MongoDB collection.

The old host kept a campaign in many collections (campaigns, sessions, actors, items,
maps, encounters, tokens, effects). An export of it is a directory holding one file per
collection, either ``<collection>.json`` (a JSON array, or documents one after another
as ``mongoexport`` writes them) or ``<collection>.jsonl`` / ``.ndjson`` (one document per
line). ``read_legacy_export`` turns such a directory into ONE campaign document.

It is liberal in what it reads (MongoDB extended JSON such as ``{"$oid": ...}`` and
``{"$date": ...}``, the several field names the old models used) and strict in what it
produces: the result passes ``validate_state`` and the host's link checks. Fields of the
old documents that have no place in the new schema are kept under the entity's
``pluginData.legacy`` (maps have no ``pluginData``: theirs go to the map's GM notes), and
whatever had to be dropped or repaired is reported as a warning.

Errors are ``LegacyImportError`` (an ``Invalid``) with one line naming the file and the
line of the document at fault.

The steps, each in its own module: ``files`` (reading, with line numbers),
``extended_json``, ``campaign``, ``players``, ``ids``, ``entities``, ``effects``,
``session`` (initiative and tokens), ``document`` (finishing and validation); the order
they run in is in ``importer``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from vtt_host.legacy.errors import LegacyImportError
from vtt_host.legacy.files import read_collections
from vtt_host.legacy.importer import LegacyImport, build_campaign

logger = logging.getLogger(__name__)

__all__ = ["LegacyImport", "LegacyImportError", "import_legacy_export", "read_legacy_export"]


def read_legacy_export(directory: Path) -> dict[str, Any]:
    """The campaign document of a scattered export; warnings go to the log."""
    result = import_legacy_export(directory)
    for warning in result.warnings:
        logger.warning("legacy import: %s", warning)
    return result.state


def import_legacy_export(directory: Path, *, now_ms: int | None = None) -> LegacyImport:
    """Read the export in ``directory`` and build one validated campaign document."""
    now = now_ms if now_ms is not None else time.time_ns() // 1_000_000
    return build_campaign(read_collections(Path(directory)), now)
