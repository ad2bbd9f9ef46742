"""The GM's browser link: a one-time ticket, good for two minutes, from this machine only.

Hosts bound on 0.0.0.0 are reached at this machine's LAN address for real, so the host
sees a peer that is not loopback.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.asyncio.client import ClientConnection, connect

from vtt_host.client import Client
from vtt_host.live import LiveCampaign
from vtt_host.server import Host, HostError, HostLimits

from .conftest import MakeHost, close_code, hello, player_client
from .test_http import LAN, needs_lan


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def ticket_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["gm"][0]


async def open_ws(host: Host, *, address: str = "127.0.0.1", **options: Any) -> ClientConnection:
    return await connect(f"ws://{address}:{host.port}/ws", max_size=None, **options)


async def with_ticket(
    host: Host,
    ticket: str,
    *,
    address: str = "127.0.0.1",
    origin: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any] | int | None:
    """The welcome a ticket hello gets, or the close code it is refused with."""
    ws = await open_ws(host, address=address, origin=origin, additional_headers=headers)  # type: ignore[arg-type]
    try:
        answer = await hello(ws, gmTicket=ticket)
    except Exception:
        return await close_code(ws)
    finally:
        await ws.close()
    return answer


async def refused(host: Host, ticket: str, **options: Any) -> bool:
    answer = await with_ticket(host, ticket, **options)
    return answer == 4001


async def test_the_link_lets_this_machine_in_as_the_gm_once(
    host: Host, campaign: LiveCampaign
) -> None:
    link = host.gm_link()
    assert re.fullmatch(rf"http://127\.0\.0\.1:{host.port}/\?gm=[A-Za-z0-9_-]{{32}}", link)
    origin = f"http://127.0.0.1:{host.port}"
    welcome = await with_ticket(host, ticket_of(link), origin=origin)
    assert isinstance(welcome, dict)
    assert (welcome["type"], welcome["role"], welcome["playerId"]) == ("welcome", "gm", "gm")
    assert welcome["campaign"] == campaign.id
    assert welcome["joinCode"] == host.join_code()
    assert welcome["state"]["version"] == campaign.manager.version

    # The page then resumes with its session like any page ...
    ws = await open_ws(host, origin=origin)
    resumed = await hello(ws, resume=welcome["session"], since=welcome["version"])
    assert (resumed["type"], resumed["role"], resumed["state"]) == ("welcome", "gm", None)
    await ws.close()
    # ... and the ticket is spent.
    assert await refused(host, ticket_of(link), origin=origin)


async def test_an_expired_ticket_is_refused(make_host: MakeHost) -> None:
    clock = Clock()
    host = await make_host(limits=HostLimits(), clock=clock)
    late, early = host.gm_link(), host.gm_link()
    clock.now += 119.5
    assert isinstance(await with_ticket(host, ticket_of(early)), dict)
    clock.now += 0.5
    assert await refused(host, ticket_of(late))


async def test_only_a_handful_of_tickets_wait_at_once(host: Host) -> None:
    links = [host.gm_link() for _ in range(5)]
    assert await refused(host, ticket_of(links[0]))  # the oldest made room
    for link in links[1:]:
        assert isinstance(await with_ticket(host, ticket_of(link)), dict)


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://127.0.0.1.evil.example:{port}",
        "http://127.0.0.1:1",
        "https://127.0.0.1:{port}",
        "http://192.0.2.1:{port}",
        "null",
    ],
)
async def test_a_page_of_another_origin_cannot_use_a_ticket(host: Host, origin: str) -> None:
    ticket = ticket_of(host.gm_link())
    assert await refused(host, ticket, origin=origin.format(port=host.port))
    # Refused before the ticket was looked at: the GM's own page still gets in.
    own = f"http://localhost:{host.port}"
    assert isinstance(await with_ticket(host, ticket, origin=own), dict)


async def test_a_tunnel_on_this_machine_cannot_relay_a_ticket_or_a_gm_session(
    host: Host,
) -> None:
    ticket = ticket_of(host.gm_link())
    relayed = {"X-Forwarded-For": "203.0.113.9"}
    assert await refused(host, ticket, headers=relayed)
    welcome = await with_ticket(host, ticket)  # not used up by the relayed try
    assert isinstance(welcome, dict)
    for options in (
        {"additional_headers": relayed},
        {"origin": "https://table.example"},
    ):
        ws = await open_ws(host, **options)
        await ws.send(json.dumps({"type": "hello", "protocol": 1, "resume": welcome["session"]}))
        assert await close_code(ws) == 4001, options
    ws = await open_ws(host, origin=f"http://127.0.0.1:{host.port}")
    assert (await hello(ws, resume=welcome["session"]))["role"] == "gm"
    await ws.close()


async def test_a_hello_with_a_ticket_and_another_credential_is_refused(host: Host) -> None:
    ws = await open_ws(host)
    credentials = {"gmTicket": ticket_of(host.gm_link()), "gmToken": host.gm_token()}
    await ws.send(json.dumps({"type": "hello", "protocol": 1, **credentials}))
    assert await close_code(ws) == 4003


async def test_a_made_up_ticket_counts_as_a_failed_attempt(host: Host) -> None:
    assert await refused(host, "x" * 32)
    assert host.metrics.hellos_refused[4001] == 1


# -- from the LAN ----------------------------------------------------------------------


@pytest.fixture
async def lan_host(make_host: MakeHost) -> Host:
    return await make_host(host="0.0.0.0")


@needs_lan
async def test_a_ticket_from_the_lan_is_refused_and_stays_good(lan_host: Host) -> None:
    assert LAN is not None
    ticket = ticket_of(lan_host.gm_link())
    assert await refused(lan_host, ticket, address=LAN)
    assert isinstance(await with_ticket(lan_host, ticket), dict)


@needs_lan
async def test_a_gm_session_resumed_from_the_lan_is_refused(
    lan_host: Host, clients: list[Client]
) -> None:
    assert LAN is not None
    welcome = await with_ticket(lan_host, ticket_of(lan_host.gm_link()))
    assert isinstance(welcome, dict)
    ws = await open_ws(lan_host, address=LAN)
    await ws.send(json.dumps({"type": "hello", "protocol": 1, "resume": welcome["session"]}))
    assert await close_code(ws) == 4001
    # A player's session is theirs wherever they are.
    alice = await player_client(lan_host, clients, "Alice")
    assert alice.session is not None
    ws = await open_ws(lan_host, address=LAN)
    answer = await hello(ws, resume=alice.session)
    assert (answer["type"], answer["role"]) == ("welcome", "player")
    await ws.close()
    # From this machine the GM's session still resumes.
    ws = await open_ws(lan_host)
    assert (await hello(ws, resume=welcome["session"]))["role"] == "gm"
    await ws.close()


@needs_lan
async def test_no_link_for_a_host_that_does_not_listen_on_loopback(make_host: MakeHost) -> None:
    assert LAN is not None
    host = await make_host(host=LAN)
    with pytest.raises(HostError):
        host.gm_link()
