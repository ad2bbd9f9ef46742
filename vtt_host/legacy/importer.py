"""The steps of an import, in order, from the documents read to the validated campaign.

Read top to bottom, this is what happens to an export: the campaign and its members
are found, ids are mapped, entities built, effects attached, the session started and
tokens placed, and the result validated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vtt_host.legacy.campaign import (
    campaign_info,
    campaign_members,
    game_master_ref,
    the_campaign,
)
from vtt_host.legacy.context import Context
from vtt_host.legacy.document import finish, validated
from vtt_host.legacy.effects import attach_effects
from vtt_host.legacy.entities import convert_entities
from vtt_host.legacy.extended_json import millis
from vtt_host.legacy.fields import raw_id
from vtt_host.legacy.files import Doc
from vtt_host.legacy.ids import Ids
from vtt_host.legacy.players import campaign_players
from vtt_host.legacy.session import current_session, place_tokens
from vtt_host.schema import SCHEMA_VERSION


@dataclass(frozen=True, slots=True)
class LegacyImport:
    """The campaign document and what was dropped or repaired on the way."""

    state: dict[str, Any]
    warnings: list[str]


def build_campaign(docs: dict[str, list[Doc]], now_ms: int) -> LegacyImport:
    """One validated campaign document from the documents of every collection.

    ``now_ms`` stands in for the creation time when the campaign has none. Raises
    ``LegacyImportError`` when the export cannot make a valid campaign.
    """
    warnings: list[str] = []
    campaign = the_campaign(docs.get("campaigns", []))
    docs = campaign_members(docs, campaign, warnings.append)
    state: dict[str, Any] = {"schemaVersion": SCHEMA_VERSION, "version": 0}
    state["id"] = Ids("campaign", "campaign").add(raw_id(campaign.data), campaign.where)
    state["campaign"] = campaign_info(campaign, warnings.append)
    created = millis(campaign.data.get("createdAt"))
    updated = millis(campaign.data.get("updatedAt"))
    state["createdAt"] = created if created is not None else now_ms
    state["lastModified"] = max(updated or 0, state["createdAt"])
    players = campaign_players(docs, campaign, game_master_ref(campaign), state["createdAt"])

    ctx = Context(docs, players, warnings)
    convert_entities(ctx)
    attach_effects(ctx)
    state["currentSession"] = current_session(ctx)
    place_tokens(ctx, state["currentSession"])

    state["players"] = players.entities
    for collection, entities in ctx.built.items():
        state[collection] = {key: finish(entity, ctx.warn) for key, entity in entities.items()}
    return LegacyImport(validated(state), warnings)
