"""Reconnecting with ``resume`` and ``since``: no version lost, none applied twice."""

from __future__ import annotations

import json
from pathlib import Path

from vtt_host.actions import GM_CALLER
from vtt_host.client import Client
from vtt_host.library import Library
from vtt_host.live import LiveCampaign
from vtt_host.server import Host, HostLimits

from .conftest import (
    MakeHost,
    actor_named,
    comparable,
    eventually,
    expected_view,
    gm_client,
    hello,
    player_client,
    raw,
)


async def move_goblin(campaign: LiveCampaign, x: int) -> int:
    goblin = actor_named(dict(campaign.manager.state), "Goblin 1")
    action = {"kind": "move_token", "tokenId": goblin, "x": x, "y": 1}
    outcome = await campaign.manager.submit(action, GM_CALLER)
    return int(outcome.version)


async def test_dropped_connection_resumes_without_losing_an_update(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    bob = await player_client(host, clients, "Bob")
    await alice.wait_for_version(campaign.manager.version)
    alice.ws.transport.abort()  # the network goes away without a close frame
    for x in range(8):
        await move_goblin(campaign, x)
        await bob.chat(f"message {x}")
    await alice.wait_for(lambda: alice.resumes == 1)
    assert alice.welcome["state"] is None  # served from the mailbox
    final = campaign.manager.version
    for client in (gm, alice, bob):
        await client.wait_for_version(final)
        assert comparable(client.view) == expected_view(campaign, client)
    texts = [m["text"] for m in alice.view["currentSession"]["chatMessages"]]
    assert texts == [f"message {x}" for x in range(8)]


async def test_resume_sends_the_missed_patches_in_order(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    alice = await player_client(host, clients, "Alice", auto_resume=False)
    session, since = alice.session, alice.version
    await alice.close()
    versions = [await move_goblin(campaign, x) for x in range(3)]
    ws = await raw(host)
    welcome = await hello(ws, resume=session, since=since)
    assert (welcome["state"], welcome["version"]) == (None, since)
    assert welcome["playerId"] == alice.player_id
    assert welcome["session"] == session
    patches = []
    while len(patches) < len(versions) + 1:  # the missed moves, then Alice's join
        frame = json.loads(await ws.recv())
        assert frame["type"] == "patch"
        patches.append(frame["version"])
    assert patches == list(range(since + 1, since + len(patches) + 1))


async def test_resume_older_than_the_mailbox_gets_the_full_view(
    make_host: MakeHost, campaign: LiveCampaign, clients: list[Client]
) -> None:
    host = await make_host(limits=HostLimits(mailbox_versions=2))
    alice = await player_client(host, clients, "Alice", auto_resume=False)
    session, since = alice.session, alice.version
    await alice.close()
    for x in range(5):
        await move_goblin(campaign, x)
    welcome = await hello(await raw(host), resume=session, since=since)
    assert welcome["state"] is not None
    assert welcome["version"] == campaign.manager.version


async def test_resume_from_a_future_version_gets_the_full_view(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    alice = await player_client(host, clients, "Alice", auto_resume=False)
    session = alice.session
    await alice.close()
    welcome = await hello(await raw(host), resume=session, since=10_000)
    assert welcome["state"] is not None
    assert welcome["version"] == campaign.manager.version


async def test_gm_resumes_the_same_way(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    gm.ws.transport.abort()
    for x in range(4):
        await move_goblin(campaign, x)
    await gm.wait_for(lambda: gm.resumes == 1)
    assert gm.welcome["state"] is None
    await gm.wait_for_version(campaign.manager.version)
    assert comparable(gm.view) == expected_view(campaign, gm)


async def test_client_seeing_a_version_gap_resumes(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    alice = await player_client(host, clients, "Alice")
    await move_goblin(campaign, 1)
    await alice.wait_for_version(campaign.manager.version)
    alice.version -= 1  # as if one patch had been lost: the next one shows a gap
    await move_goblin(campaign, 2)
    await alice.wait_for(lambda: alice.resumes == 1)
    await alice.wait_for_version(campaign.manager.version)
    assert comparable(alice.view) == expected_view(campaign, alice)


async def test_sessions_survive_a_host_restart(tmp_path: Path) -> None:
    """A new process: the library reopened from disk, a new host, the same tokens."""
    lib = await Library.open(tmp_path / "data")
    campaign_id = await lib.create("Restart", demo=True)
    live = await lib.open_campaign(campaign_id)
    host = Host(web_dir=None)
    await host.add_campaign(live)
    await host.start()
    gm = await Client.connect(host.local_url, gm_token=host.gm_token(), auto_resume=False)
    alice = await Client.connect(
        host.local_url, name="Alice", code=host.join_code(), auto_resume=False
    )
    await gm.wait_for_version(live.manager.version)
    sessions = {"gm": (gm.session, gm.version), "alice": (alice.session, alice.version)}
    code, token = host.join_code(), host.gm_token()
    await gm.close()
    await alice.close()
    await host.close()
    await lib.close()

    lib = await Library.open(tmp_path / "data")
    try:
        live = await lib.open_campaign(campaign_id)
        host = Host(web_dir=None)
        await host.add_campaign(live)
        async with host:
            assert (host.join_code(), host.gm_token()) == (code, token)
            await move_goblin(live, 9)
            session, since = sessions["alice"]
            player_welcome = await hello(await raw(host), resume=session, since=since)
            assert player_welcome["playerId"] == alice.player_id
            # No mailbox reaches back before the restart: the full view.
            assert player_welcome["state"] is not None
            assert player_welcome["version"] >= live.manager.version - 1
            session, since = sessions["gm"]
            gm_welcome = await hello(await raw(host), resume=session, since=since)
            # The GM's patches are the journal's records: served from there.
            assert (gm_welcome["state"], gm_welcome["version"]) == (None, since)
    finally:
        await lib.close()


async def test_player_away_longest_loses_their_mailbox_and_resumes_with_a_full_view(
    make_host: MakeHost, campaign: LiveCampaign, clients: list[Client]
) -> None:
    host = await make_host(limits=HostLimits(idle_mailboxes=1))
    bob = await player_client(host, clients, "Bob", auto_resume=False)
    alice = await player_client(host, clients, "Alice", auto_resume=False)
    (alice_session, alice_since), (bob_session, bob_since) = (
        (alice.session, alice.version),
        (bob.session, bob.version),
    )
    await alice.close()
    await eventually(lambda: not host.hub().members_of(alice.player_id))
    await bob.close()  # Bob left last (though he came first): only his mailbox is kept
    await eventually(lambda: not host.hub().members_of(bob.player_id))
    for x in range(3):
        await move_goblin(campaign, x)
    assert host.hub().mailbox_count == 1

    bob_back = await hello(await raw(host), resume=bob_session, since=bob_since)
    assert (bob_back["state"], bob_back["version"]) == (None, bob_since)
    welcome = await hello(await raw(host), resume=alice_session, since=alice_since)
    assert welcome["state"] is not None
    assert welcome["version"] == campaign.manager.version
    assert comparable(welcome["state"]) == comparable(expected_view(campaign, alice))
