"""``--tunnel ssh:...`` against a real sshd on 127.0.0.1: the page, health and a player
come through the forwarded port; a stranger there is never "this machine"; a killed ssh
comes back on a new port."""

from __future__ import annotations

import json
import os
import signal
import urllib.parse
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import connect

from vtt_host.client import Client
from vtt_host.server import Host
from vtt_host.tunnels import Tunnel, TunnelError, TunnelSpec

from .conftest import Changes, SshServer, http_get, process_exists

pytestmark = pytest.mark.usefixtures("ssh_on_path")


@pytest.fixture
def changes() -> Changes:
    return Changes()


@pytest.fixture
async def tunnel(host: Host, sshd: SshServer, changes: Changes) -> AsyncIterator[Tunnel]:
    spec = TunnelSpec.parse(f"ssh:{sshd.target}")
    opened = await Tunnel.start(spec, local_port=await host.open_relay_port(), on_change=changes)
    yield opened
    await opened.close()


def port_of(url: str) -> int:
    port = urllib.parse.urlsplit(url).port
    assert port is not None
    return port


async def ticket_hello(port: int, ticket: str) -> int | str:
    """The welcome's type, or the close code, for a GM ticket hello on this port."""
    async with connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
        await ws.send(json.dumps({"type": "hello", "protocol": 1, "gmTicket": ticket}))
        try:
            return str(json.loads(await ws.recv())["type"])
        except Exception:
            await ws.wait_closed()
            assert ws.close_code is not None
            return ws.close_code


async def test_the_page_health_and_a_player_come_through_the_forwarded_port(
    host: Host, tunnel: Tunnel
) -> None:
    assert tunnel.public_url is not None
    assert tunnel.public_url.startswith("http://127.0.0.1:")
    assert tunnel.public_url.endswith("/")
    assert tunnel.status == f"ssh: {tunnel.public_url} (up)"
    port = port_of(tunnel.public_url)
    assert port not in (host.port, host.relay_port)

    page = await http_get(port, "/")
    assert page.status == 200
    assert b"<html" in page.body.lower()
    health = await http_get(port, "/healthz")
    assert (health.status, json.loads(health.body)) == (200, {"ok": True})

    url = tunnel.public_url.replace("http://", "ws://", 1) + "ws"
    async with Client.connect(url, name="Mira", code=host.join_code()) as mira:
        assert mira.role == "player"
        assert mira.view["actors"]


async def test_a_stranger_through_the_tunnel_is_never_this_machine(
    host: Host, tunnel: Tunnel
) -> None:
    """ssh relays raw bytes: the stranger's request names 127.0.0.1 and carries no
    proxy header, exactly what the GM's own browser sends."""
    assert tunnel.public_url is not None
    port = port_of(tunnel.public_url)

    health = await http_get(port, "/healthz", host="127.0.0.1")
    assert json.loads(health.body) == {"ok": True}
    assert (await http_get(port, "/metrics", host="127.0.0.1")).status == 401
    token = host.metrics_token
    with_token = await http_get(port, "/metrics", Authorization=f"Bearer {token}")
    assert with_token.status == 200  # the token still opens them from anywhere

    ticket = urllib.parse.parse_qs(urllib.parse.urlsplit(host.gm_link()).query)["gm"][0]
    assert await ticket_hello(port, ticket) == 4001
    # The same ticket on the main port from this machine: refused above, not used up.
    assert await ticket_hello(host.port, ticket) == "welcome"

    own = await http_get(host.port, "/healthz", host="127.0.0.1")
    assert "campaigns" in json.loads(own.body)
    assert (await http_get(host.port, "/metrics", host="127.0.0.1")).status == 200


async def test_a_killed_ssh_comes_back_on_a_new_port(
    host: Host, tunnel: Tunnel, changes: Changes
) -> None:
    first_url, first_pid = tunnel.public_url, tunnel.pid
    assert first_url is not None
    assert first_pid is not None

    os.kill(first_pid, signal.SIGKILL)
    seen = await changes.wait_for(2)
    assert seen[0] is None
    assert seen[1] is not None
    assert seen[1] != first_url
    assert tunnel.public_url == seen[1]
    assert tunnel.restarts == 1
    assert tunnel.pid not in (None, first_pid)
    assert not process_exists(first_pid)

    health = await http_get(port_of(seen[1]), "/healthz")
    assert json.loads(health.body) == {"ok": True}


async def test_close_leaves_no_ssh_behind(tunnel: Tunnel) -> None:
    pid = tunnel.pid
    assert pid is not None
    await tunnel.close()
    assert not process_exists(pid)
    assert tunnel.public_url is None
    assert tunnel.status == "ssh: stopped"
    await tunnel.close()  # again: nothing to do


async def test_a_server_that_refuses_the_key_is_an_error_with_ssh_s_words(
    host: Host, sshd: SshServer
) -> None:
    spec = TunnelSpec.parse(f"ssh:nobody-here@127.0.0.1:{sshd.port}")
    with pytest.raises(TunnelError) as raised:
        await Tunnel.start(spec, local_port=await host.open_relay_port(), ready_timeout_s=20)
    message = str(raised.value)
    assert message.startswith("ssh stopped (exit 255) before the tunnel was up")
    assert "Permission denied" in message
