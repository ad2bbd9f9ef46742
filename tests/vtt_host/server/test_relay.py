"""The relay listener: where tunnel tools deliver strangers, never "this machine".

A request there comes from loopback and may name 127.0.0.1 with no proxy header (``ssh
-R`` relays raw bytes), yet gets what anyone elsewhere gets.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest
from websockets.asyncio.client import connect

from vtt_host.client import Client
from vtt_host.server import Host, HostError

from .conftest import MakeHost, close_code, hello
from .test_gm_link import ticket_of, with_ticket


async def get(port: int, path: str) -> tuple[int, bytes]:
    """A GET with a loopback ``Host`` and no other header, as a relayed stranger sends."""
    import asyncio

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


async def test_the_relay_port_is_opened_once_and_differs_from_the_main_one(host: Host) -> None:
    assert host.relay_port is None
    port = await host.open_relay_port()
    assert port not in (0, host.port)
    assert await host.open_relay_port() == port
    assert host.relay_port == port


async def test_a_loopback_request_on_the_relay_gets_only_what_strangers_get(host: Host) -> None:
    relay = await host.open_relay_port()
    status, body = await get(relay, "/healthz")
    assert (status, json.loads(body)) == (200, {"ok": True})
    assert (await get(relay, "/metrics"))[0] == 401

    status, body = await get(host.port, "/healthz")
    assert "campaigns" in json.loads(body)
    assert (await get(host.port, "/metrics"))[0] == 200


async def test_the_join_page_is_not_shown_through_the_relay(host: Host) -> None:
    relay = await host.open_relay_port()
    for path in ("/join", f"/join.svg?campaign={host.hub().id}"):
        status, body = await get(relay, path)
        assert status == 403
        assert host.join_code().encode() not in body
        assert (await get(host.port, path))[0] == 200


async def test_a_gm_ticket_or_gm_session_through_the_relay_is_refused(host: Host) -> None:
    relay = await host.open_relay_port()
    ticket = ticket_of(host.gm_link())
    async with connect(f"ws://127.0.0.1:{relay}/ws", origin=None) as ws:
        await ws.send(json.dumps({"type": "hello", "protocol": 1, "gmTicket": ticket}))
        assert await close_code(ws) == 4001
    welcome = await with_ticket(host, ticket)  # not used up by the refusal
    assert isinstance(welcome, dict)
    assert welcome["role"] == "gm"

    async with connect(f"ws://127.0.0.1:{relay}/ws") as ws:
        await ws.send(json.dumps({"type": "hello", "protocol": 1, "resume": welcome["session"]}))
        assert await close_code(ws) == 4001
    async with connect(host.local_url) as ws:
        assert (await hello(ws, resume=welcome["session"]))["role"] == "gm"


async def test_players_join_through_the_relay_and_it_closes_with_the_host(
    make_host: MakeHost,
) -> None:
    host = await make_host()
    relay = await host.open_relay_port()
    url = f"ws://127.0.0.1:{relay}/ws"
    async with Client.connect(url, name="Mira", code=host.join_code()) as mira:
        assert mira.role == "player"
    await host.close()
    with pytest.raises(ConnectionRefusedError):
        await get(relay, "/healthz")
    with pytest.raises(HostError):
        await host.open_relay_port()


async def test_a_relay_needs_a_running_host() -> None:
    with pytest.raises(HostError):
        await Host().open_relay_port()


def test_the_gm_link_still_names_the_main_port(host: Host) -> None:
    link = urllib.parse.urlsplit(host.gm_link())
    assert link.port == host.port
