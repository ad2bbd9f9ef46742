"""A real host on 127.0.0.1 port 0 serving a demo campaign kept in a real SQLite file."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from vtt_host.client import Client
from vtt_host.library import Library
from vtt_host.live import LiveCampaign
from vtt_host.server import Host, HostLimits
from vtt_host.views import GM, player, view

MakeHost = Callable[..., Awaitable[Host]]


@pytest.fixture
async def library(tmp_path: Any) -> AsyncIterator[Library]:
    lib = await Library.open(tmp_path / "data")
    yield lib
    await lib.close()


@pytest.fixture
async def campaign(library: Library) -> LiveCampaign:
    campaign_id = await library.create("Crossroads", demo=True)
    return await library.open_campaign(campaign_id)


@pytest.fixture
async def make_host(library: Library, campaign: LiveCampaign) -> AsyncIterator[MakeHost]:
    """Start hosts with chosen limits; every one is closed after the test."""
    hosts: list[Host] = []

    async def make(**options: Any) -> Host:
        options.setdefault("assets", library.assets)
        options.setdefault("previews", library.previews)
        options.setdefault("web_dir", None)
        host = Host(**options)
        await host.add_campaign(campaign)
        await host.start()
        hosts.append(host)
        return host

    yield make
    for host in hosts:
        await host.close()


@pytest.fixture
async def host(make_host: MakeHost) -> Host:
    return await make_host(limits=HostLimits())


async def gm_client(host: Host, clients: list[Client], **options: Any) -> Client:
    client = await Client.connect(host.local_url, gm_token=host.gm_token(), **options)
    clients.append(client)
    return client


async def player_client(host: Host, clients: list[Client], name: str, **options: Any) -> Client:
    client = await Client.connect(host.local_url, name=name, code=host.join_code(), **options)
    clients.append(client)
    return client


async def raw(host: Host) -> ClientConnection:
    return await connect(host.local_url, max_size=None)


async def hello(ws: ClientConnection, **fields: Any) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "hello", "protocol": 1, **fields}))
    return dict(json.loads(await ws.recv()))


async def close_code(ws: ClientConnection, timeout_s: float = 10.0) -> int | None:
    """Read until the host closes the connection; the code it sent."""
    import asyncio

    try:
        async with asyncio.timeout(timeout_s):
            while True:
                await ws.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


def comparable(document: Any) -> dict[str, Any]:
    """A JSON round trip without ``lastModified``, which patches do not carry."""
    copied = json.loads(json.dumps(document))
    copied.pop("lastModified", None)
    return dict(copied)


def expected_view(campaign: LiveCampaign, client: Client) -> dict[str, Any]:
    audience = GM if client.role == "gm" else player(client.player_id)
    return comparable(view(dict(campaign.manager.state), audience))


def actor_named(state: dict[str, Any], name: str) -> str:
    return next(a["id"] for a in state["actors"].values() if a["name"] == name)


async def eventually(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Poll host-side state that has no event to wait on."""
    import asyncio

    async with asyncio.timeout(timeout_s):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


class HeldSleeps:
    """A sleep for slowed hellos (the host's or the gate's): records each wait and
    returns when the test releases it."""

    def __init__(self) -> None:
        self.asked: list[float] = []
        self.release = asyncio.Event()

    async def __call__(self, delay_s: float) -> None:
        self.asked.append(delay_s)
        await self.release.wait()
