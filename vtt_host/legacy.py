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
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from vtt_host.errors import Invalid
from vtt_host.schema import validate_state
from vtt_host.validation import check_scopes

logger = logging.getLogger(__name__)

__all__ = ["LegacyImport", "LegacyImportError", "import_legacy_export", "read_legacy_export"]

COLLECTIONS: Final = (
    "campaigns",
    "sessions",
    "actors",
    "items",
    "maps",
    "encounters",
    "tokens",
    "effects",
    "players",
    "users",
)
"""Collections read; ``players`` and ``users`` only give names to the actors' owners."""

ALIASES: Final = {
    "campaign": "campaigns",
    "gamesessions": "sessions",
    "game_sessions": "sessions",
    "gamesession": "sessions",
    "session": "sessions",
    "actordocuments": "actors",
    "characters": "actors",
    "itemdocuments": "items",
    "battlemaps": "maps",
}
EXTENSIONS: Final = (".json", ".jsonl", ".ndjson")
INTERNAL_FIELDS: Final = frozenset({"__v", "_id", "id", "campaignId", "campaign"})
NAME_MAX, TEXT_MAX, ID_MAX = 200, 20_000, 64
_ID_CHARS = re.compile(r"[^A-Za-z0-9_.-]")
_INT_IN_TEXT = re.compile(r"-?\d+")


class LegacyImportError(Invalid):
    """The export cannot be imported; the message names the file and the line."""

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class LegacyImport:
    """The campaign document and what was dropped or repaired on the way."""

    state: dict[str, Any]
    warnings: list[str]


def read_legacy_export(directory: Path) -> dict[str, Any]:
    """The campaign document of a scattered export; warnings go to the log."""
    result = import_legacy_export(directory)
    for warning in result.warnings:
        logger.warning("legacy import: %s", warning)
    return result.state


def import_legacy_export(directory: Path, *, now_ms: int | None = None) -> LegacyImport:
    """Read the export in ``directory`` and build one validated campaign document."""
    now = now_ms if now_ms is not None else time.time_ns() // 1_000_000
    files = _collection_files(Path(directory))
    docs = {name: _read_collection(path) for name, path in files.items()}
    return _Builder(docs, now).build()


# -- reading files ------------------------------------------------------------------


@dataclass(slots=True)
class Doc:
    """One document of the export and where it came from (for messages)."""

    where: str
    data: dict[str, Any]


def _collection_files(directory: Path) -> dict[str, Path]:
    if not directory.exists():
        raise LegacyImportError(f"{directory}: no such directory")
    if not directory.is_dir():
        raise LegacyImportError(f"{directory}: not a directory (give the export's folder)")
    found: dict[str, list[Path]] = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.suffix.lower() not in EXTENSIONS:
            continue
        stem = path.stem.lower()
        name = ALIASES.get(stem, stem)
        if name in COLLECTIONS:
            found.setdefault(name, []).append(path)
    for name, paths in found.items():
        if len(paths) > 1:
            listed = ", ".join(path.name for path in paths)
            raise LegacyImportError(
                f"{directory}: {name} is exported twice ({listed}); keep one of the files"
            )
    if "campaigns" not in found:
        raise LegacyImportError(
            f"{directory}: no campaigns file (expected campaigns.json, .jsonl or .ndjson)"
        )
    return {name: paths[0] for name, paths in found.items()}


