"""What the GM shows, when the GM shows it: handouts to everyone or to chosen players,
and the hit points of NPCs as the table's setting says, changing while the page is open.
A real host of its own, a GM on the Python client, players in Chromium."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from storage.assets import AssetStore
from tests.browser.conftest import Server
from tests.browser.helpers import Player, actor_named, applied, give, join, wait_until
from tests.browser.maps import DESKTOP
from tests.browser.pngs import encode_rgb
from vtt_host.client import Client

pytestmark = pytest.mark.slow

PHONE = {  # a high-density phone screen, unlike maps.PHONE
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
LETTER = "A letter from the mayor"
LETTER_TEXT = "Friends,\n\nThe road north is watched.\n<i>Trust no one</i> wearing green."


def tab_selected(name: str) -> str:
    return f"document.querySelector('#tab-{name}').getAttribute('aria-selected') === 'true'"


async def unread(player: Player) -> str:
    badge = player.page.locator("#handouts-count")
    return "" if await badge.is_hidden() else await badge.inner_text()


# -- handouts ---------------------------------------------------------------------------


async def test_a_handout_reaches_a_player_only_once_shown_to_them(
    browser: Any, table: Server, gm: Client, screenshots: Path
) -> None:
    picture = encode_rgb(600, 900, lambda x, y: (200 - y // 6, 170 - y // 8, 120))
    sha = AssetStore(table.data_dir).put(picture, "png")
    handout = {"id": "h_letter", "name": LETTER, "text": LETTER_TEXT, "imageAsset": sha}
    await applied(gm, {"kind": "create_handout", "data": handout})
    alice = await join(browser, table, "Alice", **DESKTOP)
    bob = await join(browser, table, "Bob", **PHONE)
    for player in (alice, bob):
        await player.tab("handouts")
        assert await player.page.locator(".handouts-empty").is_visible()
        await player.tab("chat")

    # Shown to Alice alone: she is told, and stays where she was; Bob gets nothing.
    alice_id = await alice.player_id()
    await applied(
        gm, {"kind": "reveal", "collection": "handouts", "id": "h_letter", "playerIds": [alice_id]}
    )
    toast = alice.page.locator("#toasts .toast", has_text=LETTER)
    await toast.wait_for()
    assert await unread(alice) == "1"
    assert await alice.page.evaluate(tab_selected("chat"))
    assert await alice.page.locator("#panel-chat").is_visible()
    await gm.chat("Everyone gets this")  # a later version: Bob's page is up to date
    await bob.page.wait_for_selector('.msg-text:text("Everyone gets this")')
    assert LETTER not in bob.received_text()
    assert await unread(bob) == ""

    # Alice reads it: the text as written, lines kept, the picture scaled to the panel.
    await toast.locator("button", has_text="Read").click()
    await wait_until(alice.page, tab_selected("handouts"))
    card = alice.page.locator('.handout[data-handout-id="h_letter"]')
    assert await card.locator("h3").inner_text() == LETTER
    assert await card.locator(".handout-text").inner_text() == LETTER_TEXT
    assert await alice.page.locator("#panel-handouts i").count() == 0
    image = card.locator("img.handout-image")
    assert await image.get_attribute("src") == f"/assets/{sha}"
    await wait_until(alice.page, "document.querySelector('.handout-image').naturalWidth === 600")
    sizes = await alice.page.evaluate(
        """() => [document.querySelector('.handout-image').getBoundingClientRect().width,
                  document.querySelector('#panel-handouts').clientWidth]"""
    )
    assert 0 < sizes[0] <= sizes[1], sizes
    assert await unread(alice) == ""
    await alice.page.screenshot(path=str(screenshots / "desktop-handout.png"))

    # Read once is read on this device: a reload lists it without announcing it again.
    await alice.page.reload()
    await alice.page.wait_for_selector('.handout[data-handout-id="h_letter"]', state="attached")
    await alice.page.wait_for_timeout(200)
    assert await unread(alice) == ""
    assert await alice.page.locator("#toasts .toast", has_text=LETTER).count() == 0

    # A change by the GM while she looks elsewhere is announced and counted again.
    await alice.tab("chat")
    changed = f"{LETTER_TEXT}\nPS: burn this."
    await applied(gm, {"kind": "update_handout", "id": "h_letter", "set": {"text": changed}})
    await alice.page.locator("#toasts .toast", has_text="changed").wait_for()
    assert await unread(alice) == "1"
    assert await alice.page.evaluate(tab_selected("chat"))
    assert await card.locator(".handout-text").inner_text() == changed

    # Shown to everyone: now Bob, on his phone, is told too.
    await applied(gm, {"kind": "reveal", "collection": "handouts", "id": "h_letter"})
    await bob.page.locator("#toasts .toast", has_text=LETTER).wait_for()
    await wait_until(bob.page, "document.querySelector('#handouts-count').textContent === '1'")
    assert await bob.page.evaluate(tab_selected("chat"))
    await bob.tab("handouts")
    await bob.page.wait_for_selector('.handout[data-handout-id="h_letter"] .handout-image')
    widths = await bob.page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    await bob.page.screenshot(path=str(screenshots / "phone-handout.png"))

    # Hidden again: it leaves both pages.
    await applied(gm, {"kind": "hide", "collection": "handouts", "id": "h_letter"})
    for player in (alice, bob):
        await player.page.wait_for_selector(".handout", state="detached")
        assert await player.page.get_attribute(".handouts-empty", "hidden") is None
        assert await unread(player) == ""
        assert not player.errors, player.errors


# -- NPC hit points ------------------------------------------------------------------------


def hp_in_view(actor_id: str) -> str:
    return f"JSON.stringify(window.vtt.link.view.actors['{actor_id}'].hp ?? null)"


async def token_title(player: Player, actor_id: str) -> str:
    token = player.page.locator(f'.token[data-actor-id="{actor_id}"]')
    return str(await token.get_attribute("title"))


async def shown_hp(player: Player, actor_id: str) -> dict[str, Any]:
    """What the page shows of an actor's hit points: token, others list, initiative."""
    page = player.page
    other = page.locator(f'#sheet .other-card[data-actor-id="{actor_id}"] [data-testid=health]')
    row = page.locator(f'#turns .init-row[data-actor-id="{actor_id}"] [data-testid=health]')
    return {
        "title": await token_title(player, actor_id),
        "other": await other.inner_text() if await other.count() else None,
        "turns": await row.inner_text() if await row.count() else None,
    }


