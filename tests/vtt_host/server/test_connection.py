"""The protocol over a real socket: hello, welcome, patches, acks, decisions, errors."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest

from vtt_host.actions import new_id
from vtt_host.client import Client
from vtt_host.demo import demo_state
from vtt_host.library import Library
from vtt_host.live import LiveCampaign
from vtt_host.schema import validate_state
from vtt_host.server import Host
from vtt_host.server.connection import FRAGMENT_CHARS, _regroup
from vtt_host.views import GM, player, view

from .conftest import (
    actor_named,
    close_code,
    comparable,
    expected_view,
    gm_client,
    hello,
    player_client,
    raw,
)


async def test_player_welcome_carries_their_view_and_a_stable_player_id(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    alice = await player_client(host, clients, "Alice")
    assert alice.role == "player"
    assert alice.player_id.startswith("p_")
    assert alice.campaign == campaign.id
    assert alice.session
    await alice.wait_for_version(campaign.manager.version)
    assert comparable(alice.view) == expected_view(campaign, alice)
    await alice.close()
    # A new device: the recovery code from the first welcome, without the GM.
    again = await player_client(host, clients, "Alice", recovery=alice.recovery_code)
    assert again.player_id == alice.player_id
    assert again.session != alice.session


async def test_join_and_leave_are_versioned_changes_everyone_sees(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    await gm.wait_for(lambda: alice.player_id in gm.view["players"])
    connected = lambda: [p["playerId"] for p in gm.view["currentSession"]["connectedPlayers"]]  # noqa: E731
    await gm.wait_for(lambda: connected() == [alice.player_id])
    await alice.close()
    await gm.wait_for(lambda: connected() == [])
    assert alice.player_id in gm.view["players"]


async def test_gm_welcome_is_the_whole_document_with_the_join_code(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    assert gm.player_id == "gm"
    assert gm.role == "gm"
    assert gm.welcome["joinCode"] == host.join_code()
    assert comparable(gm.view) == expected_view(campaign, gm)


def large_demo() -> dict[str, Any]:
    """The demo campaign with tomes, some hidden, and one entity larger than a fragment."""
    state = demo_state(new_id("c"), now_ms=1_700_000_000_000)
    lore = ("The road remembers every traveller. " * 600)[:20_000]
    for index in range(60):
        tome = f"i_tome{index}"
        state["items"][tome] = {
            "id": tome,
            "name": f"Tome {index}",
            "description": lore,
            "hidden": index % 4 == 0,
            "gmNotes": f"tome {index} is a mimic",
        }
    pages = {f"page{n}": "Marginalia, illegible and long. " * 100 for n in range(100)}
    state["items"]["i_atlas"] = {"id": "i_atlas", "name": "Atlas", "pluginData": pages}
    return validate_state(state)


@pytest.mark.parametrize("compression", [None, "deflate"])
async def test_joining_a_large_campaign_brings_exactly_your_view_in_one_message(
    library: Library, compression: Literal["deflate"] | None
) -> None:
    imported = await library.add_state(large_demo())
    campaign = await library.open_campaign(imported.campaign_id)
    host = Host(web_dir=None, compression=compression)
    await host.add_campaign(campaign)
    async with host:
        ws = await raw(host)
        await ws.send(
            json.dumps({"type": "hello", "protocol": 1, "name": "Zoë", "code": host.join_code()})
        )
        fragments = [fragment async for fragment in ws.recv_streaming()]
        text = "".join(fragments)
        assert len(text.encode()) > 4 * FRAGMENT_CHARS
        assert len(fragments) > 1  # one message, sent in fragments
        welcome = json.loads(text)
        assert welcome["type"] == "welcome"
        assert welcome["name"] == "Zoë"
        assert welcome["version"] == campaign.manager.version
        state = campaign.manager.state
        assert comparable(welcome["state"]) == comparable(view(state, player(welcome["playerId"])))
        assert "i_tome0" not in welcome["state"]["items"]  # hidden from players
        assert "gmNotes" not in welcome["state"]["items"]["i_tome1"]
        # The connection goes on after the long message: the next frame is the reply.
        await ws.send(json.dumps({"type": "ping", "id": "after"}))
        assert json.loads(await ws.recv()) == {"type": "pong", "id": "after"}
        await ws.close()

        async with Client.connect(host.local_url, gm_token=host.gm_token()) as gm:
            assert comparable(gm.view) == comparable(view(state, GM))
            assert gm.view["items"]["i_tome0"]["gmNotes"] == "tome 0 is a mimic"


def test_a_large_frame_is_cut_into_fragments_between_characters() -> None:
    pieces = [b"{", "\u00e9".encode() * 10, b"ab", "\U0001f409".encode() * 7, b"", b"}"]
    fragments = list(_regroup(pieces, size=8))
    assert b"".join(fragments) == b"".join(pieces)
    assert all(len(fragment) <= 8 for fragment in fragments)
    assert all(len(fragment) > 8 - 4 for fragment in fragments[:-1])  # full, less a character
    for fragment in fragments:
        fragment.decode()  # each is UTF-8 on its own, as when a text is cut
    assert list(_regroup([b"{", b"a" * 5, b"}"], size=8)) == [b"{aaaaa}"]


async def test_applied_ack_follows_the_senders_own_patch(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    goblin = actor_named(gm.view, "Goblin 1")
    order: list[str] = []
    gm.on_frame.append(lambda frame: order.append(frame["type"]))
    ack = await gm.move(goblin, 7, 7)
    assert ack["status"] == "applied"
    assert gm.version == ack["version"]
    assert gm.view["currentSession"]["tokenPositions"][goblin] == {"x": 7, "y": 7}
    assert order == ["patch", "ack"]


async def test_every_action_frame_gets_exactly_one_ack_refusals_included(
    host: Host, clients: list[Client]
) -> None:
    alice = await player_client(host, clients, "Alice")
    goblin = actor_named(alice.view, "Goblin 1")
    refused = await alice.move(goblin, 1, 1)
    assert refused["type"] == "ack"
    assert refused["status"] == "rejected"
    assert refused["error"] == "forbidden"
    invalid = await alice.act({"kind": "move_token", "tokenId": goblin})
    assert (invalid["status"], invalid["error"]) == ("rejected", "invalid")
    unknown = await alice.act({"kind": "summon_dragon"})
    assert (unknown["status"], unknown["error"]) == ("rejected", "invalid")
    missing = await alice.move("a_nobody", 1, 1)
    assert (missing["status"], missing["error"]) == ("rejected", "not_found")
    acks = [f for f in alice.frames if f["type"] == "ack"]
    assert len(acks) == 4


async def test_players_cannot_send_host_internal_presence_actions(
    host: Host, clients: list[Client]
) -> None:
    alice = await player_client(host, clients, "Alice")
    ack = await alice.act({"kind": "leave", "playerId": alice.player_id})
    assert (ack["status"], ack["error"]) == ("rejected", "forbidden")


async def test_proposal_is_pending_then_decided_for_the_proposer(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    thorin = actor_named(alice.view, "Thorin")
    change = [{"op": "replace", "path": f"/actors/{thorin}/hp/current", "value": 5}]
    ack = await alice.act({"kind": "propose", "summary": "I drink", "changes": change})
    assert ack["status"] == "pending"
    assert ack["actionId"].startswith("act_")
    assert isinstance(ack["version"], int)
    await gm.wait_for_version(ack["version"])
    decision = await gm.decide(ack["actionId"], approve=True, reason="fine")
    assert decision["status"] == "applied"
    decided = await alice.next_frame("decided")
    assert decided == {
        "type": "decided",
        "actionId": ack["actionId"],
        "approved": True,
        "reason": "fine",
    }
    await alice.wait_for_version(decision["version"])
    assert alice.view["actors"][thorin]["hp"]["current"] == 5


async def test_stale_decision_gets_action_retry_and_the_retry_applies(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    thorin = actor_named(alice.view, "Thorin")
    path = f"/actors/{thorin}/hp/current"
    ack = await alice.act(
        {
            "kind": "propose",
            "summary": "heal",
            "changes": [{"op": "replace", "path": path, "value": 9}],
        }
    )
    await gm.wait_for_version(ack["version"])
    seen = gm.version
    edit = await gm.act({"kind": "patch", "ops": [{"op": "replace", "path": path, "value": 3}]})
    assert edit["status"] == "applied"
    retry = await gm.decide(ack["actionId"], approve=True, expected_version=seen)
    assert retry["type"] == "action_retry"
    assert retry["actionId"] == ack["actionId"]
    assert retry["version"] == edit["version"]
    assert path in retry["changedPaths"]
    again = await gm.decide(ack["actionId"], approve=True, expected_version=retry["version"])
    assert again["status"] == "applied"
    await alice.wait_for_version(again["version"])
    assert alice.view["actors"][thorin]["hp"]["current"] == 9


async def test_bad_frames_get_error_frames_and_the_connection_stays(
    host: Host, clients: list[Client]
) -> None:
    alice = await player_client(host, clients, "Alice")
    await alice.ws.send("{not json")
    assert (await alice.next_frame("error"))["error"] == "bad_message"
    await alice.send({"type": "teleport"})
    assert (await alice.next_frame("error"))["error"] == "bad_message"
    await alice.send(
        {"type": "action", "id": "x1", "action": {"kind": "chat", "text": "hi"}, "extra": 1}
    )
    error = await alice.next_frame("error")
    assert (error["error"], error["id"]) == ("bad_message", "x1")
    await alice.ws.send(b"\x00\x01")
    assert (await alice.next_frame("error"))["error"] == "bad_message"
    assert (await alice.chat("still here"))["status"] == "applied"


async def test_ping_is_answered_with_pong(host: Host, clients: list[Client]) -> None:
    alice = await player_client(host, clients, "Alice")
    assert await alice.request({"type": "ping"}) == {"type": "pong", "id": "c1"}


async def test_gm_rotates_the_join_code_and_the_old_one_stops_working(
    host: Host, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    old = host.join_code()
    new = await gm.rotate_code()
    assert new != old
    assert host.join_code() == new
    ws = await raw(host)
    await ws.send(json.dumps({"type": "hello", "protocol": 1, "name": "Eve", "code": old}))
    assert await close_code(ws) == 4001
    welcome = await hello(await raw(host), name="Dan", code=new.lower().replace("-", ""))
    assert welcome["type"] == "welcome"


async def test_the_gm_cannot_kick_themselves(host: Host, clients: list[Client]) -> None:
    gm = await gm_client(host, clients)
    answer = await gm.kick("gm")
    assert (answer["type"], answer["error"]) == ("error", "invalid")
    assert (await gm.request({"type": "ping"}))["type"] == "pong"


async def test_kicking_an_unknown_player_is_not_found(host: Host, clients: list[Client]) -> None:
    gm = await gm_client(host, clients)
    answer = await gm.kick("p_nobody")
    assert (answer["type"], answer["error"]) == ("error", "not_found")


async def test_hello_naming_a_campaign_opens_it_on_demand(library: Library) -> None:
    first = await library.create("First", demo=True)
    second = await library.create("Second", demo=True)

    async def open_campaign(name_or_id: str) -> LiveCampaign | None:
        info = await library.find(name_or_id)
        return await library.open_campaign(info.id) if info else None

    host = Host(web_dir=None, open_campaign=open_campaign)
    await host.add_campaign(await library.open_campaign(first))
    async with host:
        assert [hub.id for hub in host.campaigns] == [first]
        ws = await raw(host)
        await ws.send(json.dumps({"type": "hello", "protocol": 1, "name": "A", "code": "X"}))
        assert await close_code(ws) == 4001  # no campaign named: only First is tried
        await (await library.open_campaign(second)).set_secret("join_code", "ABCD-EFGH-JK")
        welcome = await hello(await raw(host), name="A", code="ABCD-EFGH-JK", campaign="second")
        assert welcome["campaign"] == second
        assert sorted(hub.id for hub in host.campaigns) == sorted([first, second])
        unknown = await raw(host)
        await unknown.send(
            json.dumps({"type": "hello", "protocol": 1, "gmToken": "t", "campaign": "Nope"})
        )
        assert await close_code(unknown) == 4001


async def test_removing_a_campaign_closes_its_connections(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    alice = await player_client(host, clients, "Alice", auto_resume=False)
    await host.remove_campaign(campaign.id)
    await alice.wait_for(lambda: alice.is_closed)
    assert alice.closed_with is not None
    assert alice.closed_with[0] == 1001
    assert host.campaigns == []
    assert campaign.manager.state["currentSession"]["connectedPlayers"] == []
