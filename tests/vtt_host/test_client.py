"""The Python client against a real host."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from vtt_host.client import Client, ConnectionLost, ConnectionRefused, parse_large
from vtt_host.library import Library
from vtt_host.live import LiveCampaign
from vtt_host.server import KICKED_CLOSE_CODE, Host
from vtt_host.views import player, view


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Host, LiveCampaign]]:
    library = await Library.open(tmp_path / "data")
    campaign = await library.open_campaign(await library.create("Client", demo=True))
    host = Host(web_dir=None)
    await host.add_campaign(campaign)
    try:
        async with host:
            yield host, campaign
    finally:
        await library.close()


async def test_connect_as_context_manager_keeps_the_view_current(
    served: tuple[Host, LiveCampaign],
) -> None:
    host, campaign = served
    async with Client.connect(host.local_url, name="Alice", code=host.join_code()) as alice:
        assert alice.role == "player"
        ack = await alice.chat("hello")
        assert ack["status"] == "applied"
        assert alice.view["version"] == alice.version == ack["version"]
        expected = view(dict(campaign.manager.state), player(alice.player_id))
        assert alice.view["currentSession"] == expected["currentSession"]
    assert alice.is_closed


async def test_concurrent_actions_each_get_their_own_ack(
    served: tuple[Host, LiveCampaign],
) -> None:
    host, _ = served
    alice = await Client.connect(host.local_url, name="Alice", code=host.join_code())
    try:
        acks = await asyncio.gather(*(alice.chat(f"m{i}") for i in range(10)))
        assert len({ack["id"] for ack in acks}) == 10
        assert sorted(ack["version"] for ack in acks) == [a["version"] for a in acks]
    finally:
        await alice.close()


async def test_waiting_request_fails_with_connection_lost_when_the_connection_drops(
    served: tuple[Host, LiveCampaign],
) -> None:
    host, _ = served
    alice = await Client.connect(host.local_url, name="Alice", code=host.join_code())
    try:
        pending = asyncio.create_task(alice.request({"type": "ping"}))
        await asyncio.sleep(0)
        alice.ws.transport.abort()
        with pytest.raises(ConnectionLost):
            await pending
        await alice.wait_for(lambda: alice.resumes == 1)
        assert (await alice.chat("back"))["status"] == "applied"
    finally:
        await alice.close()


async def test_kicked_client_stops_and_does_not_resume(served: tuple[Host, LiveCampaign]) -> None:
    host, _ = served
    alice = await Client.connect(host.local_url, name="Alice", code=host.join_code())
    assert await host.kick(alice.player_id) == 1
    await alice.wait_for(lambda: alice.is_closed)
    assert alice.closed_with is not None
    assert alice.closed_with[0] == KICKED_CLOSE_CODE
    assert alice.resumes == 0
    await alice.close()


async def test_wrong_credentials_raise_connection_refused(
    served: tuple[Host, LiveCampaign],
) -> None:
    host, _ = served
    with pytest.raises(ConnectionRefused) as refused:
        await Client.connect(host.local_url, gm_token="nope")
    assert refused.value.code == 4001


async def test_close_is_idempotent(served: tuple[Host, LiveCampaign]) -> None:
    host, _ = served
    gm = await Client.connect(host.local_url, gm_token=host.gm_token())
    await gm.close()
    await gm.close()
    assert gm.is_closed


def test_a_large_welcome_parses_the_same_and_leaves_the_collector_as_it_was() -> None:
    actors = {f"a{i}": {"hp": i} for i in range(5000)}
    text = json.dumps({"type": "welcome", "state": {"actors": actors}})
    assert gc.isenabled()
    assert parse_large(text) == json.loads(text)
    assert gc.isenabled()
    gc.disable()
    try:
        assert parse_large(text)["type"] == "welcome"
        assert not gc.isenabled()
    finally:
        gc.enable()