def _read_collection(path: Path) -> list[Doc]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise LegacyImportError(f"{path.name}: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise LegacyImportError(f"{path.name}: cannot be read ({error.strerror})") from None
    docs: list[Doc] = []
    lines_only = path.suffix.lower() in (".jsonl", ".ndjson")
    values = _json_lines(text, path.name) if lines_only else _json_values(text, path.name)
    for line, value in values:
        where = f"{path.name} line {line}"
        if not isinstance(value, dict):
            raise LegacyImportError(
                f"{where}: a document must be a JSON object, not {_json_type(value)}"
            )
        docs.append(Doc(where, _plain(value)))
    return docs


def _json_lines(text: str, name: str) -> Iterator[tuple[int, Any]]:
    """JSON Lines: one document per line (blank lines are skipped)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            raise LegacyImportError(
                f"{name} line {number}: malformed JSON ({error.msg}, column {error.colno})"
            ) from None


def _json_values(text: str, name: str) -> Iterator[tuple[int, Any]]:
    """The documents in ``text`` with their line numbers.

    A .json file is either one JSON array of documents, or documents one after another
    as ``mongoexport`` writes them (one per line, or pretty-printed).
    """
    decoder = json.JSONDecoder()
    lines = _LineCounter(text)
    index = _skip_space(text, 0)
    in_array = index < len(text) and text[index] == "["
    if in_array:
        index = _skip_space(text, index + 1)
        if index < len(text) and text[index] == "]":
            index = _expect_end(text, index + 1, name)
            return
    while index < len(text):
        try:
            value, end = decoder.raw_decode(text, index)
        except json.JSONDecodeError as error:
            start = lines.at(index)
            if in_array or error.lineno == start:
                line, detail = error.lineno, f"{error.msg}, column {error.colno}"
            else:  # name the document's first line, and where the parser gave up
                line, detail = start, f"{error.msg} at line {error.lineno}"
            raise LegacyImportError(f"{name} line {line}: malformed JSON ({detail})") from None
        yield lines.at(index), value
        index = _skip_space(text, end)
        if not in_array:
            continue
        if index < len(text) and text[index] == ",":
            index = _skip_space(text, index + 1)
        elif index < len(text) and text[index] == "]":
            _expect_end(text, index + 1, name)
            return
        else:
            line = lines.at(index)
            raise LegacyImportError(
                f"{name} line {line}: malformed JSON (expected ',' or ']' between documents)"
            )
    if in_array:
        line = text.count("\n") + 1
        raise LegacyImportError(f"{name} line {line}: malformed JSON (the array is not closed)")


class _LineCounter:
    """Line numbers of increasing offsets, counted once (files can be large)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1

    def at(self, index: int) -> int:
        self.line += self.text.count("\n", self.offset, index)
        self.offset = index
        return self.line


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _expect_end(text: str, index: int, name: str) -> int:
    index = _skip_space(text, index)
    if index < len(text):
        line = text.count("\n", 0, index) + 1
        raise LegacyImportError(f"{name} line {line}: malformed JSON (text after the array)")
    return index


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _plain(value: Any) -> Any:
    """MongoDB extended JSON turned into plain JSON (ids as strings, dates as ISO text)."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if not isinstance(value, dict):
        return None if isinstance(value, float) and not math.isfinite(value) else value
    if len(value) == 1:
        ((key, inner),) = value.items()
        if key in ("$oid", "$uuid", "$symbol"):
            return str(inner)
        if key == "$date":
            millis = _millis(_plain(inner))
            return _iso(millis) if millis is not None else _plain(inner)
        if key in ("$numberLong", "$numberInt"):
            return _int_or(inner, inner)
        if key in ("$numberDouble", "$numberDecimal"):
            try:
                number = float(inner)
            except (TypeError, ValueError):
                return None
            return number if math.isfinite(number) else None
    return {key: _plain(item) for key, item in value.items()}


def _int_or(value: Any, default: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _millis(value: Any) -> int | None:
    """Milliseconds since the epoch from a number (ms, or s if small) or ISO text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and math.isfinite(value):
        number = float(value)
        return max(0, int(number * 1000 if abs(number) < 100_000_000_000 else number))
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return max(0, int(moment.timestamp() * 1000))
    return None


def _iso(millis: int) -> str:
    moment = datetime.fromtimestamp(millis / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- small helpers on documents --------------------------------------------------------


def _ref(value: Any) -> str | None:
    """An id given as a string, a number, or a populated document ``{"_id": ...}``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        for key in ("_id", "id"):
            if key in value:
                return _ref(value[key])
    return None


def _first(data: dict[str, Any], *keys: str) -> tuple[str | None, Any]:
    for key in keys:
        if key in data and data[key] is not None:
            return key, data[key]
    return None, None


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return round(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "on")
    return bool(value)


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:8]


class _Ids:
    """Old ids of one collection mapped to ids our schema accepts, unique and stable."""

    def __init__(self, kind: str, prefix: str) -> None:
        self.kind = kind
        self.prefix = prefix
        self.by_raw: dict[str, str] = {}
        self.where: dict[str, str] = {}
        self.used: set[str] = set()
        self.generated = 0

    def add(self, raw: str | None, where: str) -> str:
        if raw is None:  # nothing can refer to it, so it gets a fresh id of its own
            self.generated += 1
            safe = f"{self.prefix}-{self.generated}"
            while safe in self.used:
                self.generated += 1
                safe = f"{self.prefix}-{self.generated}"
            self.used.add(safe)
            return safe
        if raw in self.by_raw:
            raise LegacyImportError(
                f"{where}: {self.kind} id {raw!r} is used twice (also at {self.where[raw]})"
            )
        safe = _ID_CHARS.sub("_", raw)
        if safe.startswith("."):
            safe = "_" + safe[1:]
        if len(safe) > ID_MAX or safe in self.used:
            safe = f"{safe[: ID_MAX - 9]}-{_hash(raw)}"
        self.by_raw[raw] = safe
        self.where[raw] = where
        self.used.add(safe)
        return safe

    def get(self, raw: Any) -> str | None:
        ref = _ref(raw)
        return self.by_raw.get(ref) if ref is not None else None


@dataclass(slots=True)
class _Entity:
    """An entity being built, with its old extra fields (kept as ``legacy``)."""

    data: dict[str, Any]
    legacy: dict[str, Any] = field(default_factory=dict)
    where: str = ""


# -- building the document --------------------------------------------------------------


class _Builder:
    def __init__(self, docs: dict[str, list[Doc]], now_ms: int) -> None:
        self.docs = docs
        self.now = now_ms
        self.warnings: list[str] = []
        self.items = _Ids("item", "item")
        self.actors = _Ids("actor", "actor")
        self.maps = _Ids("map", "map")
        self.encounters = _Ids("encounter", "encounter")
        self.players = _Ids("player", "player")
        self.built: dict[str, dict[str, _Entity]] = {
            "items": {},
            "actors": {},
            "maps": {},
            "encounters": {},
        }
        self.player_entities: dict[str, dict[str, Any]] = {}
        self.gm_id: str | None = None

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    # -- top level --

    def build(self) -> LegacyImport:
        campaign = self._the_campaign()
        raw_campaign_id = _ref(campaign.data.get("_id", campaign.data.get("id")))
        self._take_campaign_members(campaign, raw_campaign_id)
        state: dict[str, Any] = {"schemaVersion": 1, "version": 0}
        state["id"] = _Ids("campaign", "campaign").add(raw_campaign_id, campaign.where)
        state["campaign"] = self._campaign_info(campaign)
        created = _millis(campaign.data.get("createdAt"))
        updated = _millis(campaign.data.get("updatedAt"))
        state["createdAt"] = created if created is not None else self.now
        state["lastModified"] = max(updated or 0, state["createdAt"])
        self._player_hints(campaign, state["createdAt"])

        # Every id first, so references resolve whatever the order of the documents.
        ids = {
            name: [registry.add(_doc_ref(doc), doc.where) for doc in self._docs(name)]
            for name, registry in (
                ("items", self.items),
                ("actors", self.actors),
                ("maps", self.maps),
                ("encounters", self.encounters),
            )
        }
        for doc, item_id in zip(self._docs("items"), ids["items"], strict=True):
            self._item(doc, item_id)
        for doc, actor_id in zip(self._docs("actors"), ids["actors"], strict=True):
            self._actor(doc, actor_id)
        for doc, map_id in zip(self._docs("maps"), ids["maps"], strict=True):
            self._map(doc, map_id)
        for doc, encounter_id in zip(self._docs("encounters"), ids["encounters"], strict=True):
            self._encounter(doc, encounter_id)
        self._effects()
        state["currentSession"] = self._session()
        self._tokens(state["currentSession"])

        state["players"] = self.player_entities
        for collection, entities in self.built.items():
            state[collection] = {key: self._finish(e) for key, e in entities.items()}
        return LegacyImport(self._validated(state), self.warnings)

    def _validated(self, state: dict[str, Any]) -> dict[str, Any]:
        try:
            result = validate_state(state)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise LegacyImportError(
                f"the imported campaign is not valid at {where}: {first['msg']}"
            ) from None
        try:
            scopes = [(name,) for name in ("players", "items", "actors", "maps", "encounters")]
            check_scopes(result, scopes)
        except Invalid as error:
            raise LegacyImportError(
                f"the imported campaign is not valid: {error.message}"
            ) from None
        return result

    def _docs(self, collection: str) -> list[Doc]:
        return self.docs.get(collection, [])

    def _the_campaign(self) -> Doc:
        campaigns = self._docs("campaigns")
        if not campaigns:
            raise LegacyImportError("campaigns file: it holds no campaign")
        if len(campaigns) > 1:
            listed = "; ".join(
                f"{_ref(doc.data.get('_id')) or '?'} {_text(doc.data.get('name')) or ''!r}"
                f" at line {doc.where.rsplit(' ', 1)[-1]}"
                for doc in campaigns
            )
            file = campaigns[0].where.rsplit(" line ", 1)[0]
            raise LegacyImportError(
                f"{file}: it holds {len(campaigns)} campaigns ({listed}); "
                "keep only the one to import"
            )
        return campaigns[0]

    def _take_campaign_members(self, campaign: Doc, raw_campaign_id: str | None) -> None:
        """Keep only this campaign's documents; add documents the campaign embeds."""
        for collection in (
            "sessions",
            "actors",
            "items",
            "maps",
            "encounters",
            "tokens",
            "effects",
        ):
            kept: list[Doc] = []
            others = 0
            for doc in self._docs(collection):
                key, owner = _first(doc.data, "campaignId", "campaign")
                if key is not None and raw_campaign_id not in (None, _ref(owner)):
                    others += 1
                    continue
                kept.append(doc)
            if others:
                self.warn(f"skipped {others} {collection} of other campaigns")
            self.docs[collection] = kept
        embedded = {"actors": ("characters", "actors"), "items": ("items",), "maps": ("maps",)}
        embedded["encounters"] = ("encounters",)
        for collection, keys in embedded.items():
            present = {
                _ref(doc.data.get("_id", doc.data.get("id"))) for doc in self._docs(collection)
            }
            for key in keys:
                value = campaign.data.get(key)
                if not isinstance(value, list):
                    continue
                for index, item in enumerate(value):
                    if isinstance(item, dict) and len(item) > 1:
                        ref = _ref(item.get("_id", item.get("id")))
                        if ref is None or ref not in present:
                            where = f"{campaign.where}, {key}[{index}]"
                            self.docs.setdefault(collection, []).append(Doc(where, item))
                            present.add(ref)

    # -- campaign and players --

    def _campaign_info(self, doc: Doc) -> dict[str, Any]:
        data = doc.data
        used = {"name", "title", "description", "pluginId", "system", "gameSystem", "settings"}
        used |= {"tags", "gmNotes", "createdAt", "updatedAt", "players", "users", "members"}
        used |= {"characters", "actors", "items", "maps", "encounters"}
        name = self._name(_first(data, "name", "title")[1], "Imported campaign", doc.where)
        info: dict[str, Any] = {"name": name}
        info["description"] = self._long_text(data.get("description"), doc.where, "description")
        plugin = _text(_first(data, "pluginId", "system", "gameSystem")[1])
        if plugin:
            info["pluginId"] = _ID_CHARS.sub("_", plugin)[:ID_MAX]
        settings = data.get("settings")
        info["settings"] = dict(settings) if isinstance(settings, dict) else {}
        if settings is not None and not isinstance(settings, dict):
            info["settings"]["legacySettings"] = settings
        tags = data.get("tags")
        if isinstance(tags, list):
            info["tags"] = [t[:NAME_MAX] for t in (_text(tag) for tag in tags) if t]
        info["gmNotes"] = self._long_text(data.get("gmNotes"), doc.where, "GM notes")
        _, gm = _first(data, "gameMasterId", "gmId", "gm", "ownerId", "owner")
        self.gm_id = _ref(gm)
        legacy = {
            key: value
            for key, value in data.items()
            if key not in used and key not in INTERNAL_FIELDS and value is not None
        }
        if legacy:
            info["settings"]["legacy"] = legacy
        return info

    def _player_hints(self, campaign: Doc, joined_default: int) -> None:
        self.hints: dict[str, tuple[str | None, int | None]] = {}
        self.joined_default = joined_default
        for collection in ("users", "players"):
            for doc in self._docs(collection):
                self._hint(doc.data)
        for key in ("players", "users", "members"):
            members = campaign.data.get(key)
            if not isinstance(members, list):
                continue
            for member in members:
                ref = self._hint(member) if isinstance(member, dict) else _ref(member)
                if ref is not None:
                    self._player(ref)

    def _hint(self, data: dict[str, Any]) -> str | None:
        _, raw = _first(data, "userId", "playerId", "_id", "id")
        ref = _ref(raw)
        if ref is None:
            return None
        name = _text(_first(data, "name", "displayName", "username", "nickname")[1])
        joined = _millis(_first(data, "joinedAt", "createdAt")[1])
        old_name, old_joined = self.hints.get(ref, (None, None))
        self.hints[ref] = (old_name or name, old_joined if old_joined is not None else joined)
        return ref

    def _player(self, raw: str) -> str | None:
        """The player id for an owner id (registering the player); None for the GM."""
        if raw == self.gm_id:
            return None
        existing = self.players.by_raw.get(raw)
        if existing is not None:
            return existing
        player_id = self.players.add(raw, "owners")
        name, joined = self.hints.get(raw, (None, None))
        if joined is None:
            joined = self.joined_default
        self.player_entities[player_id] = {
            "id": player_id,
            "name": (name or raw)[:NAME_MAX],
            "joinedAt": joined,
        }
        return player_id

    # -- entities --

    def _name(self, value: Any, default: str, where: str) -> str:
        name = _text(value)
        if name is None:
            self.warn(f"{where}: no name; called it {default!r}")
            return default
        return name[:NAME_MAX]

    def _long_text(self, value: Any, where: str, what: str) -> str:
        text = value if isinstance(value, str) else _text(value) or ""
        if len(text) > TEXT_MAX:
            self.warn(f"{where}: the {what} was cut to {TEXT_MAX} characters")
            return text[:TEXT_MAX]
        return text

    def _hidden(self, data: dict[str, Any]) -> bool:
        if any(_truthy(data.get(key)) for key in ("hidden", "isHidden", "gmOnly")):
            return True
        if "visible" in data and data["visible"] is not None and not _truthy(data["visible"]):
            return True
        return str(data.get("visibility", "")).lower() in ("gm", "hidden", "private")

    def _plugin_data(self, data: dict[str, Any], entity: _Entity) -> dict[str, Any]:
        found = [key for key in ("pluginData", "data", "system") if isinstance(data.get(key), dict)]
        for key in found[1:]:
            entity.legacy[key] = data[key]
        return dict(data[found[0]]) if found else {}

    def _keep_rest(self, data: dict[str, Any], entity: _Entity, used: Iterable[str]) -> None:
        skip = INTERNAL_FIELDS | set(used)
        for key, value in data.items():
            if key not in skip and key not in entity.legacy:
                entity.legacy[key] = value
        raw = _ref(data.get("_id", data.get("id")))
        if raw is not None and raw != entity.data["id"]:
            entity.legacy["id"] = raw

    def _item(self, doc: Doc, item_id: str) -> None:
        data = doc.data
        entity = _Entity({"id": item_id}, where=doc.where)
        entity.data["name"] = self._name(
            _first(data, "name", "title")[1], "Unnamed item", doc.where
        )
        entity.data["description"] = self._long_text(
            data.get("description"), doc.where, "description"
        )
        entity.data["hidden"] = self._hidden(data)
        entity.data["pluginData"] = self._plugin_data(data, entity)
        entity.data["gmNotes"] = self._long_text(data.get("gmNotes"), doc.where, "GM notes")
        used = {"name", "title", "description", "hidden", "isHidden", "gmOnly", "visible"}
        self._keep_rest(data, entity, used | {"pluginData", "data", "system", "gmNotes"})
        self.built["items"][item_id] = entity

    def _actor(self, doc: Doc, actor_id: str) -> None:
        data = doc.data
        entity = _Entity({"id": actor_id}, where=doc.where)
        entity.data["name"] = self._name(data.get("name"), "Unnamed actor", doc.where)
        entity.data["type"] = self._actor_type(data.get("type"), doc.where, entity)
        _, owner = _first(data, "owner", "ownerId", "playerId", "userId", "controlledBy")
        owner_ref = _ref(owner)
        if owner_ref is not None:
            entity.data["owner"] = self._player(owner_ref)
        entity.data["hidden"] = self._hidden(data)
        hp = self._hit_points(_first(data, "hp", "hitPoints")[1])
        if hp is not None:
            entity.data["hp"] = hp
        bonus = _int(_first(data, "initiativeBonus", "initiativeModifier")[1])
        if bonus is not None:
            entity.data["initiativeBonus"] = bonus
        entity.data["conditions"] = [
            condition
            for condition in (self._condition(c, doc.where) for c in _list(data.get("conditions")))
            if condition is not None
        ]
        entity.data["inventory"] = self._inventory(data.get("inventory"), doc.where)
        entity.data["pluginData"] = self._plugin_data(data, entity)
        entity.data["gmNotes"] = self._long_text(data.get("gmNotes"), doc.where, "GM notes")
        used = {"name", "type", "owner", "ownerId", "playerId", "userId", "controlledBy"}
        used |= {"hidden", "isHidden", "gmOnly", "visible", "hp", "hitPoints", "initiativeBonus"}
        used |= {"initiativeModifier", "conditions", "inventory", "pluginData", "data", "system"}
        self._keep_rest(data, entity, used | {"gmNotes"})
        self.built["actors"][actor_id] = entity

    def _actor_type(self, value: Any, where: str, entity: _Entity) -> str:
        kind = (_text(value) or "npc").lower()
        kinds = {"character": "character", "pc": "character", "player": "character"}
        kinds |= {"npc": "npc", "monster": "monster", "creature": "monster", "enemy": "monster"}
        if kind in kinds:
            return kinds[kind]
        self.warn(f"{where}: actor type {value!r} is not character, npc or monster; made it npc")
        entity.legacy["type"] = value
        return "npc"

    def _hit_points(self, value: Any) -> dict[str, int] | None:
        if isinstance(value, dict):
            current = _int(_first(value, "current", "value")[1])
            maximum = _int(value.get("max"))
            if current is None and maximum is None:
                return None
            maximum = max(0, maximum if maximum is not None else current or 0)
            temp = max(0, _int(value.get("temp")) or 0)
            return {
                "current": current if current is not None else maximum,
                "max": maximum,
                "temp": temp,
            }
        number = _int(value)
        if number is None:
            return None
        return {"current": number, "max": max(0, number), "temp": 0}

    def _condition(self, value: Any, where: str) -> dict[str, Any] | None:
        if isinstance(value, str):
            name = _text(value)
            return {"name": name[:NAME_MAX], "rounds": None, "note": ""} if name else None
        if not isinstance(value, dict):
            return None
        name = _text(_first(value, "name", "label", "type", "condition")[1])
        if name is None:
            self.warn(f"{where}: dropped a condition without a name")
            return None
        rounds = _rounds(_first(value, "rounds", "duration", "remainingRounds", "remaining")[1])
        note = _text(_first(value, "note", "description")[1]) or ""
        return {"name": name[:NAME_MAX], "rounds": rounds, "note": note[:TEXT_MAX]}

    def _inventory(self, value: Any, where: str) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        for raw in _list(value):
            entry = raw if isinstance(raw, dict) else {"itemId": raw}
            _, ref = _first(entry, "itemId", "item", "_id", "id")
            item_id = self.items.get(ref)
            if item_id is None and isinstance(ref, dict) and len(ref) > 1:  # an embedded item
                doc = Doc(f"{where}, inventory", ref)
                item_id = self.items.add(_doc_ref(doc), doc.where)
                self._item(doc, item_id)
            if item_id is None:
                self.warn(f"{where}: dropped an inventory entry for unknown item {_ref(ref)!r}")
                continue
            quantity = _int(_first(entry, "quantity", "qty", "count")[1])
            entries.append(
                {
                    "itemId": item_id,
                    "quantity": max(0, quantity if quantity is not None else 1),
                    "equipped": _truthy(entry.get("equipped")),
                }
            )
        return entries

    def _map(self, doc: Doc, map_id: str) -> None:
        data = doc.data
        entity = _Entity({"id": map_id}, where=doc.where)
        entity.data["name"] = self._name(data.get("name"), "Unnamed map", doc.where)
        entity.data["hidden"] = self._hidden(data)
        entity.data["grid"] = self._grid(_first(data, "gridData", "grid")[1], doc.where)
        layers = []
        for layer in _list(data.get("layers")):
            layers.append(layer if isinstance(layer, dict) else {"value": layer})
        entity.data["layers"] = layers
        lighting = data.get("lighting")
        entity.data["lighting"] = lighting if isinstance(lighting, dict) else {}
        if lighting is not None and not isinstance(lighting, dict):
            entity.legacy["lighting"] = lighting
        entity.data["gmNotes"] = self._long_text(data.get("gmNotes"), doc.where, "GM notes")
        used = {"name", "hidden", "isHidden", "gmOnly", "visible", "gridData", "grid"}
        self._keep_rest(data, entity, used | {"layers", "lighting", "gmNotes"})
        self.built["maps"][map_id] = entity

    def _grid(self, value: Any, where: str) -> dict[str, Any]:
        grid: dict[str, Any] = {}
        if not isinstance(value, dict):
            return grid
        limits = {"width": (1, 1000), "height": (1, 1000), "cellSize": (4, 1000)}
        sources = {"width": ("width", "columns", "cols"), "height": ("height", "rows")}
        sources["cellSize"] = ("cellSize", "size", "gridSize", "cell")
        for key, names in sources.items():
            number = _int(_first(value, *names)[1])
            if number is None:
                continue
            low, high = limits[key]
            if not low <= number <= high:
                self.warn(f"{where}: grid {key} {number} is out of range; set to the nearest limit")
            grid[key] = min(high, max(low, number))
        kind = str(_first(value, "kind", "type", "gridType", "shape")[1] or "square").lower()
        grid["kind"] = "hex" if kind.startswith("hex") else "square"
        return grid

    def _encounter(self, doc: Doc, encounter_id: str) -> None:
        data = doc.data
        entity = _Entity({"id": encounter_id}, where=doc.where)
        entity.data["name"] = self._name(
            _first(data, "name", "title")[1], "Unnamed encounter", doc.where
        )
        _, map_ref = _first(data, "mapId", "map")
        map_id = self.maps.get(map_ref)
        if map_ref is not None and map_id is None:
            self.warn(
                f"{doc.where}: encounter map {_ref(map_ref)!r} is unknown; left without a map"
            )
            entity.legacy["mapId"] = _ref(map_ref)
        entity.data["mapId"] = map_id
        entity.data["hidden"] = self._hidden(data)
        entity.data["status"] = self._status(data.get("status"), doc.where, entity)
        combatants: list[str] = []
        _, participants = _first(data, "participants", "combatants", "actors")
        for participant in _list(participants):
            ref = participant
            if isinstance(participant, dict) and "actorId" in participant:
                ref = participant["actorId"]
            actor_id = self.actors.get(ref)
            if actor_id is None:
                self.warn(f"{doc.where}: dropped participant {_ref(ref)!r}, an unknown actor")
            elif actor_id not in combatants:
                combatants.append(actor_id)
        entity.data["combatants"] = combatants
        plugin_data = self._plugin_data(data, entity)
        effects = [self._effect_entry(e) for e in _list(data.get("activeEffects"))]
        if effects:
            plugin_data["effects"] = [*_list(plugin_data.get("effects")), *effects]
        entity.data["pluginData"] = plugin_data
        entity.data["gmNotes"] = self._long_text(data.get("gmNotes"), doc.where, "GM notes")
        used = {"name", "title", "mapId", "map", "hidden", "isHidden", "gmOnly", "visible"}
        used |= {"status", "participants", "combatants", "actors", "activeEffects", "gmNotes"}
        self._keep_rest(data, entity, used | {"pluginData", "data", "system"})
        self.built["encounters"][encounter_id] = entity

    def _status(self, value: Any, where: str, entity: _Entity) -> str:
        status = (_text(value) or "draft").lower().replace("-", "_").replace(" ", "_")
        table = {"draft": "draft", "planning": "draft", "planned": "draft", "prepared": "draft"}
        table |= {"pending": "draft", "setup": "draft", "ready": "draft", "active": "active"}
        table |= {"running": "active", "in_progress": "active", "started": "active"}
        table |= {"paused": "paused", "suspended": "paused", "on_hold": "paused"}
        table |= {"completed": "completed", "complete": "completed", "ended": "completed"}
        table |= {"finished": "completed", "done": "completed", "archived": "completed"}
        if status in table:
            return table[status]
        self.warn(f"{where}: encounter status {value!r} is unknown; set to draft")
        entity.legacy["status"] = value
        return "draft"

    def _effect_entry(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            return {"name": _text(value) or "effect"}
        entry = {
            key: item
            for key, item in value.items()
            if key not in ("__v", "campaignId", "encounterId") and item is not None
        }
        if "_id" in entry:
            entry["id"] = entry.pop("_id")
        rounds = _rounds(_first(value, "rounds", "duration")[1])
        if rounds is not None:
            entry["rounds"] = rounds
        return entry

    def _effects(self) -> None:
        for doc in self._docs("effects"):
            data = doc.data
            _, actor_ref = _first(data, "actorId", "targetId", "actor", "target")
            _, encounter_ref = _first(data, "encounterId", "encounter")
            actor_id = self.actors.get(actor_ref)
            encounter_id = self.encounters.get(encounter_ref)
            if actor_id is not None:
                actor = self.built["actors"][actor_id]
                condition = self._condition(data, doc.where)
                if condition is not None:
                    actor.data["conditions"].append(condition)
                    extras = {
                        k: v
                        for k, v in self._effect_entry(data).items()
                        if k not in ("name", "rounds", "duration", "note", "description")
                        and k not in ("actorId", "targetId", "actor", "target", "id")
                    }
                    if extras:
                        extras["name"] = condition["name"]
                        actor.legacy.setdefault("effects", []).append(extras)
            elif encounter_id is not None:
                encounter = self.built["encounters"][encounter_id]
                entry = {
                    k: v
                    for k, v in self._effect_entry(data).items()
                    if k not in ("actorId", "targetId")
                }
                encounter.data["pluginData"].setdefault("effects", []).append(entry)
            else:
                target = _ref(actor_ref) or _ref(encounter_ref)
                self.warn(
                    f"{doc.where}: dropped an effect on {target!r}, an unknown actor or encounter"
                    if target
                    else f"{doc.where}: dropped an effect that names no actor or encounter"
                )

    # -- the live session and tokens --

    def _session(self) -> dict[str, Any]:
        session: dict[str, Any] = {
            "activeEncounterId": None,
            "currentMapId": None,
            "tokenPositions": {},
            "initiative": [],
            "round": 0,
            "turn": 0,
        }
        sessions = self._docs("sessions")
        active = [doc for doc in sessions if _session_active(doc.data)]
        if len(active) > 1:
            self.warn(
                f"{len(active)} sessions are active; took the latest ({_latest(active).where})"
            )
        chosen = _latest(active) if active else None
        if chosen is None and sessions:
            latest = _latest(sessions)
            map_id = self.maps.get(_first(latest.data, "currentMapId", "currentMap", "mapId")[1])
            session["currentMapId"] = map_id
        encounter_id: str | None = None
        if chosen is not None:
            data = chosen.data
            _, encounter_ref = _first(data, "activeEncounterId", "activeEncounter", "encounterId")
            if encounter_ref is not None:
                encounter_id = self.encounters.get(encounter_ref)
                if encounter_id is None:
                    raise LegacyImportError(
                        f"{chosen.where}: the session's active encounter {_ref(encounter_ref)!r}"
                        " is not in the encounters file; add it or clear activeEncounterId"
                    )
            _, map_ref = _first(data, "currentMapId", "currentMap", "mapId")
            if map_ref is not None:
                session["currentMapId"] = self.maps.get(map_ref)
                if session["currentMapId"] is None:
                    raise LegacyImportError(
                        f"{chosen.where}: the session's current map {_ref(map_ref)!r}"
                        " is not in the maps file; add it or clear currentMapId"
                    )
            chat = _list(data.get("chatMessages"))
            if chat:
                self.warn(f"{chosen.where}: {len(chat)} chat messages were not imported")
        running = [
            key
            for key, encounter in self.built["encounters"].items()
            if encounter.data["status"] == "active"
        ]
        if encounter_id is None and chosen is None and len(running) == 1:
            encounter_id = running[0]
        for key in running:
            if key != encounter_id:
                self.built["encounters"][key].data["status"] = "paused"
                self.warn(f"encounter {key!r} was active but is not the session's; paused it")
        if encounter_id is not None:
            self._start(session, self.built["encounters"][encounter_id])
        return session

    def _start(self, session: dict[str, Any], encounter: _Entity) -> None:
        encounter.data["status"] = "active"
        session["activeEncounterId"] = encounter.data["id"]
        if session["currentMapId"] is None:
            session["currentMapId"] = encounter.data["mapId"]
        legacy = encounter.legacy
        order: list[dict[str, Any]] = []
        turn = _int(_first(legacy, "currentTurn", "turn", "turnIndex")[1])
        turn_ref = legacy.get("currentTurn") if isinstance(legacy.get("currentTurn"), str) else None
        for index, raw in enumerate(_list(legacy.pop("initiative", None))):
            entry = raw if isinstance(raw, dict) else {"actorId": raw}
            _, ref = _first(entry, "actorId", "actor", "participantId", "combatantId", "id")
            actor_id = self.actors.get(ref)
            if actor_id is None:
                self.warn(
                    f"{encounter.where}: dropped initiative entry for unknown actor {_ref(ref)!r}"
                )
                if turn is not None and index < turn:
                    turn -= 1
                continue
            if turn_ref is not None and _ref(ref) == turn_ref:
                turn = len(order)
            value = _int(_first(entry, "value", "initiative", "roll", "total")[1])
            order.append({"actorId": actor_id, "value": value})
            if actor_id not in encounter.data["combatants"]:
                encounter.data["combatants"].append(actor_id)
        if not order:
            order = [{"actorId": a, "value": None} for a in encounter.data["combatants"]]
        session["initiative"] = order
        session["turn"] = min(max(0, turn or 0), max(0, len(order) - 1))
        session["round"] = max(1, _int(legacy.get("round")) or 1)
        for key in ("currentTurn", "turn", "turnIndex", "round"):
            legacy.pop(key, None)

    def _tokens(self, session: dict[str, Any]) -> None:
        current_map = session["currentMapId"]
        for doc in self._docs("tokens"):
            data = doc.data
            _, actor_ref = _first(data, "actorId", "actor")
            actor_id = self.actors.get(actor_ref)
            if actor_id is None:
                self.warn(f"{doc.where}: dropped a token for unknown actor {_ref(actor_ref)!r}")
                continue
            actor = self.built["actors"][actor_id]
            map_id = self.maps.get(_first(data, "mapId", "map")[1])
            if map_id is None:
                encounter_id = self.encounters.get(_first(data, "encounterId", "encounter")[1])
                if encounter_id is not None:
                    map_id = self.built["encounters"][encounter_id].data["mapId"]
            place = data["position"] if isinstance(data.get("position"), dict) else data
            x, y = _int(place.get("x")), _int(place.get("y"))
            record = {
                k: v for k, v in data.items() if k not in INTERNAL_FIELDS | {"actorId", "actor"}
            }
            if map_id is not None:
                record["mapId"] = map_id
            actor.legacy.setdefault("tokens", []).append(record)
            if map_id is None or map_id != current_map:
                continue
            if x is None or y is None:
                self.warn(f"{doc.where}: token without x and y; not placed on the map")
                continue
            if actor_id in session["tokenPositions"]:
                self.warn(f"{doc.where}: a second token of {actor_id!r} on the map; kept the first")
                continue
            if self._hidden(data) and not actor.data["hidden"]:
                if actor.data.get("owner") is None:
                    actor.data["hidden"] = True
                    self.warn(f"{doc.where}: the token was hidden, so actor {actor_id!r} is hidden")
                else:
                    self.warn(f"{doc.where}: a hidden token of a player's actor is now visible")
            session["tokenPositions"][actor_id] = {"x": x, "y": y}

    # -- finishing --

    def _finish(self, entity: _Entity) -> dict[str, Any]:
        data = entity.data
        if not entity.legacy:
            return data
        if "pluginData" in data:
            key = "legacy" if "legacy" not in data["pluginData"] else "legacyImport"
            data["pluginData"][key] = entity.legacy
            return data
        note = "Legacy fields (imported): " + json.dumps(entity.legacy, sort_keys=True)
        notes = f"{data['gmNotes']}\n\n{note}" if data.get("gmNotes") else note
        if len(notes) > TEXT_MAX:
            self.warn(f"{entity.where}: old fields too long for the GM notes; cut")
            notes = notes[:TEXT_MAX]
        data["gmNotes"] = notes
        return data


def _doc_ref(doc: Doc) -> str | None:
    return _ref(doc.data.get("_id", doc.data.get("id")))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _rounds(value: Any) -> int | None:
    if isinstance(value, dict):
        value = _first(value, "rounds", "remaining", "value", "turns")[1]
    if isinstance(value, str):  # "3 rounds"
        match = _INT_IN_TEXT.search(value)
        value = int(match.group()) if match else None
    number = _int(value)
    return max(0, number) if number is not None else None


def _session_active(data: dict[str, Any]) -> bool:
    if "isActive" in data:
        return _truthy(data["isActive"])
    if "active" in data:
        return _truthy(data["active"])
    return str(data.get("status", "")).lower() in ("active", "running", "live", "in_progress")


def _latest(docs: list[Doc]) -> Doc:
    def moment(doc: Doc) -> int:
        _, value = _first(doc.data, "updatedAt", "startedAt", "startTime", "createdAt")
        return _millis(value) or 0

    return max(reversed(docs), key=moment)
