"""The players of the imported campaign, made from the owners the old documents name.

The old host named owners by user id; the new schema has players with a name and a
join time. Names and times come from the ``users`` and ``players`` collections and the
campaign's member lists when they have them, and fall back to the id and the
campaign's creation otherwise.
"""

from __future__ import annotations

from typing import Any

from vtt_host.legacy.extended_json import millis
from vtt_host.legacy.fields import as_ref, as_text, first
from vtt_host.legacy.files import Doc
from vtt_host.legacy.ids import Ids
from vtt_host.legacy.limits import NAME_MAX_CHARS

MEMBER_LISTS = ("players", "users", "members")
"""Fields of the campaign that list its members, by id or as documents."""


class Players:
    """Owner ids turned into players, registered on first use; the GM is no player."""

    def __init__(self, gm_ref: str | None, joined_default_ms: int) -> None:
        self.gm_ref = gm_ref
        self.joined_default_ms = joined_default_ms
        self.hints: dict[str, tuple[str | None, int | None]] = {}
        self.ids = Ids("player", "player")
        self.entities: dict[str, dict[str, Any]] = {}

    def hint(self, data: dict[str, Any]) -> str | None:
        """Learn a user's name and join time; the user's id, None if it has none.

        The first hint of each kind wins, as the old host showed the first one too.
        """
        ref = as_ref(first(data, "userId", "playerId", "_id", "id")[1])
        if ref is None:
            return None
        name = as_text(first(data, "name", "displayName", "username", "nickname")[1])
        joined = millis(first(data, "joinedAt", "createdAt")[1])
        old_name, old_joined = self.hints.get(ref, (None, None))
        self.hints[ref] = (old_name or name, old_joined if old_joined is not None else joined)
        return ref

    def owner(self, raw: str) -> str | None:
        """The player id for an owner id (registering the player); None for the GM."""
        if raw == self.gm_ref:
            return None
        existing = self.ids.by_raw.get(raw)
        if existing is not None:
            return existing
        player_id = self.ids.add(raw, "owners")
        name, joined = self.hints.get(raw, (None, None))
        self.entities[player_id] = {
            "id": player_id,
            "name": (name or raw)[:NAME_MAX_CHARS],
            "joinedAt": joined if joined is not None else self.joined_default_ms,
        }
        return player_id


def campaign_players(
    docs: dict[str, list[Doc]], campaign: Doc, gm_ref: str | None, joined_default_ms: int
) -> Players:
    """The campaign's members as players, and what the export says about every user."""
    players = Players(gm_ref, joined_default_ms)
    for collection in ("users", "players"):
        for doc in docs.get(collection, []):
            players.hint(doc.data)
    for key in MEMBER_LISTS:
        members = campaign.data.get(key)
        if not isinstance(members, list):
            continue
        for member in members:
            ref = players.hint(member) if isinstance(member, dict) else as_ref(member)
            if ref is not None:
                players.owner(ref)
    return players
