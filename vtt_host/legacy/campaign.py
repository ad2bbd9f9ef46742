"""The campaign document: finding the one campaign, its members, and its own fields.

An export may hold documents of other campaigns (the old host kept them all in the
same collections) and may embed entities inside the campaign document itself; both
are sorted out here, before any entity is built.
"""

from __future__ import annotations

from typing import Any

from vtt_host.legacy.context import Warn, long_text, name_of
from vtt_host.legacy.document import with_legacy_note
from vtt_host.legacy.errors import LegacyImportError
from vtt_host.legacy.fields import INTERNAL_FIELDS, as_ref, as_text, first, raw_id
from vtt_host.legacy.files import Doc
from vtt_host.legacy.ids import ID_MAX_CHARS, safe_name
from vtt_host.legacy.limits import NAME_MAX_CHARS

MEMBER_COLLECTIONS = ("sessions", "actors", "items", "maps", "encounters", "tokens", "effects")
"""Collections whose documents name the campaign they belong to."""

EMBEDDED = {
    "actors": ("characters", "actors"),
    "items": ("items",),
    "maps": ("maps",),
    "encounters": ("encounters",),
}
"""Fields of the campaign document that may hold whole entities of a collection."""

INFO_FIELDS = frozenset(
    {"name", "title", "description", "pluginId", "system", "gameSystem", "settings"}
    | {"tags", "gmNotes", "createdAt", "updatedAt", "players", "users", "members"}
    | {"characters", "actors", "items", "maps", "encounters"}
)
"""Fields of the campaign document that the import reads; the rest is kept as legacy."""


def the_campaign(campaigns: list[Doc]) -> Doc:
    """The one campaign of the export; an error listing them if there are several."""
    if not campaigns:
        raise LegacyImportError("campaigns file: it holds no campaign")
    if len(campaigns) > 1:
        listed = "; ".join(
            f"{as_ref(doc.data.get('_id')) or '?'} {as_text(doc.data.get('name')) or ''!r}"
            f" at line {doc.where.rsplit(' ', 1)[-1]}"
            for doc in campaigns
        )
        file = campaigns[0].where.rsplit(" line ", 1)[0]
        raise LegacyImportError(
            f"{file}: it holds {len(campaigns)} campaigns ({listed}); keep only the one to import"
        )
    return campaigns[0]


def campaign_members(docs: dict[str, list[Doc]], campaign: Doc, warn: Warn) -> dict[str, list[Doc]]:
    """``docs`` without other campaigns' documents, plus those the campaign embeds."""
    members = dict(docs)
    campaign_ref = raw_id(campaign.data)
    for collection in MEMBER_COLLECTIONS:
        kept = [doc for doc in docs.get(collection, []) if _belongs(doc, campaign_ref)]
        others = len(docs.get(collection, [])) - len(kept)
        if others:
            warn(f"skipped {others} {collection} of other campaigns")
        members[collection] = kept
    for collection, keys in EMBEDDED.items():
        members[collection] = _with_embedded(members.get(collection, []), campaign, keys)
    return members


def _belongs(doc: Doc, campaign_ref: str | None) -> bool:
    """A document naming no campaign belongs to the one being imported."""
    key, owner = first(doc.data, "campaignId", "campaign")
    return key is None or campaign_ref in (None, as_ref(owner))


def _with_embedded(docs: list[Doc], campaign: Doc, keys: tuple[str, ...]) -> list[Doc]:
    """``docs`` and the entities the campaign embeds under ``keys`` not among them.

    A bare id in those lists is a reference, not an entity, and adds nothing.
    """
    docs = list(docs)
    present = {raw_id(doc.data) for doc in docs}
    for key in keys:
        value = campaign.data.get(key)
        if not isinstance(value, list):
            continue
        for index, item in enumerate(value):
            if isinstance(item, dict) and len(item) > 1:
                ref = raw_id(item)
                if ref is None or ref not in present:
                    docs.append(Doc(f"{campaign.where}, {key}[{index}]", item))
                    present.add(ref)
    return docs


def game_master_ref(campaign: Doc) -> str | None:
    """The old id of the campaign's GM, whose actors belong to no player."""
    return as_ref(first(campaign.data, "gameMasterId", "gmId", "gm", "ownerId", "owner")[1])


def campaign_info(doc: Doc, warn: Warn) -> dict[str, Any]:
    """The new ``campaign`` object; unknown old fields go to the end of its GM notes.

    Not to ``settings``: players see those, and old fields can hold secrets (invite
    codes, the GM's plans).
    """
    data = doc.data
    name = name_of(first(data, "name", "title")[1], "Imported campaign", doc.where, warn)
    info: dict[str, Any] = {"name": name}
    info["description"] = long_text(data.get("description"), doc.where, "description", warn)
    plugin = as_text(first(data, "pluginId", "system", "gameSystem")[1])
    if plugin:
        info["pluginId"] = safe_name(plugin)[:ID_MAX_CHARS]
    settings = data.get("settings")
    info["settings"] = dict(settings) if isinstance(settings, dict) else {}
    if settings is not None and not isinstance(settings, dict):
        info["settings"]["legacySettings"] = settings
    tags = data.get("tags")
    if isinstance(tags, list):
        info["tags"] = [t[:NAME_MAX_CHARS] for t in (as_text(tag) for tag in tags) if t]
    notes = long_text(data.get("gmNotes"), doc.where, "GM notes", warn)
    legacy = {
        key: value
        for key, value in data.items()
        if key not in INFO_FIELDS and key not in INTERNAL_FIELDS and value is not None
    }
    info["gmNotes"] = with_legacy_note(notes, legacy, doc.where, warn) if legacy else notes
    return info
