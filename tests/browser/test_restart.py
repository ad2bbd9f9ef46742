"""The host goes away and comes back on the same port: the page says so, then resumes."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import start_server
from tests.browser.helpers import join, wait_connected, wait_until
from vtt_host.client import Client

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_page_resumes_after_a_host_restart(
    browser: Any, tmp_path: Path, chromium_path: Path
) -> None:
    port = free_port()
    server = start_server(tmp_path / "data", "--demo", port=port)
    try:
        player = await join(browser, server, "Erin")
        player_id = await player.player_id()
        await player.page.fill("#chat-text", "before the restart")
        await player.page.press("#chat-text", "Enter")
        await player.page.wait_for_selector('.msg-text:text("before the restart")')
    finally:
        server.stop()
    page = player.page
    await wait_until(
        page,
        "['reconnecting', 'offline'].includes(document.querySelector('#status').dataset.status)",
    )
    server = start_server(tmp_path / "data", port=port)
    try:
        await wait_connected(page)
        assert await player.player_id() == player_id
        assert await page.locator("#join-screen").is_hidden()
        async with Client.connect(server.url, gm_token=server.gm_token) as gm:
            await gm.chat("after the restart")
        await page.wait_for_selector('.msg-text:text("after the restart")')
        assert await page.locator('.msg-text:text("before the restart")').count() == 1
        assert not player.errors, player.errors
    finally:
        server.stop()
