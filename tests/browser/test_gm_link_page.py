"""The GM's map page opens only from its one-time link, on the GM's own machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, start_server
from tests.browser.helpers import open_page, wait_until
from tests.browser.maps import DESKTOP
from tests.vtt_host.server.test_http import LAN, needs_lan

pytestmark = pytest.mark.slow

REFUSED = "This GM link was not accepted"


@pytest.fixture
def lan_server(tmp_path: Path, chromium_path: Path) -> Iterator[Server]:
    """A demo table listening on every address, as a GM's host does."""
    server = start_server(tmp_path / "data", "--demo", "--host", "0.0.0.0")
    yield server
    server.stop()


async def refused_page(browser: Any, server: Server, url: str) -> Any:
    player = await open_page(browser, server, "stranger", **DESKTOP)
    await player.page.goto(url)
    await player.page.wait_for_selector("#join-screen:not([hidden])")
    await wait_until(player.page, f"document.body.innerText.includes({REFUSED!r})")
    return player


@needs_lan
async def test_the_gm_link_opens_the_gm_page_once_and_never_from_the_lan(
    browser: Any, lan_server: Server
) -> None:
    link = lan_server.ready["gmLink"]
    assert link.startswith("http://127.0.0.1:")
    assert LAN is not None
    from_lan = link.replace("127.0.0.1", LAN)

    stranger = await refused_page(browser, lan_server, from_lan)
    assert await stranger.page.locator("#game").is_hidden()
    assert not any('"welcome"' in frame for frame in stranger.frames)

    gm = await open_page(browser, lan_server, "GM", **DESKTOP)
    await gm.page.goto(link)  # the refusal from the LAN did not use the ticket up
    await gm.page.wait_for_selector("#game:not([hidden]) .token.secret")
    assert await gm.page.locator("#tab-actors").is_visible()
    assert "gm=" not in gm.page.url.split("?gm")[-1]  # the ticket left the address bar

    again = await refused_page(browser, lan_server, link)
    assert not any('"welcome"' in frame for frame in again.frames)

    await gm.page.reload()  # the GM's own page carries on with its session
    await gm.page.wait_for_selector("#game:not([hidden]) .token.secret")
