"""The protocol over a real socket: hello, welcome, patches, acks, decisions, errors."""

from __future__ import annotations

import json

from vtt_host.client import Client
from vtt_host.library import Library
from vtt_host.live import LiveCampaign
from vtt_host.server import Host

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
    again = await player_client(host, clients, "Alice")
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
