"""The library tab: the GM finds, creates, edits and deletes what the campaign holds,
with keys, while players connected over real sockets see only what they should."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from pathlib import Path
from typing import Any

from textual.widgets import Checkbox, DataTable, Input, Label, Select, SelectionList, TextArea

from tests.tui.conftest import actor_id, join, until
from tests.tui.library_helpers import (
    choose,
    entity_named,
    errors_on,
    is_modal,
    on_screen,
    panel,
    pick,
    running,
    shown_names,
    state,
    typed,
)
from tests.vtt_host.test_images import png
from tui.screens.actor_sheet import ActorSheetScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.edit_actor import EditActorScreen
from tui.screens.encounter_sheet import EncounterSheetScreen
from tui.screens.item_sheet import ItemSheetScreen
from tui.screens.map_sheet import MapSheetScreen
from tui.screens.place_token import PlaceTokenScreen
from tui.widgets.library_detail import LibraryDetail
from tui.widgets.map_view import MapView
from vtt_host.client import Client

# -- finding -------------------------------------------------------------------------


async def test_library_lists_everything_with_hidden_and_current_marked(tmp_path: Path) -> None:
    async with running(tmp_path) as (app, _pilot):
        table = app.screen.query_one("#library-table", DataTable)
        assert table.row_count == 13
        assert app.focused is table
        rows = {row.name: row for row in panel(app).rows}
        cells = {
            str(table.get_row(row.key)[2]): str(table.get_row(row.key)[0]) for row in rows.values()
        }
        assert "Goblin Boss (hidden)" in cells
        assert "Goblin Lair (hidden)" in cells
        assert cells["Crossroads"] == "▶"
        assert str(app.screen.query_one("#library-count", Label).render()) == "13 entries"


async def test_gm_notes_are_shown_in_the_library(tmp_path: Path) -> None:
    async with running(tmp_path) as (app, pilot):
        await choose(app, pilot, "actors", "Goblin Boss")
        detail = str(app.screen.query_one(LibraryDetail).render())
        assert "GM notes (only you)" in detail
        assert "Flees below 5 hit points." in detail
        assert "hidden" in detail


async def test_typing_in_the_filter_narrows_by_name_and_k_by_kind(tmp_path: Path) -> None:
    async with running(tmp_path) as (app, pilot):
        await pilot.press("slash", *"gob")
        assert shown_names(app) == ["Goblin 1", "Goblin 2", "Goblin Boss", "Goblin Lair"]
        await pilot.press("enter", "k")
        assert panel(app).kind == "actors"
        assert shown_names(app) == ["Goblin 1", "Goblin 2", "Goblin Boss"]
        assert str(app.screen.query_one("#library-count", Label).render()) == "3 of 13 entries"
        for _ in range(4):
            await pilot.press("k")
        assert panel(app).kind == "item"
        assert shown_names(app) == []
        assert "Nothing matches" in str(app.screen.query_one(LibraryDetail).render())

        await pilot.press("escape")
        assert len(shown_names(app)) == 13
        assert app.screen.query_one("#library-kind", Select).value == "all"


async def test_library_works_with_no_encounter_running(tmp_path: Path) -> None:
    async with running(tmp_path) as (app, pilot):
        assert state(app)["currentSession"]["activeEncounterId"] is None
        await choose(app, pilot, "actors", "Goblin 2")
        await pilot.press("enter")
        sheet = await on_screen(pilot, ActorSheetScreen, "Goblin 2's sheet")
        typed(sheet, "armor-class", "13")
        await pilot.press("ctrl+s")
        goblin = entity_named(app, "actors", "Goblin 2")
        await until(pilot, lambda: state(app)["actors"][goblin]["armorClass"] == 13, "the save")
        assert not is_modal(app)


# -- actor sheets --------------------------------------------------------------------


async def test_gm_creates_a_hidden_npc_players_never_hold_until_revealed(
    tmp_path: Path, clients: list[Client]
) -> None:
    token = tmp_path / "stranger.png"
    token.write_bytes(png(64, 64))
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        received: list[str] = []
        alice.on_frame.append(lambda frame: received.append(json.dumps(frame)))

        await pilot.press("n")
        await pick(pilot, "NPC")
        sheet = await on_screen(pilot, ActorSheetScreen, "the new actor's sheet")
        assert app.focused is sheet.query_one("#name")
        await pilot.press(*"Mysterious Stranger")
        sheet.query_one("#hidden", Checkbox).value = True
        typed(sheet, "hp-current", "14")
        typed(sheet, "hp-max", "14")
        typed(sheet, "armor-class", "12")
        typed(sheet, "speed", "30")
        typed(sheet, "initiative-bonus", "+2")
        for name, score in zip(
            ("strength", "dexterity", "constitution", "intelligence", "wisdom", "charisma"),
            (10, 14, 12, 16, 13, 15),
            strict=True,
        ):
            typed(sheet, f"ability-{name}", str(score))
        sheet.query_one("#notes", TextArea).text = "A cloaked figure by the fire."
        sheet.query_one("#gm-notes", TextArea).text = "Secretly the duke's spy."
        typed(sheet, "image-path", str(token))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not is_modal(app), "the sheet to close")

        stranger = entity_named(app, "actors", "Mysterious Stranger")
        actor = state(app)["actors"][stranger]
        assert actor["type"] == "npc"
        assert actor["hidden"] is True
        assert actor["hp"] == {"current": 14, "max": 14, "temp": 0}
        assert actor["armorClass"] == 12
        assert actor["speed"] == 30
        assert actor["initiativeBonus"] == 2
        assert actor["abilities"]["intelligence"] == 16
        assert actor["gmNotes"] == "Secretly the duke's spy."
        asset = app.session.lib.assets.root / f"{actor['imageAsset']}.png"
        assert asset.read_bytes() == token.read_bytes()
        assert panel(app).selected is not None
        assert panel(app).selected.name == "Mysterious Stranger"  # type: ignore[union-attr]
        await asyncio.sleep(0.2)
        assert stranger not in alice.view["actors"]
        assert not any("Mysterious" in frame or stranger in frame for frame in received)

        await pilot.press("v")
        await alice.wait_for(lambda: stranger in alice.view["actors"])
        seen = alice.view["actors"][stranger]
        assert seen["notes"] == "A cloaked figure by the fire."
        assert "gmNotes" not in seen


async def test_empty_hit_points_are_an_error_never_a_zero(tmp_path: Path) -> None:
    async with running(tmp_path) as (app, pilot):
        thorin = actor_id(state(app), "Thorin")
        before = dict(state(app)["actors"][thorin])
        await choose(app, pilot, "actors", "Thorin")
        await pilot.press("enter")
        sheet = await on_screen(pilot, ActorSheetScreen, "Thorin's sheet")
        typed(sheet, "hp-current", "")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "error-hp" in errors_on(sheet), "the HP error")

        assert "Current HP: type a number" in errors_on(sheet)["error-hp"]
        assert "fix the 1 marked field" in str(sheet.query_one("#sheet-error", Label).render())
        assert app.focused is sheet.query_one("#hp-current")
        assert app.screen is sheet
        assert state(app)["actors"][thorin] == before

        for field in ("hp-current", "hp-max", "hp-temp"):
            typed(sheet, field, "")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: state(app)["actors"][thorin]["hp"] is None, "no HP block")


async def test_current_hp_above_max_is_refused_unless_allowed(tmp_path: Path) -> None:
    async with running(tmp_path) as (app, pilot):
        thorin = actor_id(state(app), "Thorin")
        await choose(app, pilot, "actors", "Thorin")
        await pilot.press("enter")
        sheet = await on_screen(pilot, ActorSheetScreen, "Thorin's sheet")
        typed(sheet, "hp-current", "20")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "error-hp" in errors_on(sheet), "the over-max error")
        assert "allow over max" in errors_on(sheet)["error-hp"]
        assert state(app)["actors"][thorin]["hp"]["current"] == 12

        sheet.query_one("#hp-over", Checkbox).value = True
        await pilot.press("ctrl+s")
        await until(pilot, lambda: state(app)["actors"][thorin]["hp"]["current"] == 20, "20 HP")


async def test_errors_appear_next_to_each_field_and_nothing_is_saved(tmp_path: Path) -> None:
    async with running(tmp_path) as (app, pilot):
        version = app.session.manager.version
        await pilot.press("n")
        await pick(pilot, "Monster")
        sheet = await on_screen(pilot, ActorSheetScreen, "the new sheet")
        typed(sheet, "hp-current", "5")
        typed(sheet, "armor-class", "-1")
        typed(sheet, "ability-strength", "18")
        typed(sheet, "initiative-bonus", "")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(errors_on(sheet)) == 4, "four error slots")

        shown = errors_on(sheet)
        assert shown["error-name"] == "Give the actor a name"
        assert "Max HP: type a number" in shown["error-hp"]
        assert "Armour class cannot be below 0" in shown["error-numbers"]
        assert "Initiative bonus (0 for none): type a number" in shown["error-numbers"]
        assert "Fill in all six ability scores" in shown["error-abilities"]
        assert app.focused is sheet.query_one("#name")
        assert app.session.manager.version == version


async def test_conditions_stats_and_inventory_lines_are_added_and_removed(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        thorin = actor_id(state(app), "Thorin")
        await app.session.submit(
            {"kind": "assign_actor", "actorId": thorin, "playerId": alice.player_id}
        )
        await choose(app, pilot, "actors", "Thorin")
        await pilot.press("enter")
        sheet = await on_screen(pilot, ActorSheetScreen, "Thorin's sheet")

        sheet.query_one("#add-condition").focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"Blessed", "tab", *"2")
        sheet.query_one("#add-stat").focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"Sanity", "tab", *"45")
        sheet.query_one("#add-stat").focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"Stress")  # no value: an error on its line, not a 0
        await pilot.press("ctrl+s")
        await until(
            pilot,
            lambda: any(r.has_class("-shown") for r in sheet.query(".row-error")),
            "line error",
        )
        assert "Stress: type a number" in str(sheet.query(".row-error.-shown").first().render())
        assert state(app)["actors"][thorin]["stats"] == []

        stress = list(sheet.query("StatRow"))[-1]
        stress.query_one(".sheet-row-remove").focus()
        await pilot.press("enter")
        await pilot.pause()
        rows = list(sheet.query("InventoryRow"))
        assert len(rows) == 2
        rows[1].query_one(".sheet-row-remove").focus()
        await pilot.press("enter")
        await pilot.pause()
        rows[0].query_one(Checkbox).value = True
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not is_modal(app), "the sheet to close")

        actor = state(app)["actors"][thorin]
        assert actor["stats"] == [{"name": "Sanity", "value": 45}]
        assert actor["conditions"] == [{"name": "Blessed", "rounds": 2, "note": ""}]
        sword = entity_named(app, "items", "Longsword")
        assert actor["inventory"] == [{"itemId": sword, "quantity": 1, "equipped": True}]
        await alice.wait_for(lambda: alice.view["actors"][thorin]["stats"] == actor["stats"])


async def test_enter_on_a_combatant_opens_the_whole_sheet(tmp_path: Path) -> None:
    async with running(tmp_path) as (app, pilot):
        encounter = next(iter(state(app)["encounters"]))
        await app.session.submit({"kind": "start_encounter", "encounterId": encounter})
        await pilot.press("2")
        table = app.screen.query_one("#initiative-table", DataTable)
        await until(pilot, lambda: table.row_count > 0, "the order")
        await pilot.press("enter")
        sheet = await on_screen(pilot, ActorSheetScreen, "the combatant's sheet")
        first = state(app)["currentSession"]["initiative"][0]["actorId"]
        assert sheet.original["id"] == first
        await pilot.press("escape")
        await until(pilot, lambda: not is_modal(app), "the sheet to close")

        await pilot.press("h")
        quick = await on_screen(pilot, EditActorScreen, "the quick HP dialog")
        quick.query_one("#hp-max", Input).value = ""
        await pilot.press("enter")
        await pilot.pause()
        assert "Max HP: type a number" in str(quick.query_one("#actor-error", Label).render())
        assert state(app)["actors"][first]["hp"]["max"] > 0


async def test_leaving_a_changed_sheet_asks_first(tmp_path: Path) -> None:
    async with running(tmp_path) as (app, pilot):
        await choose(app, pilot, "actors", "Pip")
        await pilot.press("enter")
        sheet = await on_screen(pilot, ActorSheetScreen, "Pip's sheet")
        await pilot.press("escape")
        await until(pilot, lambda: not is_modal(app), "an unchanged sheet to close at once")

        await pilot.press("enter")
        sheet = await on_screen(pilot, ActorSheetScreen, "Pip's sheet")
        await pilot.press(*"pin")
        await pilot.press("escape")
        await on_screen(pilot, ConfirmScreen, "the question")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is sheet, "back on the sheet")
        await pilot.press("escape", "y")
        await until(pilot, lambda: not is_modal(app), "the sheet to close")
        assert entity_named(app, "actors", "Pip")


# -- items ---------------------------------------------------------------------------


async def test_gm_writes_an_item_and_gives_it_to_an_actor(tmp_path: Path) -> None:
    async with running(tmp_path) as (app, pilot):
        await pilot.press("n")
        await pick(pilot, "Item")
        sheet = await on_screen(pilot, ItemSheetScreen, "the item sheet")
        await pilot.press(*"Silver Key")
        sheet.query_one("#description", TextArea).text = "Opens the crypt."
        sheet.query_one("#gm-notes", TextArea).text = "Also opens the vault."
        sheet.query_one("#hidden", Checkbox).value = True
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not is_modal(app), "the sheet to close")
        key = entity_named(app, "items", "Silver Key")
        assert state(app)["items"][key]["hidden"] is True
        assert state(app)["items"][key]["gmNotes"] == "Also opens the vault."

        await choose(app, pilot, "actors", "Pip")
        await pilot.press("enter")
        sheet = await on_screen(pilot, ActorSheetScreen, "Pip's sheet")
        sheet.query_one("#add-item").focus()
        await pilot.press("enter")
        await pilot.pause()
        row = list(sheet.query("InventoryRow"))[-1]
        row.query_one(Select).value = key
        row.query_one(".row-number", Input).value = "3"
        await pilot.press("ctrl+s")
        pip = actor_id(state(app), "Pip")
        await until(
            pilot,
            lambda: (
                {"itemId": key, "quantity": 3, "equipped": False}
                in state(app)["actors"][pip]["inventory"]
            ),
            "the key in Pip's pocket",
        )


# -- deleting and copying ------------------------------------------------------------


async def test_delete_names_everything_it_unlinks_and_players_lose_it(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        thorin = actor_id(state(app), "Thorin")
        encounter = next(iter(state(app)["encounters"]))
        await app.session.submit({"kind": "start_encounter", "encounterId": encounter})
        await choose(app, pilot, "actors", "Thorin")
        await pilot.press("d")
        confirm = await on_screen(pilot, ConfirmScreen, "the confirmation")
        question = " ".join(str(label.render()) for label in confirm.query(Label))
        assert "Delete Thorin (PC)?" in question
        assert "its token on the map" in question
        assert "its place in the running initiative order" in question
        assert "its place among the combatants of Ambush at the Crossroads" in question

        await pilot.press("y")
        await alice.wait_for(lambda: thorin not in alice.view["actors"])
        assert thorin not in alice.view["currentSession"]["tokenPositions"]
        assert all(e["actorId"] != thorin for e in alice.view["currentSession"]["initiative"])
        assert thorin not in state(app)["encounters"][encounter]["combatants"]
        await until(pilot, lambda: "Thorin" not in shown_names(app), "the row to go")


async def test_deleting_the_running_encounter_is_refused_with_the_reason(tmp_path: Path) -> None:
    async with running(tmp_path) as (app, pilot):
        notes: list[str] = []
        notify = app.notify

        def remember(message: str, **options: Any) -> None:
            notes.append(message)
            notify(message, **options)

        app.notify = remember  # type: ignore[method-assign]
        encounter = next(iter(state(app)["encounters"]))
        await app.session.submit({"kind": "start_encounter", "encounterId": encounter})
        await choose(app, pilot, "encounters", "Ambush at the Crossroads")
        await pilot.press("d")
        await pilot.pause()
        assert not is_modal(app)
        assert "end the encounter before deleting it" in notes
        assert encounter in state(app)["encounters"]


async def test_copying_a_monster_numbers_the_copy(tmp_path: Path) -> None:
    async with running(tmp_path) as (app, pilot):
        await choose(app, pilot, "actors", "Goblin 2")
        await pilot.press("c")
        await until(pilot, lambda: "Goblin 3" in shown_names(app), "the copy")
        goblin3 = state(app)["actors"][entity_named(app, "actors", "Goblin 3")]
        assert goblin3["hp"] == {"current": 7, "max": 7, "temp": 0}
        assert panel(app).selected is not None
        assert panel(app).selected.name == "Goblin 3"  # type: ignore[union-attr]


# -- players -------------------------------------------------------------------------


async def test_gm_gives_an_actor_to_a_player_from_the_library(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        bob = await join(app, clients, "Bob")
        elara = actor_id(state(app), "Elara")
        await choose(app, pilot, "actors", "Elara")
        await pilot.press("o")
        await pick(pilot, "Bob")
        await bob.wait_for(lambda: bob.view["actors"][elara]["owner"] == bob.player_id)

        await pilot.press("o")
        await pick(pilot, "Nobody")
        await bob.wait_for(lambda: bob.view["actors"][elara]["owner"] is None)


# -- maps and tokens -----------------------------------------------------------------


async def test_gm_makes_a_map_from_a_png_and_players_download_it(
    tmp_path: Path, clients: list[Client]
) -> None:
    image = tmp_path / "cave.png"
    image.write_bytes(png(500, 320))
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        await pilot.press("n")
        await pick(pilot, "Map")
        sheet = await on_screen(pilot, MapSheetScreen, "the map sheet")
        await pilot.press(*"Cave")
        sheet.query_one("#image-path", Input).focus()
        await pilot.press(*str(image), "tab")
        await until(pilot, lambda: sheet.text_of("grid-width") == "10", "the grid to follow")
        assert sheet.text_of("grid-height") == "6"
        assert "PNG 500x320 px" in str(sheet.query_one("#image-state", Label).render())
        typed(sheet, "grid-cell", "40")
        await until(pilot, lambda: sheet.text_of("grid-width") == "12", "the grid to follow again")
        assert sheet.text_of("grid-height") == "8"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not is_modal(app), "the sheet to close")

        cave = entity_named(app, "maps", "Cave")
        game_map = state(app)["maps"][cave]
        assert game_map["imageSize"] == {"width": 500, "height": 320}
        assert game_map["grid"]["width"] == 12
        assert game_map["grid"]["cellSize"] == 40
        sha = game_map["imageAsset"]
        assert (app.session.lib.assets.root / f"{sha}.png").read_bytes() == image.read_bytes()

        await pilot.press("m")
        await alice.wait_for(lambda: alice.view["currentSession"]["currentMapId"] == cave)
        assert alice.view["maps"][cave]["imageAsset"] == sha
        host = app.session.host
        assert host is not None
        url = f"http://127.0.0.1:{host.port}/assets/{sha}"
        served = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())
        assert served == image.read_bytes()
        await until(pilot, lambda: panel(app).selected.current, "the map marked current")  # type: ignore[union-attr]


async def test_a_file_that_is_not_an_image_is_refused_next_to_its_field(tmp_path: Path) -> None:
    fake = tmp_path / "map.png"
    fake.write_text("<svg onload='alert(1)'></svg>")
    async with running(tmp_path) as (app, pilot):
        maps_before = dict(state(app)["maps"])
        await pilot.press("n")
        await pick(pilot, "Map")
        sheet = await on_screen(pilot, MapSheetScreen, "the map sheet")
        await pilot.press(*"Fake")
        typed(sheet, "image-path", str(fake))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "error-image-path" in errors_on(sheet), "the image error")
        assert "not a PNG, JPEG or WebP image" in errors_on(sheet)["error-image-path"]
        assert app.screen is sheet
        assert state(app)["maps"] == maps_before

        typed(sheet, "image-path", str(tmp_path / "missing.webp"))
        await pilot.press("ctrl+s")
        await until(
            pilot,
            lambda: "there is no file" in errors_on(sheet).get("error-image-path", ""),
            "the missing file",
        )


async def test_gm_places_a_token_from_the_library_and_takes_it_off(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        await choose(app, pilot, "actors", "Goblin 2")
        await pilot.press("c")
        await until(pilot, lambda: "Goblin 3" in shown_names(app), "the copy")
        goblin = entity_named(app, "actors", "Goblin 3")

        await pilot.press("t")
        place = await on_screen(pilot, PlaceTokenScreen, "where to place it")
        assert place.query_one("#cell-x", Input).value == "0"
        assert place.query_one("#cell-y", Input).value == "0"
        place.query_one("#cell-x", Input).value = "7"
        await pilot.press("enter")
        positions = alice.view["currentSession"]["tokenPositions"]
        await alice.wait_for(lambda: positions.get(goblin) == {"x": 7, "y": 0})

        await pilot.press("x")
        await alice.wait_for(lambda: goblin not in positions)
        assert goblin in alice.view["actors"]


async def test_map_tab_switches_the_map_players_see_and_places_tokens(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        lair = entity_named(app, "maps", "Goblin Lair")
        await app.session.submit({"kind": "reveal", "collection": "maps", "id": lair})
        await pilot.press("5", "m")
        await pick(pilot, "Goblin Lair")
        await alice.wait_for(lambda: alice.view["currentSession"]["currentMapId"] == lair)

        thorin = actor_id(state(app), "Thorin")
        await app.session.submit({"kind": "remove_token", "tokenId": thorin})
        await pilot.press("t")
        await pick(pilot, "Thorin")
        await on_screen(pilot, PlaceTokenScreen, "where to place it")
        await pilot.press("enter")
        positions = alice.view["currentSession"]["tokenPositions"]
        await alice.wait_for(lambda: thorin in positions)

        map_view = app.screen.query_one(MapView)
        await until(pilot, lambda: any(t.actor_id == thorin for t in map_view.board.tokens), "it")
        map_view.selected = thorin
        await pilot.press("x")
        await alice.wait_for(lambda: thorin not in positions)


# -- encounters ----------------------------------------------------------------------


async def test_gm_builds_an_encounter_and_starts_it_from_the_library(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        await pilot.press("n")
        await pick(pilot, "Encounter")
        sheet = await on_screen(pilot, EncounterSheetScreen, "the encounter sheet")
        await pilot.press(*"Lair fight")
        sheet.query_one("#map", Select).value = entity_named(app, "maps", "Goblin Lair")
        fighters = sheet.query_one("#combatants", SelectionList)
        fighters.focus()
        labels = [str(fighters.get_option_at_index(i).prompt) for i in range(fighters.option_count)]
        for name in ("Thorin", "Goblin Boss"):
            index = next(i for i, text in enumerate(labels) if text.startswith(name))
            fighters.highlighted = index
            await pilot.press("space")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not is_modal(app), "the sheet to close")

        fight = entity_named(app, "encounters", "Lair fight")
        encounter = state(app)["encounters"][fight]
        thorin, boss = actor_id(state(app), "Thorin"), actor_id(state(app), "Goblin Boss")
        assert encounter["combatants"] == [thorin, boss]
        assert encounter["status"] == "draft"

        await pilot.press("s")
        await alice.wait_for(lambda: alice.view["currentSession"]["activeEncounterId"] == fight)
        order = [e["actorId"] for e in alice.view["currentSession"]["initiative"]]
        assert order == [thorin]
        await until(
            pilot,
            lambda: app.screen.query_one("#tabs").active == "initiative",  # type: ignore[attr-defined]
            "the initiative tab",
        )

        await pilot.press("6")
        await choose(app, pilot, "encounters", "Lair fight")
        await pilot.press("enter")
        sheet = await on_screen(pilot, EncounterSheetScreen, "the running encounter's sheet")
        fighters = sheet.query_one("#combatants", SelectionList)
        fighters.deselect(thorin)
        fighters.select(actor_id(state(app), "Elara"))
        await pilot.press("ctrl+s")
        elara = actor_id(state(app), "Elara")
        await alice.wait_for(
            lambda: [e["actorId"] for e in alice.view["currentSession"]["initiative"]] == [elara]
        )

        await pilot.press("e")
        await on_screen(pilot, ConfirmScreen, "the question")
        await pilot.press("y")
        await alice.wait_for(lambda: alice.view["currentSession"]["activeEncounterId"] is None)
