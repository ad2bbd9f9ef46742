"""Bounded growth: what one player may leave waiting, and how big a campaign may get."""

from __future__ import annotations

import random
from typing import Any

from vtt_host import growth
from vtt_host.actions import GM_CALLER
from vtt_host.errors import Invalid
from vtt_host.growth import CampaignFull, json_bytes
from vtt_host.manager import StateManager

from .conftest import actor_named, caller, refused, table_state

HERO = actor_named(table_state(), "Thorin")


def notes_proposal(size: int, tag: str = "") -> dict[str, Any]:
    """A player's proposal carrying ``size`` characters of text."""
    story = {"op": "add", "path": f"/actors/{HERO}/pluginData/story", "value": "x" * size}
    return {"kind": "propose", "summary": f"a long backstory {tag}", "changes": [story]}


async def test_a_proposal_larger_than_any_sheet_edit_is_refused(manager: StateManager) -> None:
    error = await refused(
        manager, notes_proposal(growth.PROPOSAL_MAX_BYTES + 1), caller("p1"), Invalid
    )
    assert "at most" in error.message


async def test_one_player_cannot_fill_the_queue_with_megabytes(manager: StateManager) -> None:
    """A code holder sending big proposals as fast as allowed: bounded, not 100 MB."""
    accepted = 0
    for n in range(growth.PENDING_PER_TABLE):
        try:
            await manager.submit(notes_proposal(60_000, str(n)), caller("p1"))
        except Invalid:
            break
        accepted += 1
    assert 0 < accepted < 5
    pending = manager.state["currentSession"]["pendingActions"]
    assert json_bytes([p["changes"] for p in pending]) <= growth.PENDING_BYTES_PER_PLAYER
    await manager.submit(notes_proposal(100), caller("p2"))  # others still get heard


async def test_the_whole_table_cannot_queue_more_than_the_gm_can_read(
    manager: StateManager,
) -> None:
    queue = manager.state["currentSession"]["pendingActions"]
    for n in range(growth.PENDING_PER_TABLE):
        queue.append(
            {"id": f"act_{n}", "playerId": "p3", "kind": "propose", "summary": "s",
             "changes": [], "createdAt": 1, "version": 0}
        )  # fmt: skip
    error = await refused(manager, notes_proposal(10), caller("p1"), Invalid)
    assert "too many proposals" in error.message


async def test_a_full_campaign_refuses_what_would_grow_it_and_allows_what_frees_room() -> None:
    manager = StateManager(table_state(), rng=random.Random(1), clock=lambda: 5_000)
    manager.size.limit_bytes = manager.size.bytes + 5_000
    lore = {"kind": "create_item", "data": {"name": "Tome", "description": "y" * 10_000}}
    error = await refused(manager, lore, GM_CALLER, CampaignFull)
    assert "the GM makes room" in error.message
    small = await manager.submit({"kind": "chat", "text": "still fits"}, GM_CALLER)
    assert small.version == 1
    item = next(iter(manager.state["items"]))
    freed = await manager.submit({"kind": "delete_item", "id": item}, GM_CALLER)
    assert freed.version == 2
    manager.size.limit_bytes = manager.size.bytes  # nothing more fits at all
    await refused(manager, {"kind": "chat", "text": "one more"}, caller("p1"), CampaignFull)
    await manager.join("p_new", "Dana")  # players still come and go
    assert manager.state["players"]["p_new"]["name"] == "Dana"


def without_change_log(state: Any) -> int:
    """The change log is a bounded ring the running size leaves out."""
    return json_bytes(state) - json_bytes(state["changeLog"])


async def test_the_running_size_follows_the_document(manager: StateManager) -> None:
    rng = random.Random(3)
    hero = HERO
    start_estimate, start = manager.size.bytes, without_change_log(manager.state)
    for n in range(300):
        roll = rng.random()
        if roll < 0.4:
            text = f"line {n} " * rng.randint(1, 30)
            await manager.submit({"kind": "chat", "text": text}, GM_CALLER)
        elif roll < 0.7:
            await manager.submit(
                {"kind": "move_token", "tokenId": hero, "x": rng.randrange(20), "y": 3}, GM_CALLER
            )
        else:
            note = "z" * rng.randint(0, 2000)
            edit = {"kind": "update_actor", "id": hero, "set": {"gmNotes": note}}
            await manager.submit(edit, GM_CALLER)
    grew = without_change_log(manager.state) - start
    assert grew > 20_000
    assert abs((manager.size.bytes - start_estimate) - grew) < grew * 0.1
    exact = json_bytes(manager.state)
    manager.size.measured(manager.version, exact)
    assert manager.size.bytes == exact
