"""Encoding the whole campaign for a checkpoint without stalling the event loop.

``json.dumps`` of a 5 MB document holds the loop for tens of milliseconds, and the
document cannot be handed to a thread while the loop keeps changing it. So each entity
is encoded on its own and cached; a change only marks the entities it touched. A
checkpoint re-encodes the dirty entities in small slices (yielding between them) and
then, in one short synchronous step, re-encodes what changed meanwhile and joins the
cached fragments into the snapshot of exactly one version.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from typing import Any

from vtt_host.patching import Op, parse_path

ENTITY_COLLECTIONS = ("players", "actors", "items", "maps", "encounters")
SLICE_BUDGET_S = 0.002
"""Encode for at most this long before letting other tasks run."""

_encode = json.JSONEncoder(separators=(",", ":")).encode

EntityKey = tuple[str, str]


class SnapshotEncoder:
    """Caches per-entity JSON for one live document; call ``touched`` for every change."""

    def __init__(self, state: dict[str, Any]) -> None:
        self._state = state
        self._fragments: dict[EntityKey, bytes] = {}
        self._collections: dict[str, list[bytes]] = {}
        self._dirty: set[EntityKey] = {
            (collection, key) for collection in ENTITY_COLLECTIONS for key in state[collection]
        }

    def touched(self, ops: Iterable[Op]) -> None:
        """Mark what a change wrote (called after it is applied)."""
        for op in ops:
            for path in (op["path"], op.get("from")):
                if path is None:
                    continue
                tokens = parse_path(path)
                if tokens[0] not in ENTITY_COLLECTIONS:
                    continue
                collection = tokens[0]
                self._collections.pop(collection, None)
                if len(tokens) == 1:
                    self._dirty.update((collection, key) for key in self._state[collection])
                else:
                    self._dirty.add((collection, tokens[1]))

    async def prepare(self) -> None:
        """Encode dirty entities in short slices, so ``encode_now`` has little left to do."""
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
        """Finish synchronously: re-encode what is still dirty and list the fragments.

        The concatenation of the pieces is the snapshot; handing them over unjoined
        keeps a 5 MB copy off the event loop.
        """
        while self._dirty:
            self._encode_entity(self._dirty.pop())
        pieces = [b"{"]
        for key, value in self._state.items():
            if len(pieces) > 1:
                pieces.append(b",")
            pieces.append(_encode(key).encode())
            pieces.append(b":")
            if key in ENTITY_COLLECTIONS:
                pieces.extend(self._collection(key))
            else:
                pieces.append(_encode(value).encode())
        pieces.append(b"}")
        return int(self._state["version"]), pieces

    def _collection(self, collection: str) -> list[bytes]:
        """An entity collection as pieces: ``{``, fragments separated by ``,``, ``}``."""
        pieces = self._collections.get(collection)
        if pieces is None:
            fragments = self._fragments
            pieces = [b"{"]
            for index, key in enumerate(self._state[collection]):
                if index:
                    pieces.append(b",")
                pieces.append(fragments[(collection, key)])
            pieces.append(b"}")
            self._collections[collection] = pieces
        return pieces

    def _encode_entity(self, key: EntityKey) -> None:
        entity = self._state[key[0]].get(key[1])
        if entity is None:
            self._fragments.pop(key, None)
        else:
            self._fragments[key] = f"{_encode(key[1])}:{_encode(entity)}".encode()
