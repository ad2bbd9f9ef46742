"""A whole table over real sockets against ``vtt-host serve --headless``.

The GM's view is the whole campaign, so after every step each player's view must equal
``view(gm_view, player)``; after the host stops, the campaign it saved must equal the
GM's view too.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Served, free_port, start_host
from vtt_host.client import Client
from vtt_host.library import Library
from vtt_host.views import player, view

NAMES = ("Alice", "Bob", "Cleo")
HEROES = ("Thorin", "Elara", "Pip")


def comparable(state: dict[str, Any]) -> dict[str, Any]:
    """A JSON copy without lastModified, which patches do not carry."""
    copy = json.loads(json.dumps(state))
    copy.pop("lastModified", None)
    return copy


def actor_id(state: dict[str, Any], name: str) -> str:
    return next(a["id"] for a in state["actors"].values() if a["name"] == name)


class Table:
    def __init__(self, gm: Client, players: dict[str, Client]) -> None:
        self.gm = gm
        self.players = players
        self.frames: dict[str, list[str]] = {name: [] for name in players}
        for name, client in players.items():
            client.on_frame.append(lambda frame, name=name: self.frames[name].append(
                json.dumps(frame)))  # fmt: skip

    async def settle(self) -> None:
        """Wait until every client has the newest version anyone has, then compare views.

        The player who acted hears first (their patch and ack leave before anyone
        else's), so the GM may still be receiving that version.
        """
        everyone = [self.gm, *self.players.values()]
        version = max(client.version for client in everyone)
        await asyncio.gather(*(client.wait_for_version(version) for client in everyone))
        for client in self.players.values():
            expected = view(self.gm.view, player(client.player_id))
            assert comparable(client.view) == comparable(expected)

    def hero(self, name: str) -> str:
        return actor_id(self.gm.view, HEROES[NAMES.index(name)])


@pytest.fixture
async def table(served: Served) -> AsyncIterator[Table]:
    ready = served.ready
    gm = await Client.connect(ready["url"], gm_token=ready["gmToken"])
    players = {
        name: await Client.connect(ready["url"], name=name, code=ready["joinCode"])
        for name in NAMES
    }
    table = Table(gm, players)
    for name, client in players.items():
        ack = await gm.act({"kind": "assign_actor", "actorId": table.hero(name),
                            "playerId": client.player_id})  # fmt: skip
        assert ack["status"] == "applied"
    await table.settle()
    yield table
    for client in [gm, *players.values()]:
        await client.close()


async def test_players_move_chat_whisper_and_roll(table: Table) -> None:
    alice, bob = table.players["Alice"], table.players["Bob"]
    ack = await alice.move(table.hero("Alice"), 5, 6)
    assert ack["status"] == "applied"
    assert alice.view["currentSession"]["tokenPositions"][table.hero("Alice")] == {"x": 5, "y": 6}
    refused = await bob.move(table.hero("Alice"), 1, 1)
    assert (refused["status"], refused["error"]) == ("rejected", "forbidden")
    assert (await alice.chat("Hello, table"))["status"] == "applied"
    assert (await alice.chat("I pocket the gem", to="gm"))["status"] == "applied"
    rolled = await bob.roll("2d20kh1+3", label="Perception")
    assert rolled["status"] == "applied"
    await table.settle()
    bob_texts = [m["text"] for m in bob.view["currentSession"]["chatMessages"]]
    assert "Hello, table" in bob_texts
    assert "I pocket the gem" not in bob_texts
    assert "I pocket the gem" not in "".join(table.frames["Bob"])
    last = table.gm.view["currentSession"]["chatMessages"][-1]
    assert last["roll"]["expr"] == "2d20kh1+3"
    assert len(last["roll"]["terms"][0]["dice"]) == 2


async def test_gm_approves_rejects_and_retries_a_stale_approval(table: Table) -> None:
    gm, alice, cleo = table.gm, table.players["Alice"], table.players["Cleo"]
    thorin, pip = table.hero("Alice"), table.hero("Cleo")
    heal = [{"op": "replace", "path": f"/actors/{thorin}/hp/current", "value": 5}]
    pending = await alice.act({"kind": "propose", "summary": "drink a potion", "changes": heal})
    assert pending["status"] == "pending"
    await gm.wait_for_version(pending["version"])
    applied = await gm.decide(pending["actionId"], approve=True)
    assert applied["status"] == "applied"
    decided = await alice.next_frame("decided")
    assert decided["approved"] is True
    await table.settle()
    assert alice.view["actors"][thorin]["hp"]["current"] == 5

    sneaky = [{"op": "replace", "path": f"/actors/{pip}/hp/max", "value": 99}]
    pending = await cleo.act({"kind": "propose", "summary": "I am tougher", "changes": sneaky})
    await gm.wait_for_version(pending["version"])
    rejected = await gm.decide(pending["actionId"], approve=False, reason="Nice try")
    assert rejected["status"] == "applied"
    decided = await cleo.next_frame("decided")
    assert (decided["approved"], decided["reason"]) == (False, "Nice try")

    hurt = [{"op": "replace", "path": f"/actors/{pip}/hp/current", "value": 2}]
    pending = await cleo.act({"kind": "propose", "summary": "I fall", "changes": hurt})
    await gm.wait_for_version(pending["version"])
    seen = gm.version
    await table.players["Bob"].move(table.hero("Bob"), 3, 3)  # unrelated: not stale
    await gm.act({"kind": "update_actor", "id": pip, "set": {"hp": {"current": 7, "max": 8}}})
    retry = await gm.decide(pending["actionId"], approve=True, expected_version=seen)
    assert retry["type"] == "action_retry"
    assert f"/actors/{pip}/hp" in retry["changedPaths"]
    assert gm.view["actors"][pip]["hp"]["current"] == 7
    applied = await gm.decide(pending["actionId"], approve=True)
    assert applied["status"] == "applied"
    await table.settle()
    assert cleo.view["actors"][pip]["hp"]["current"] == 2


async def test_players_never_receive_hidden_data(table: Table) -> None:
    gm = table.gm
    boss = actor_id(gm.view, "Goblin Boss")
    await gm.move(boss, 2, 2)
    await gm.act({"kind": "update_actor", "id": boss, "set": {"gmNotes": "ambush at dusk"}})
    await table.settle()
    for name, frames in table.frames.items():
        text = "".join(frames) + json.dumps(table.players[name].view)
        assert "Goblin Boss" not in text
        assert "ambush at dusk" not in text
        assert "gmNotes" not in text
    await gm.act({"kind": "reveal", "collection": "actors", "id": boss})
    await table.settle()
    assert table.players["Bob"].view["actors"][boss]["name"] == "Goblin Boss"


async def test_saved_campaign_equals_what_the_gm_saw(served: Served, tmp_path: Path) -> None:
    ready = served.ready
    async with Client.connect(ready["url"], gm_token=ready["gmToken"]) as gm:
        for n in range(20):
            await gm.chat(f"line {n}")
        final = comparable(gm.view)
    assert served.stop() == 0
    library = await Library.open(tmp_path / "data")
    try:
        live = await library.open_campaign(ready["campaign"])
        assert comparable(dict(live.manager.state)) == final
        assert next(b.reason for b in library.list_backups(ready["campaign"])) == "shutdown"
    finally:
        await library.close()


async def test_player_resumes_after_a_host_restart_without_losing_anything(
    tmp_path: Path,
) -> None:
    port = free_port()
    first = start_host(tmp_path / "data", "--demo", port=port)
    ready = first.ready
    alice = await Client.connect(ready["url"], name="Alice", code=ready["joinCode"])
    async with Client.connect(ready["url"], gm_token=ready["gmToken"]) as gm:
        await gm.chat("before the restart")
        await alice.wait_for_version(gm.version)
        before = alice.version
    assert first.stop() == 0
    second = start_host(tmp_path / "data", port=port)
    try:
        async with Client.connect(ready["url"], gm_token=second.ready["gmToken"]) as gm:
            await gm.chat("after the restart")
            await alice.wait_for_version(gm.version, timeout_s=20)
            texts = [m["text"] for m in alice.view["currentSession"]["chatMessages"]]
            assert texts[-2:] == ["before the restart", "after the restart"]
            assert alice.version > before
            assert alice.resumes >= 1
            # Alice's return (she is connected again) may be a version the GM is receiving.
            await gm.wait_for_version(alice.version)
            assert comparable(alice.view) == comparable(view(gm.view, player(alice.player_id)))
    finally:
        await alice.close()
        assert second.stop() == 0
