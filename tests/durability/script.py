"""A campaign whose every version is a function of its number alone.

The crash child and the tests share this script: version ``n`` is always made by
``action_for(n)``, at clock ``at_ms(n)``, with ids derived from ``n``. So the state at
any version can be recomputed in the test process and compared with what a killed
process left on disk, field for field (timestamps and generated ids included).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from typing import Any

from storage import JournalRecord
from vtt_host.actions import GM_CALLER
from vtt_host.demo import demo_state
from vtt_host.manager import Applied, StateManager

CAMPAIGN_ID = "c_durable"
BASE_MS = 1_700_000_000_000
LORE_ITEMS = 12
LORE_CHARS = 20_000
"""About 240 KB of item text, so a checkpoint writes several blob chunks and takes a while."""


def at_ms(version: int) -> int:
    return BASE_MS + version * 1000


def lore_text(index: int) -> str:
    """Text that never repeats, so any slice of it is found once in a database file."""
    chunks: list[str] = []
    digest = f"lore {index}".encode()
    for _ in range(LORE_CHARS // 64 + 1):
        digest = hashlib.sha256(digest).digest()
        chunks.append(digest.hex())
    return "".join(chunks)[:LORE_CHARS]


def initial_state(campaign_id: str = CAMPAIGN_ID) -> dict[str, Any]:
    """The demo campaign with fixed ids and times, plus bulky lore items."""
    counter = itertools.count(1)
    state = demo_state(
        campaign_id, now_ms=BASE_MS, make_id=lambda prefix: f"{prefix}_{next(counter):04d}"
    )
    for index in range(LORE_ITEMS):
        item_id = f"i_lore{index:02d}"
        state["items"][item_id] = {
            "id": item_id,
            "name": f"Lore {index}",
            "description": lore_text(index),
            "hidden": False,
            "imageAsset": None,
            "pluginData": {},
            "gmNotes": "",
        }
    return state


def _actor_ids(kind: str) -> list[str]:
    actors = initial_state()["actors"].values()
    return [a["id"] for a in actors if a["type"] == kind and not a.get("hidden")]


HEROES = _actor_ids("character")
GOBLINS = _actor_ids("monster")


def action_for(version: int) -> dict[str, Any]:
    """The GM action that makes ``version`` (valid on the state at ``version - 1``)."""
    step = version % 10
    if step in (0, 3):
        hero = HEROES[(version // 10) % len(HEROES)]
        return {"kind": "move_token", "tokenId": hero, "x": version % 24, "y": (version // 24) % 16}
    if step in (1, 5, 8):
        return {"kind": "chat", "text": f"chat line {version}"}
    if step in (2, 7):
        goblin = GOBLINS[version % len(GOBLINS)]
        return {
            "kind": "update_actor",
            "id": goblin,
            "set": {"hp": {"current": version % 8, "max": 7, "temp": 0}},
        }
    if step == 4:
        return {
            "kind": "create_actor",
            "data": {
                "id": f"a_s{version}",
                "name": f"Summon {version}",
                "type": "monster",
                "hp": {"current": 3, "max": 3, "temp": 0},
            },
        }
    if step == 6:  # the summon made at version - 2 gets a token; a note changes
        return {
            "kind": "patch",
            "ops": [
                {"op": "replace", "path": "/campaign/gmNotes", "value": f"note {version}"},
                {
                    "op": "add",
                    "path": f"/currentSession/tokenPositions/a_s{version - 2}",
                    "value": {"x": version % 20, "y": 1},
                },
            ],
        }
    return {"kind": "delete_actor", "id": f"a_s{version - 5}"}  # step 9


def fingerprint(action: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(action, sort_keys=True).encode()).hexdigest()[:16]


def jsonable(value: Any) -> Any:
    """A deep copy in the form the journal and the snapshot store."""
    return json.loads(json.dumps(value))


class ScriptedManager(StateManager):
    """A StateManager whose clock and ids depend only on the version being made."""

    def __init__(self, state: dict[str, Any], **kwargs: Any) -> None:
        kwargs.setdefault("rng", random.Random(0))
        super().__init__(state, clock=self._tick, make_id=self._next_id, **kwargs)
        self._ids_for = -1
        self._ids_used = 0

    async def submit(self, action: Any, caller: Any) -> Any:
        self._ids_for = -1  # a retried version gets the same ids as its first attempt
        return await super().submit(action, caller)

    def _tick(self) -> int:
        return at_ms(self.version + 1)

    def _next_id(self, prefix: str) -> str:
        upcoming = self.version + 1
        if upcoming != self._ids_for:
            self._ids_for, self._ids_used = upcoming, 0
        self._ids_used += 1
        return f"{prefix}_v{upcoming}n{self._ids_used}"


async def apply_script(manager: StateManager, up_to: int) -> None:
    """Advance ``manager`` to version ``up_to`` by the script."""
    while manager.version < up_to:
        version = manager.version + 1
        outcome = await manager.submit(action_for(version), GM_CALLER)
        assert isinstance(outcome, Applied), outcome
        assert outcome.version == version, (outcome.version, version)


class ExpectedCampaign:
    """The script run without persistence: the state and journal record of any version."""

    def __init__(self, campaign_id: str = CAMPAIGN_ID) -> None:
        self.records: dict[int, JournalRecord] = {}
        self.manager = ScriptedManager(initial_state(campaign_id), persist=self._keep)
        self._states: dict[int, dict[str, Any]] = {0: jsonable(self.manager.state)}

    async def _keep(self, record: JournalRecord) -> None:
        self.records[record.version] = JournalRecord(
            record.version,
            jsonable(record.ops),
            jsonable(record.inverse),
            record.by,
            record.description,
            record.at_ms,
            jsonable(record.meta),
        )

    async def state_at(self, version: int, *, keep: bool = False) -> dict[str, Any]:
        """The document at ``version`` (only forward from the furthest one asked for)."""
        if version in self._states:
            return self._states[version]
        assert version >= self.manager.version, f"version {version} is behind the script"
        await apply_script(self.manager, version)
        state: dict[str, Any] = jsonable(self.manager.state)
        if keep:
            self._states[version] = state
        return state


def first_difference(left: Any, right: Any, path: str = "") -> str | None:
    """The JSON pointer of the first place two documents differ, for readable failures."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            if key not in left or key not in right:
                return f"{path}/{key} (present on one side only)"
            found = first_difference(left[key], right[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return f"{path} (lengths {len(left)} != {len(right)})"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            found = first_difference(a, b, f"{path}/{index}")
            if found:
                return found
        return None
    return None if left == right else f"{path}: {left!r} != {right!r}"
