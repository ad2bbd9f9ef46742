"""``--tunnel ngrok`` with a stand-in that prints ngrok v3's JSON log and relays over
TLS (fake_tool.py): the "started tunnel" URL, a player over wss://, the authtoken
error made plain, a restart with a new name."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import AsyncIterator

import pytest

from vtt_host.server import Host
from vtt_host.tunnels import Tunnel, TunnelError, TunnelSpec

from .conftest import Changes, FakeTools, https_get, process_exists, wss_hello

NGROK = TunnelSpec.parse("ngrok")


@pytest.fixture
def changes() -> Changes:
    return Changes()


@pytest.fixture
async def tunnel(host: Host, fake_tools: FakeTools, changes: Changes) -> AsyncIterator[Tunnel]:
    opened = await Tunnel.start(NGROK, local_port=await host.open_relay_port(), on_change=changes)
    yield opened
    await opened.close()


async def test_the_started_tunnel_url_is_the_public_url(
    host: Host, fake_tools: FakeTools, tunnel: Tunnel
) -> None:
    assert tunnel.public_url == "https://ab12-203-0-113-7.ngrok-free.app/"
    assert tunnel.status == f"ngrok: {tunnel.public_url} (up)"
    assert fake_tools.argv() == [
        "ngrok",
        "http",
        f"127.0.0.1:{host.relay_port}",
        "--log",
        "stdout",
        "--log-format",
        "json",
    ]


async def test_players_join_over_wss_and_strangers_get_no_details(
    host: Host, fake_tools: FakeTools, tunnel: Tunnel
) -> None:
    assert tunnel.public_url is not None
    assert (await https_get(fake_tools, tunnel.public_url, "/")).status == 200
    health = await https_get(fake_tools, tunnel.public_url, "/healthz")
    assert json.loads(health.body) == {"ok": True}
    welcome = await wss_hello(fake_tools, tunnel.public_url, name="Mira", code=host.join_code())
    assert isinstance(welcome, dict)
    assert welcome["role"] == "player"
    assert await wss_hello(fake_tools, tunnel.public_url, gmToken="not-it") == 4001


async def test_a_dead_ngrok_comes_back_with_a_new_name(
    fake_tools: FakeTools, tunnel: Tunnel, changes: Changes
) -> None:
    first_pid = tunnel.pid
    assert first_pid is not None
    os.kill(first_pid, signal.SIGKILL)
    seen = await changes.wait_for(2)
    assert seen == [None, "https://ab13-203-0-113-7.ngrok-free.app/"]
    assert tunnel.restarts == 1
    assert not process_exists(first_pid)
    await tunnel.close()
    assert not any(process_exists(pid) for pid in fake_tools.pids())


async def test_no_authtoken_tells_the_gm_to_add_one(host: Host, fake_tools: FakeTools) -> None:
    fake_tools.mode("fail")
    with pytest.raises(TunnelError) as raised:
        await Tunnel.start(NGROK, local_port=await host.open_relay_port())
    message = str(raised.value)
    assert "ERR_NGROK_4018" in message
    assert "ngrok config add-authtoken" in message
    assert "https://dashboard.ngrok.com/get-started/your-authtoken" in message


async def test_the_logfmt_form_is_read_too(host: Host, fake_tools: FakeTools) -> None:
    fake_tools.mode("logfmt")
    tunnel = await Tunnel.start(NGROK, local_port=await host.open_relay_port())
    try:
        assert tunnel.public_url == "https://ab12-203-0-113-7.ngrok-free.app/"
    finally:
        await tunnel.close()


async def test_a_missing_ngrok_is_named_with_where_to_get_it(
    host: Host, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TunnelError) as raised:
        await Tunnel.start(NGROK, local_port=await host.open_relay_port())
    message = str(raised.value)
    assert message.startswith("ngrok is not installed")
    assert "https://ngrok.com/download" in message
    assert "--tunnel cloudflared" in message
