"""One import under way: its documents, id registries, entities built so far and warnings.

Every step after the campaign reads and writes the same ``Context``; the helpers here
are what all entities share: a name, long texts, plugin data, and old fields kept aside
as ``legacy``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from vtt_host.legacy.fields import INTERNAL_FIELDS, as_text, raw_id
from vtt_host.legacy.files import Doc
from vtt_host.legacy.ids import Ids
from vtt_host.legacy.limits import NAME_MAX_CHARS, TEXT_MAX_CHARS
from vtt_host.legacy.players import Players

Warn = Callable[[str], None]
"""Where a step reports what it dropped or repaired."""

ENTITY_COLLECTIONS = ("items", "actors", "maps", "encounters")
"""Collections that become entities, in the order they are built and written."""

PLUGIN_DATA_FIELDS = ("pluginData", "data", "system")
"""Where the old models kept game-system data; the first present one is used."""


@dataclass(slots=True)
class Entity:
    """An entity being built, with its old extra fields (kept as ``legacy``)."""

    data: dict[str, Any]
    legacy: dict[str, Any] = field(default_factory=dict)
    where: str = ""


@dataclass(slots=True)
class Context:
    """The state of one import, shared by the steps that build the campaign."""

    docs: dict[str, list[Doc]]
    players: Players
    warnings: list[str]
    ids: dict[str, Ids] = field(
        default_factory=lambda: {
            "items": Ids("item", "item"),
            "actors": Ids("actor", "actor"),
            "maps": Ids("map", "map"),
            "encounters": Ids("encounter", "encounter"),
        }
    )
    built: dict[str, dict[str, Entity]] = field(
        default_factory=lambda: {name: {} for name in ENTITY_COLLECTIONS}
    )

    def warn(self, message: str) -> None:
        """Report something dropped or repaired; the import goes on."""
        self.warnings.append(message)

    def docs_of(self, collection: str) -> list[Doc]:
        """The documents of ``collection``; none if the export has no such file."""
        return self.docs.get(collection, [])


def name_of(value: Any, default: str, where: str, warn: Warn) -> str:
    """A name cut to the schema's length, or ``default`` (with a warning) if missing."""
    name = as_text(value)
    if name is None:
        warn(f"{where}: no name; called it {default!r}")
        return default
    return name[:NAME_MAX_CHARS]


def long_text(value: Any, where: str, what: str, warn: Warn) -> str:
    """Free text (a description, GM notes) cut to the schema's length, with a warning."""
    text = value if isinstance(value, str) else as_text(value) or ""
    if len(text) > TEXT_MAX_CHARS:
        warn(f"{where}: the {what} was cut to {TEXT_MAX_CHARS} characters")
        return text[:TEXT_MAX_CHARS]
    return text


def plugin_data(data: dict[str, Any], entity: Entity) -> dict[str, Any]:
    """The entity's plugin data; other spellings of it present are kept as legacy."""
    found = [key for key in PLUGIN_DATA_FIELDS if isinstance(data.get(key), dict)]
    for key in found[1:]:
        entity.legacy[key] = data[key]
    return dict(data[found[0]]) if found else {}


def keep_rest(data: dict[str, Any], entity: Entity, used: Iterable[str]) -> None:
    """Keep the fields not in ``used`` as legacy, and the old id if it was rewritten."""
    skip = INTERNAL_FIELDS | set(used)
    for key, value in data.items():
        if key not in skip and key not in entity.legacy:
            entity.legacy[key] = value
    raw = raw_id(data)
    if raw is not None and raw != entity.data["id"]:
        entity.legacy["id"] = raw