def title_is(actor_id: str, title: str) -> str:
    token = f"document.querySelector('.token[data-actor-id=\"{actor_id}\"]')"
    return f"{token}?.title === {json.dumps(title)}"


def hp_is(actor_id: str, hp: Any) -> str:
    return f"{hp_in_view(actor_id)} === {json.dumps(json.dumps(hp, separators=(',', ':')))}"


async def test_npc_hit_points_follow_the_table_setting_while_the_page_is_open(
    browser: Any, table: Server, gm: Client
) -> None:
    cara = await join(browser, table, "Cara", **DESKTOP)
    page = cara.page
    thorin = await give(gm, cara, "Thorin")
    goblin = actor_named(gm.view, "Goblin 1")
    other_goblin = actor_named(gm.view, "Goblin 2")
    hp = {"current": 3, "max": 7, "temp": 0}
    await applied(gm, {"kind": "update_actor", "id": goblin, "set": {"hp": hp}})
    encounter = next(iter(gm.view["encounters"]))
    await applied(gm, {"kind": "start_encounter", "encounterId": encounter})
    await page.wait_for_selector(f'#turns .init-row[data-actor-id="{goblin}"]', state="attached")
    await cara.tab("sheet")
    await page.wait_for_selector(f'#sheet .other-card[data-actor-id="{goblin}"]')

    await applied(gm, {"kind": "update_settings", "npcHitPoints": "exact"})
    await wait_until(page, hp_is(goblin, hp))
    await wait_until(page, title_is(goblin, "Goblin 1 · HP 3/7"))
    assert await shown_hp(cara, goblin) == {
        "title": "Goblin 1 · HP 3/7",
        "other": "HP 3/7",
        "turns": "HP 3/7",
    }

    await applied(gm, {"kind": "update_settings", "npcHitPoints": "bloodied"})
    await wait_until(page, hp_is(goblin, {"status": "bloodied"}))
    await wait_until(page, title_is(goblin, "Goblin 1 · Bloodied"))
    shown = await shown_hp(cara, goblin)
    assert shown["title"] == "Goblin 1 · Bloodied"
    assert shown["other"] is not None
    assert shown["other"].endswith("Bloodied")
    assert shown["turns"] is not None
    assert shown["turns"].endswith("Bloodied")
    assert (await shown_hp(cara, other_goblin))["title"] == "Goblin 2 · Unhurt"
    # The GM wounds it further: the word changes, never the numbers.
    await applied(gm, {"kind": "update_actor", "id": goblin, "set": {"hp": {**hp, "current": 0}}})
    await wait_until(page, hp_is(goblin, {"status": "down"}))
    assert await page.locator(f'.token.down[data-actor-id="{goblin}"]').count() == 1

    await applied(gm, {"kind": "update_settings", "npcHitPoints": "none"})
    await wait_until(page, f"{hp_in_view(goblin)} === 'null'")
    await wait_until(page, title_is(goblin, "Goblin 1"))
    assert await shown_hp(cara, goblin) == {"title": "Goblin 1", "other": None, "turns": None}
    # Her own hero's numbers stay hers whatever the setting.
    own = f'#sheet .sheet-card[data-actor-id="{thorin}"] [data-testid=hp-current]'
    assert await page.inner_text(own) == "12"

    # A goblin she is given shows its numbers; taken back, nothing again.
    await give(gm, cara, "Goblin 2")
    await wait_until(page, f"{hp_in_view(other_goblin)} !== 'null'")
    given = f'#sheet .sheet-card[data-actor-id="{other_goblin}"] [data-testid=hp-current]'
    await wait_until(page, f"document.querySelector({json.dumps(given)})?.textContent === '7'")
    await applied(gm, {"kind": "assign_actor", "actorId": other_goblin, "playerId": None})
    await wait_until(page, f"{hp_in_view(other_goblin)} === 'null'")
    assert (await shown_hp(cara, other_goblin))["other"] is None
    assert not cara.errors, cara.errors
