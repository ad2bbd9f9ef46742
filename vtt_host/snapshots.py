"""Encoding the whole campaign (or a player's view of it) without stalling the loop.

``json.dumps`` of a 5 MB document holds the event loop for tens of milliseconds, and
the document cannot be handed to a thread while the loop keeps changing it. So each
entity is encoded on its own and cached, twice: as it is (checkpoints, the GM) and as
players see it (no ``gmNotes``, no references to hidden entities; nothing at all while
hidden). A change only marks the entities it touched, and those whose references to a
touched entity appear or vanish with its visibility. Encoding re-encodes the dirty
entities in small slices (yielding between them), then, in one short synchronous step,
re-encodes what changed meanwhile and collects the cached fragments: the checkpoint or
the welcome of exactly one version.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

from storage import dump_plain
from vtt_host.filters import fog_units, may_walk_into_fog, touches_fog
from vtt_host.handouts import HANDOUTS, handout_view, visible_to
from vtt_host.patching import Op, parse_path
from vtt_host.references import SESSION, collection_referrers, referrers, visible
from vtt_host.views import ENTITY_COLLECTIONS as HIDEABLE
from vtt_host.views import GM_SETTINGS, NPC_HIT_POINTS, Audience, entity_view, hp_masked, view

ENTITY_COLLECTIONS = ("players", *HIDEABLE)
SLICE_BUDGET_S = 0.001
"""Encode for at most this long before letting other tasks run."""

_encode = dump_plain
"""Strict: NaN and infinities raise, and a lone surrogate fails the UTF-8 ``encode``, so a
snapshot no reader accepts is never written or sent (the change stops loudly instead)."""

EntityKey = tuple[str, str]
VISIBILITY_FIELDS = frozenset({"hidden", "type", "owner"})
"""Fields whose change may show or hide an entity to players (an actor's kind and owner
decide whether fog may hide it), and so the references to it."""


class SnapshotEncoder:
    """Caches per-entity JSON for one live document; call ``touched`` for every change."""

    def __init__(self, state: dict[str, Any]) -> None:
        self._state = state
        self._full: dict[EntityKey, bytes] = {}
        self._public: dict[EntityKey, bytes | None] = {}
        self._joined: dict[tuple[str, bool], list[bytes]] = {}
        self._dirty: set[EntityKey] = {
            (collection, key) for collection in ENTITY_COLLECTIONS for key in state[collection]
        }

    def touched(self, ops: Iterable[Op]) -> None:
        """Mark what a change wrote (called after it is applied, or rolled back)."""
        for op in ops:
            for path in (op["path"], op.get("from")):
                if path is None:
                    continue
                tokens = parse_path(path)
                if tokens[:2] == ("currentSession", GM_SETTINGS) and tokens[2:3] in (
                    (),
                    (NPC_HIT_POINTS,),
                ):
                    self._mark_every("actors")  # what players read of every NPC's hp
                    continue
                if touches_fog(self._state, tokens):
                    self._mark_fogged(tokens)
                if tokens[0] not in ENTITY_COLLECTIONS:
                    continue
                if len(tokens) == 1:
                    self._mark_all(tokens[0])
                    continue
                self._mark(tokens[0], tokens[1])
                if len(tokens) == 2 or tokens[2] in VISIBILITY_FIELDS:  # it may show or hide
                    self._mark_referrers(tokens[0], tokens[1])

    def _mark_referrers(self, collection: str, key: str) -> None:
        for unit in referrers(self._state, collection, key):
            if unit[0] in ENTITY_COLLECTIONS:
                self._mark(unit[0], unit[1])

    def _mark_fogged(self, tokens: tuple[str, ...]) -> None:
        """Fog, the current map or a token moved: the actors fog may have shown or
        hidden (those of one row, for a row of the fog), and what names them."""
        if tokens[:2] == (SESSION, "tokenPositions") and len(tokens) > 2:
            # A move re-encodes the actor only where fog may hide it (the busiest
            # change of all stays cheap on maps without fog).
            if may_walk_into_fog(self._state, tokens[2]):
                self._mark("actors", tokens[2])
                self._mark_referrers("actors", tokens[2])
            return
        row = tokens[4] if tokens[0] == "maps" and len(tokens) > 4 else None
        for unit in fog_units(self._state, row=row):
            if unit[0] in ENTITY_COLLECTIONS:
                self._mark(unit[0], unit[1])

    def _mark(self, collection: str, key: str) -> None:
        self._joined.pop((collection, True), None)
        self._joined.pop((collection, False), None)
        self._dirty.add((collection, key))

    def _mark_every(self, collection: str) -> None:
        for key in self._state[collection]:
            self._mark(collection, key)

    def _mark_all(self, collection: str) -> None:
        """A whole collection changed: every entity, and everything that may refer to one."""
        holders = {collection, *(u[0] for u in collection_referrers(collection))}
        for holder in holders & set(ENTITY_COLLECTIONS):
            for key in self._state[holder]:
                self._mark(holder, key)

    async def prepare(self) -> None:
        """Encode dirty entities in short slices, so the final step has little left to do."""
        deadline = time.perf_counter() + SLICE_BUDGET_S
        while self._dirty:
            self._encode_entity(self._dirty.pop())
            if time.perf_counter() > deadline:
                await asyncio.sleep(0)
                deadline = time.perf_counter() + SLICE_BUDGET_S

    async def encode(self) -> tuple[int, bytes]:
        """The snapshot (version, UTF-8 JSON) of the document as it is when this returns."""
        await self.prepare()
        version, pieces = self.pieces_now()
        return version, b"".join(pieces)

    def pieces_now(self) -> tuple[int, list[bytes]]:
        """The whole document now, as pieces whose concatenation is its JSON.

        Handing the pieces over unjoined keeps a 5 MB copy off the event loop.
        """
        return int(self._state["version"]), self._pieces(self._state, public=False)

    def view_pieces(self, audience: Audience) -> list[bytes]:
        """The audience's view now, as pieces whose concatenation is its JSON.

        This is what a welcome frame carries; the pieces go to the socket unjoined.
        """
        if audience.is_gm:
            return self.pieces_now()[1]
        # The shallow view decides what is left out; entities come from the cache.
        shallow = view(self._state, audience)
        return self._pieces(shallow, public=True, player_id=audience.player_id)

    def _pieces(
        self, document: dict[str, Any], *, public: bool, player_id: str = ""
    ) -> list[bytes]:
        while self._dirty:
            self._encode_entity(self._dirty.pop())
        pieces = [b"{"]
        for key, value in document.items():
            if len(pieces) > 1:
                pieces.append(b",")
            pieces.append(_encode(key).encode())
            pieces.append(b":")
            if key in ENTITY_COLLECTIONS:
                if public and key in ("actors", HANDOUTS):
                    pieces.extend(self._personal_collection(key, player_id))
                else:
                    pieces.extend(self._collection(key, public=public))
            else:
                pieces.append(_encode(value).encode())
        pieces.append(b"}")
        return pieces

    def _collection(self, collection: str, *, public: bool) -> list[bytes]:
        """A collection as pieces: ``{``, fragments separated by ``,``, ``}``."""
        pieces = self._joined.get((collection, public))
        if pieces is None:
            cache = self._public if public else self._full
            pieces = _object_of(cache[(collection, key)] for key in self._state[collection])
            self._joined[(collection, public)] = pieces
        return pieces

    def _personal_collection(self, collection: str, player_id: str) -> list[bytes]:
        """Handouts shared with this player, and actors with their own NPCs' exact hit
        points: the cached fragments hold what every player sees."""
        state = self._state
        owned: set[str] = set()
        if collection == "actors":
            owned = {
                key
                for key, actor in state["actors"].items()
                if actor.get("owner") == player_id and hp_masked(state, actor, "")
            }
            if not owned:
                return self._collection(collection, public=True)

        def fragment(key: str, entity: dict[str, Any]) -> bytes | None:
            cached = self._public[(collection, key)]
            if collection == HANDOUTS and not visible_to(state, key, player_id):
                return None
            if collection == "actors" and key in owned and cached is not None:
                shown = entity_view(state, collection, entity, player_id)
                return f"{_encode(key)}:{_encode(shown)}".encode()
            return cached

        return _object_of(fragment(key, entity) for key, entity in state[collection].items())

    def _encode_entity(self, key: EntityKey) -> None:
        collection, entity_id = key
        entity = self._state[collection].get(entity_id)
        if entity is None:
            self._full.pop(key, None)
            self._public.pop(key, None)
            return
        name = _encode(entity_id)
        self._full[key] = f"{name}:{_encode(entity)}".encode()
        if collection == "players":
            self._public[key] = self._full[key]
        elif collection == HANDOUTS:
            # Whom it is shown to is decided per player (``_personal_collection``).
            self._public[key] = f"{name}:{_encode(handout_view(entity))}".encode()
        elif not visible(self._state, collection, entity_id):
            self._public[key] = None
        else:
            shown = entity_view(self._state, collection, entity)
            self._public[key] = f"{name}:{_encode(shown)}".encode()


def _object_of(fragments: Iterable[bytes | None]) -> list[bytes]:
    """A JSON object as pieces: ``{``, the fragments that are not None separated by
    ``,``, ``}``."""
    pieces = [b"{"]
    for fragment in fragments:
        if fragment is None:
            continue
        if len(pieces) > 1:
            pieces.append(b",")
        pieces.append(fragment)
    pieces.append(b"}")
    return pieces
