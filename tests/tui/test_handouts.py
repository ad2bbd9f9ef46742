"""Handouts from the library: written hidden, shared with everyone or chosen players."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, TextArea

from tests.tui.conftest import join, until
from tests.tui.library_helpers import choose, entity_named, is_modal, on_screen, pick, running
from tests.tui.library_helpers import state as doc
from tests.vtt_host.test_images import png
from tui.screens.confirm import ConfirmScreen
from tui.screens.handout_sheet import HandoutSheetScreen
from tui.screens.pick_many import PickManyScreen
from vtt_host.client import Client


async def test_gm_writes_a_handout_that_stays_hidden_until_shared(
    tmp_path: Path, clients: list[Client]
) -> None:
    image = tmp_path / "seal.png"
    image.write_bytes(png(40, 40))
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        await pilot.press("n")
        await pick(pilot, "Handout")
        sheet = await on_screen(pilot, HandoutSheetScreen, "the handout sheet")
        await pilot.press(*"Ransom note")
        sheet.query_one("#text", TextArea).text = "Bring the amulet to the mill."
        sheet.query_one("#gm-notes", TextArea).text = "Written by the miller himself."
        sheet.query_one("#image-path", Input).value = str(image)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not is_modal(app), "the sheet to close")

        note = entity_named(app, "handouts", "Ransom note")
        handout = doc(app)["handouts"][note]
        assert handout["hidden"] is True
        assert handout["text"] == "Bring the amulet to the mill."
        assert handout["gmNotes"] == "Written by the miller himself."
        assert (app.session.lib.assets.root / f"{handout['imageAsset']}.png").exists()
        await alice.wait_for_version(app.session.manager.version)
        assert note not in alice.view.get("handouts", {})

        await pilot.press("v")
        await pick(pilot, "Reveal to everyone")
        await alice.wait_for(lambda: note in alice.view["handouts"])
        assert alice.view["handouts"][note]["text"] == "Bring the amulet to the mill."
        assert "gmNotes" not in alice.view["handouts"][note]


async def test_handout_shared_with_chosen_players_reaches_only_them(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        bob = await join(app, clients, "Bob")
        await app.session.submit(
            {"kind": "create_handout", "data": {"name": "Bob's dream", "text": "A red door."}}
        )
        dream = entity_named(app, "handouts", "Bob's dream")
        await choose(app, pilot, "handouts", "Bob's dream")

        await pilot.press("v")
        await pick(pilot, "Reveal to chosen players")
        readers = await on_screen(pilot, PickManyScreen, "the players")
        readers.query_one("#pick-many").select(bob.player_id)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await bob.wait_for(lambda: dream in bob.view["handouts"])
        await alice.wait_for_version(app.session.manager.version)
        assert dream not in alice.view["handouts"]
        assert doc(app)["handouts"][dream]["sharedWith"] == [bob.player_id]

        await pilot.press("v")
        await pick(pilot, "Hide from everyone")
        await bob.wait_for(lambda: dream not in bob.view["handouts"])


async def test_deleting_a_handout_asks_and_takes_it_from_players(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        await app.session.submit(
            {"kind": "create_handout", "data": {"name": "Map scrap", "text": "X marks it."}}
        )
        scrap = entity_named(app, "handouts", "Map scrap")
        await app.session.submit({"kind": "reveal", "collection": "handouts", "id": scrap})
        await alice.wait_for(lambda: scrap in alice.view["handouts"])
        await choose(app, pilot, "handouts", "Map scrap")
        await pilot.press("d")
        await on_screen(pilot, ConfirmScreen, "the confirmation")
        await pilot.press("y")
        await alice.wait_for(lambda: scrap not in alice.view["handouts"])
        assert scrap not in doc(app)["handouts"]


async def test_unticking_a_reader_takes_the_handout_back_from_them(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        bob = await join(app, clients, "Bob")
        await app.session.submit({"kind": "create_handout", "data": {"name": "Rumour"}})
        rumour = entity_named(app, "handouts", "Rumour")
        await app.session.submit({"kind": "reveal", "collection": "handouts", "id": rumour})
        await alice.wait_for(lambda: rumour in alice.view["handouts"])
        await choose(app, pilot, "handouts", "Rumour")

        await pilot.press("v")
        await pick(pilot, "Reveal to chosen players")
        readers = await on_screen(pilot, PickManyScreen, "the players")
        readers.query_one("#pick-many").select(bob.player_id)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await alice.wait_for(lambda: rumour not in alice.view["handouts"])
        assert rumour in bob.view["handouts"]
        assert doc(app)["handouts"][rumour]["sharedWith"] == [bob.player_id]
