"""A player's browser elsewhere opens the join link of a cloudflared quick tunnel.

The tunnel is the stand-in of tests/vtt_host/tunnels/fake_tool.py (cloudflared's own
lines, TLS and forwarding headers); Chromium resolves ``*.trycloudflare.com`` to it and
accepts its self-signed certificate, so the page loads over https and its WebSocket
goes over wss, through the host's relay listener.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bench.chromium import CHROMIUM_ARGS
from tests.browser.helpers import TIMEOUT_MS, Player, give, refused_by_policy, wait_connected
from tests.vtt_host.tunnels.conftest import (
    FakeTools,
    demo_host,
    install_fake_tools,
    make_certificate,
)
from vtt_host.client import Client
from vtt_host.library import Library
from vtt_host.server import Host
from vtt_host.tunnels import Tunnel, TunnelSpec

pytestmark = pytest.mark.slow


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[Host]:
    library = await Library.open(tmp_path / "data")
    try:
        async with demo_host(library) as served:
            yield served
    finally:
        await library.close()


@pytest.fixture
def fake_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeTools:
    return install_fake_tools(tmp_path, make_certificate(tmp_path), monkeypatch)


@pytest.fixture
async def tunnel(host: Host, fake_tools: FakeTools) -> AsyncIterator[Tunnel]:
    opened = await Tunnel.start(
        TunnelSpec.parse("cloudflared"), local_port=await host.open_relay_port()
    )
    yield opened
    await opened.close()


@pytest.fixture
async def far_browser(chromium_path: Path, fake_tools: FakeTools) -> AsyncIterator[Any]:
    """Chromium that finds the quick tunnel's names at the stand-in's port."""
    from playwright.async_api import async_playwright

    rules = f"MAP *.trycloudflare.com 127.0.0.1:{fake_tools.listen_port}"
    args = [*CHROMIUM_ARGS, f"--host-resolver-rules={rules}", "--ignore-certificate-errors"]
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(chromium_path), args=args)
        yield launched
        await launched.close()


async def test_a_player_joins_through_the_quick_tunnel_over_wss(
    host: Host, tunnel: Tunnel, far_browser: Any
) -> None:
    assert tunnel.public_url is not None
    public_host = urllib.parse.urlsplit(tunnel.public_url).netloc
    context = await far_browser.new_context(ignore_https_errors=True)
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    player = Player("Mira", context, page)
    sockets: list[str] = []

    def on_websocket(ws: Any) -> None:
        sockets.append(ws.url)
        ws.on("framereceived", lambda payload: player.frames.append(str(payload)))

    page.on("websocket", on_websocket)
    page.on("pageerror", lambda error: player.errors.append(str(error)))
    page.on("console", lambda message: refused_by_policy(message.text, player.errors))

    code = urllib.parse.quote(host.join_code(), safe="")
    await page.goto(f"{tunnel.public_url}?code={code}")
    await page.wait_for_selector("#join-screen:not([hidden])")
    assert await page.input_value("#join-code") == host.join_code()
    await page.fill("#join-name", "Mira")
    await page.click("#join-button")
    await page.wait_for_selector("#game:not([hidden]) .token")
    await wait_connected(page)
    await page.wait_for_selector("#recovery-notice:not([hidden])")
    await page.click("#recovery-done")

    assert sockets
    assert all(url == f"wss://{public_host}/ws" for url in sockets)
    assert page.url.startswith(f"https://{public_host}/")

    async with Client.connect(host.local_url, gm_token=host.gm_token()) as gm:
        await give(gm, player, "Pip")  # the GM's change reaches the page over wss

    assert player.errors == []
    await context.close()
