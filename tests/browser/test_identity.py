"""A name is not an identity: a second browser typing Alice's name waits for the GM."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, start_server
from tests.browser.helpers import open_page, wait_connected
from vtt_host.client import Client

pytestmark = pytest.mark.slow

RECOVERY_CODE = re.compile(r"^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")


@pytest.fixture
def own_server(tmp_path: Path, chromium_path: Path) -> Any:
    """A demo campaign nobody else joins (the shared server already has an Alice)."""
    server = start_server(tmp_path / "data", "--demo")
    yield server
    server.stop()


async def type_and_join(browser: Any, server: Server, name: str, recovery: str = "") -> Any:
    player = await open_page(browser, server, name)
    page = player.page
    await page.wait_for_selector("#join-screen:not([hidden])")
    await page.fill("#join-name", name)
    if recovery:
        await page.click("#join-recovery-box summary")
        await page.fill("#join-recovery", recovery)
    await page.click("#join-button")
    return player


async def test_a_second_browser_typing_alices_name_waits_for_the_gm(
    browser: Any, own_server: Server, screenshots: Path
) -> None:
    server = own_server
    async with Client.connect(server.url, gm_token=server.gm_token) as gm:
        alice = await type_and_join(browser, server, "Alice")
        await alice.page.wait_for_selector("#recovery-notice:not([hidden])")
        await alice.page.screenshot(path=screenshots / "recovery-code.png")
        code = (await alice.page.inner_text("#recovery-code")).strip()
        assert RECOVERY_CODE.match(code), code
        assert "only this once" in await alice.page.inner_text("#recovery-notice")
        await alice.page.click("#recovery-done")
        assert await alice.page.locator("#recovery-notice").is_hidden()
        alice_id = await alice.player_id()
        stored = await alice.page.evaluate("JSON.stringify(localStorage)")
        assert code not in stored  # the page keeps the session token, not the code

        # A second browser types the same name: it waits, and is not in.
        phone = await type_and_join(browser, server, "alice")
        await phone.page.wait_for_selector("#claim-wait:not([hidden])")
        assert "Waiting for the GM" in await phone.page.inner_text("#claim-wait")
        await phone.page.screenshot(path=screenshots / "claim-pending.png")
        claim = await gm.next_frame("claim")
        assert (claim["name"], claim["playerId"]) == ("Alice", alice_id)
        assert await phone.page.locator("#game").is_hidden()
        assert not any('"type":"welcome"' in frame for frame in phone.frames)

        # The GM approves: only now does it get in, as Alice, with no new code.
        await gm.decide_claim(claim["claimId"], approve=True)
        await phone.page.wait_for_selector("#game:not([hidden]) .token")
        await wait_connected(phone.page)
        assert await phone.player_id() == alice_id
        assert await phone.page.locator("#recovery-notice").is_hidden()

        # Another stranger is refused by the GM and told so.
        stranger = await type_and_join(browser, server, "Alice")
        await stranger.page.wait_for_selector("#claim-wait:not([hidden])")
        refused = await gm.next_frame("claim")
        await gm.decide_claim(refused["claimId"], approve=False)
        error = stranger.page.locator("#join-error")
        await error.wait_for()
        assert "did not confirm that you are" in await error.inner_text()
        await stranger.page.screenshot(path=screenshots / "claim-refused.png")
        assert await stranger.page.locator("#game").is_hidden()
        assert await stranger.page.locator("#claim-wait").is_hidden()

        # With the recovery code, a new device needs no one.
        laptop = await type_and_join(browser, server, "Alice", recovery=code)
        await laptop.page.wait_for_selector("#game:not([hidden]) .token")
        assert await laptop.player_id() == alice_id
        assert not any(frame.get("type") == "claim" for frame in gm.frames)


async def test_a_lookalike_name_is_refused_with_the_reason(
    browser: Any, own_server: Server
) -> None:
    player = await type_and_join(browser, own_server, "\u0410lice")  # Cyrillic A
    error = player.page.locator("#join-error")
    await error.wait_for()
    assert "cannot mix alphabets" in await error.inner_text()
    assert await player.page.locator("#game").is_hidden()
