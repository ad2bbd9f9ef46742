"""``--tunnel cloudflared`` with a stand-in that prints cloudflared's own lines and
relays over TLS (fake_tool.py): the URL from the box, a player over wss://, the
tool's failures in its own words, restarts with a new name, nothing left behind."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import AsyncIterator

import pytest

from vtt_host.server import Host
from vtt_host.tunnels import Tunnel, TunnelError, TunnelSpec
from vtt_host.tunnels.supervisor import KILL_AFTER_S

from .conftest import Changes, FakeTools, eventually, https_get, process_exists, wss_hello

CLOUDFLARED = TunnelSpec.parse("cloudflared")
QUICK_URL = re.compile(r"^https://[a-z]+(?:-[a-z]+)+\.trycloudflare\.com/$")


@pytest.fixture
def changes() -> Changes:
    return Changes()


@pytest.fixture
async def tunnel(host: Host, fake_tools: FakeTools, changes: Changes) -> AsyncIterator[Tunnel]:
    opened = await Tunnel.start(
        CLOUDFLARED, local_port=await host.open_relay_port(), on_change=changes
    )
    yield opened
    await opened.close()


async def test_the_url_in_cloudflared_s_box_is_the_public_url(
    host: Host, fake_tools: FakeTools, tunnel: Tunnel
) -> None:
    assert tunnel.public_url == "https://seasonal-deck-organisms-sf.trycloudflare.com/"
    assert QUICK_URL.match(tunnel.public_url)
    assert tunnel.status == f"cloudflared: {tunnel.public_url} (up)"
    assert tunnel.restarts == 0
    argv = fake_tools.argv()
    assert argv == [
        "cloudflared",
        "tunnel",
        "--no-autoupdate",
        "--url",
        f"http://127.0.0.1:{host.relay_port}",
    ]


async def test_players_reach_the_page_and_join_over_wss_through_it(
    host: Host, fake_tools: FakeTools, tunnel: Tunnel
) -> None:
    assert tunnel.public_url is not None
    page = await https_get(fake_tools, tunnel.public_url, "/")
    assert page.status == 200
    name = tunnel.public_url.removeprefix("https://").rstrip("/")
    assert f"wss://{name}" in page.headers["content-security-policy"]
    health = await https_get(fake_tools, tunnel.public_url, "/healthz")
    assert json.loads(health.body) == {"ok": True}
    assert (await https_get(fake_tools, tunnel.public_url, "/metrics")).status == 401

    welcome = await wss_hello(fake_tools, tunnel.public_url, name="Mira", code=host.join_code())
    assert isinstance(welcome, dict)
    assert (welcome["type"], welcome["role"]) == ("welcome", "player")


async def test_a_dead_cloudflared_comes_back_with_a_new_name(
    fake_tools: FakeTools, tunnel: Tunnel, changes: Changes
) -> None:
    first_url, first_pid = tunnel.public_url, tunnel.pid
    assert first_pid is not None
    os.kill(first_pid, signal.SIGKILL)
    seen = await changes.wait_for(2)
    assert seen == [None, "https://symantec-transferred-lock-revenues.trycloudflare.com/"]
    assert seen[1] != first_url
    assert tunnel.public_url == seen[1]
    assert tunnel.restarts == 1
    assert not process_exists(first_pid)
    health = await https_get(fake_tools, seen[1], "/healthz")
    assert json.loads(health.body) == {"ok": True}


async def test_the_status_says_it_died_and_when_it_restarts(
    host: Host, fake_tools: FakeTools, changes: Changes
) -> None:
    opened: list[Tunnel] = []
    statuses: list[str] = []

    def record(url: str | None) -> None:
        statuses.append(opened[0].status)
        changes(url)

    opened.append(
        await Tunnel.start(CLOUDFLARED, local_port=await host.open_relay_port(), on_change=record)
    )
    tunnel = opened[0]
    try:
        assert tunnel.pid is not None
        os.kill(tunnel.pid, signal.SIGTERM)
        await changes.wait_for(2)
    finally:
        await tunnel.close()
    assert statuses[0] == "cloudflared died (killed by signal 15); restarting in 1 s"
    assert statuses[1] == f"cloudflared: {changes.seen[1]} (up)"


async def test_a_restart_that_fails_is_tried_again_later(
    fake_tools: FakeTools, tunnel: Tunnel, changes: Changes
) -> None:
    first_pid = tunnel.pid
    assert first_pid is not None
    fake_tools.mode("fail")
    os.kill(first_pid, signal.SIGKILL)
    await eventually(lambda: "retrying" in tunnel.status)
    assert tunnel.status == (
        "cloudflared stopped (exit 1) before the tunnel was up; retrying in 2 s"
    )
    assert tunnel.public_url is None
    fake_tools.mode("serve")
    seen = await changes.wait_for(2)
    assert seen[0] is None
    assert seen[1] is not None
    assert tunnel.restarts == 2
    assert fake_tools.starts() == 3


async def test_close_while_it_waits_to_restart_leaves_nothing(
    fake_tools: FakeTools, tunnel: Tunnel, changes: Changes
) -> None:
    pid = tunnel.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    await changes.wait_for(1)
    await tunnel.close()
    assert tunnel.status == "cloudflared: stopped"
    assert fake_tools.starts() == 1
    assert not any(process_exists(pid) for pid in fake_tools.pids())


async def test_close_ends_cloudflared_and_leaves_nothing(tunnel: Tunnel) -> None:
    pid = tunnel.pid
    assert pid is not None
    await tunnel.close()
    await tunnel.close()
    assert not process_exists(pid)
    assert tunnel.public_url is None
    assert tunnel.status == "cloudflared: stopped"


async def test_one_that_ignores_sigterm_is_killed_after_three_seconds(
    host: Host, fake_tools: FakeTools
) -> None:
    fake_tools.mode("stubborn")
    tunnel = await Tunnel.start(CLOUDFLARED, local_port=await host.open_relay_port())
    pid = tunnel.pid
    assert pid is not None
    began = time.monotonic()
    await tunnel.close()
    assert time.monotonic() - began >= KILL_AFTER_S - 0.1
    assert not process_exists(pid)


async def test_a_cloudflared_that_fails_at_once_is_an_error_with_its_words(
    host: Host, fake_tools: FakeTools
) -> None:
    fake_tools.mode("fail")
    with pytest.raises(TunnelError) as raised:
        await Tunnel.start(CLOUDFLARED, local_port=await host.open_relay_port())
    message = str(raised.value)
    assert message.startswith("cloudflared stopped (exit 1) before the tunnel was up")
    assert "failed to request quick Tunnel" in message
    assert "Requesting new quick Tunnel on trycloudflare.com" in message
    assert not any(process_exists(pid) for pid in fake_tools.pids())


async def test_a_cloudflared_that_never_says_its_url_times_out(
    host: Host, fake_tools: FakeTools
) -> None:
    fake_tools.mode("silent")
    with pytest.raises(TunnelError) as raised:
        await Tunnel.start(
            CLOUDFLARED, local_port=await host.open_relay_port(), ready_timeout_s=1.5
        )
    message = str(raised.value)
    assert message.startswith("cloudflared printed no public URL within 1.5 s")
    assert "Requesting new quick Tunnel" in message
    assert not any(process_exists(pid) for pid in fake_tools.pids())


async def test_megabytes_of_log_before_the_url_never_block_it(
    host: Host, fake_tools: FakeTools
) -> None:
    fake_tools.mode("flood")
    tunnel = await Tunnel.start(CLOUDFLARED, local_port=await host.open_relay_port())
    try:
        assert tunnel.public_url is not None
        health = await https_get(fake_tools, tunnel.public_url, "/healthz")
        assert health.status == 200
    finally:
        await tunnel.close()


async def test_a_missing_cloudflared_is_named_with_where_to_get_it(
    host: Host, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TunnelError) as raised:
        await Tunnel.start(CLOUDFLARED, local_port=await host.open_relay_port())
    message = str(raised.value)
    assert message.startswith("cloudflared is not installed")
    assert "https://developers.cloudflare.com/" in message
    assert "--tunnel ssh:" in message
