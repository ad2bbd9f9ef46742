"""A GM prepares a campaign from nothing, with keys only, while two players watch.

From an empty data folder: a new campaign, two player characters, a hidden NPC, a map
from a PNG file, an encounter and (when the host keeps them) a handout; the PCs go to
the two players, the map is shown, the NPC revealed. After every step the players'
own views (the Python client's state, over a real socket) are checked, and nothing
they were ever sent names the hidden NPC before the reveal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.conftest import join, serving_config, until, wait_ready
from tests.tui.library_helpers import entity_named, is_modal, on_screen, pick, shown_names, state
from tests.vtt_host.test_images import png
from tui.app import GmApp
from tui.screens.actor_sheet import ActorSheetScreen
from tui.screens.edit_actor import EditActorScreen
from tui.screens.encounter_sheet import EncounterSheetScreen
from tui.screens.handout_sheet import HandoutSheetScreen
from tui.screens.map_sheet import MapSheetScreen
from tui.screens.new_campaign import NewCampaignScreen
from tui.screens.pick_many import PickManyScreen
from tui.screens.welcome import WelcomeScreen
from tui.widgets.initiative_tracker import InitiativeTracker
from vtt_host.client import Client

SIZE = (120, 40)
MAX_TABS = 40


async def tab_to(pilot: Pilot[Any], widget_id: str) -> None:
    """Press Tab until the field has the focus."""
    for _ in range(MAX_TABS):
        focused = pilot.app.focused
        if focused is not None and focused.id == widget_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached #{widget_id}")


async def find(pilot: Pilot[Any], name: str) -> None:
    """Select a library entry by typing its name in the filter."""
    await pilot.press("slash", *name, "enter")
    await pilot.pause()
    app = pilot.app
    assert isinstance(app, GmApp)
    assert shown_names(app)[0] == name


async def new_actor(pilot: Pilot[Any], kind: str, name: str, hp: str, *, hidden: bool) -> None:
    await pilot.press("n")
    await pick(pilot, kind)
    await on_screen(pilot, ActorSheetScreen, f"{name}'s sheet")
    await pilot.press(*name)
    if hidden:
        await tab_to(pilot, "hidden")
        await pilot.press("space")
    await tab_to(pilot, "hp-current")
    await pilot.press(*hp, "tab", *hp)
    await pilot.press("ctrl+s")
    await until(pilot, lambda: not is_modal(pilot.app), f"{name}'s sheet to close")  # type: ignore[arg-type]


def never_named(frames: list[str], *marks: str) -> bool:
    return not any(mark in frame for frame in frames for mark in marks)


async def test_gm_prepares_a_campaign_from_an_empty_folder_with_keys(
    tmp_path: Path, clients: list[Client]
) -> None:
    image = tmp_path / "keep.png"
    image.write_bytes(png(600, 400))
    app = GmApp(serving_config(tmp_path / "empty"))
    async with app.run_test(size=SIZE) as pilot:
        await on_screen(pilot, WelcomeScreen, "the welcome")
        await pilot.press("n")
        await on_screen(pilot, NewCampaignScreen, "the new campaign dialog")
        await pilot.press(*"Winter Keep", "enter")
        await wait_ready(pilot)
        assert app.session.live.name == "Winter Keep"

        alice = await join(app, clients, "Alice")
        bob = await join(app, clients, "Bob")
        sent: dict[str, list[str]] = {"alice": [], "bob": []}
        alice.on_frame.append(lambda frame: sent["alice"].append(json.dumps(frame)))
        bob.on_frame.append(lambda frame: sent["bob"].append(json.dumps(frame)))
        players = (alice, bob)

        await pilot.press("6")
        await pilot.pause()
        assert shown_names(app) == []

        # Two player characters: everyone sees them.
        await new_actor(pilot, "Player character", "Aria", "11", hidden=False)
        await new_actor(pilot, "Player character", "Brom", "14", hidden=False)
        aria, brom = entity_named(app, "actors", "Aria"), entity_named(app, "actors", "Brom")
        for player in players:
            await player.wait_for(lambda p=player: {aria, brom} <= set(p.view["actors"]))
            assert player.view["actors"][aria]["hp"] == {"current": 11, "max": 11, "temp": 0}

        # A hidden NPC: players hold nothing of it.
        await new_actor(pilot, "NPC", "Vex the Silent", "20", hidden=True)
        vex = entity_named(app, "actors", "Vex the Silent")
        assert state(app)["actors"][vex]["hidden"] is True
        await alice.wait_for_version(app.session.manager.version)
        await bob.wait_for_version(app.session.manager.version)
        for player in players:
            assert vex not in player.view["actors"]

        # A map from a PNG file on the GM's disk.
        await pilot.press("n")
        await pick(pilot, "Map")
        sheet = await on_screen(pilot, MapSheetScreen, "the map sheet")
        await pilot.press(*"The Keep")
        await tab_to(pilot, "image-path")
        await pilot.press(*str(image), "tab")
        await until(pilot, lambda: sheet.text_of("grid-width") == "12", "the grid from the image")
        assert sheet.text_of("grid-height") == "8"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not is_modal(app), "the map sheet to close")
        keep = entity_named(app, "maps", "The Keep")
        for player in players:
            await player.wait_for(lambda p=player: keep in p.view["maps"])
            assert player.view["maps"][keep]["imageSize"] == {"width": 600, "height": 400}
            assert player.view["currentSession"]["currentMapId"] is None

        # An encounter on that map with both PCs and the hidden NPC.
        await pilot.press("n")
        await pick(pilot, "Encounter")
        await on_screen(pilot, EncounterSheetScreen, "the encounter sheet")
        await pilot.press(*"Gate fight")
        await tab_to(pilot, "map")
        await pilot.press("enter", "down", "enter")
        await tab_to(pilot, "combatants")
        await pilot.press("space", "down", "space", "down", "space")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not is_modal(app), "the encounter sheet to close")
        fight = entity_named(app, "encounters", "Gate fight")
        assert state(app)["encounters"][fight]["combatants"] == [aria, brom, vex]
        assert state(app)["encounters"][fight]["mapId"] == keep
        for player in players:
            await player.wait_for(lambda p=player: fight in p.view["encounters"])
            assert player.view["encounters"][fight]["combatants"] == [aria, brom]

        # A handout, hidden until shared, then shared with Alice alone.
        await pilot.press("n")
        await pick(pilot, "Handout")
        await on_screen(pilot, HandoutSheetScreen, "the handout sheet")
        await pilot.press(*"Sealed letter", "tab", *"Meet me at the gate at dawn.")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not is_modal(app), "the handout sheet to close")
        letter = entity_named(app, "handouts", "Sealed letter")
        await alice.wait_for_version(app.session.manager.version)
        assert letter not in alice.view.get("handouts", {})
        await find(pilot, "Sealed letter")
        await pilot.press("v")
        await pick(pilot, "Reveal to chosen players")
        await on_screen(pilot, PickManyScreen, "the players")
        await pilot.press("space", "ctrl+s")
        await alice.wait_for(lambda: letter in alice.view["handouts"])
        await bob.wait_for_version(app.session.manager.version)
        assert letter not in bob.view["handouts"]
        await pilot.press("escape")

        # Each player gets their character.
        await find(pilot, "Aria")
        await pilot.press("o")
        await pick(pilot, "Alice")
        await find(pilot, "Brom")
        await pilot.press("o")
        await pick(pilot, "Bob")
        await alice.wait_for(lambda: alice.view["actors"][aria]["owner"] == alice.player_id)
        await bob.wait_for(lambda: bob.view["actors"][brom]["owner"] == bob.player_id)

        # The map goes up for everyone.
        await find(pilot, "The Keep")
        await pilot.press("m")
        for player in players:
            await player.wait_for(lambda p=player: p.view["currentSession"]["currentMapId"] == keep)

        # Until now, not one frame named the NPC; then the GM reveals it.
        assert never_named(sent["alice"] + sent["bob"], vex, "Vex the Silent")
        for player in players:
            assert vex not in player.view["actors"]
            assert vex not in json.dumps(player.view)
        await find(pilot, "Vex the Silent")
        await pilot.press("v")
        for player in players:
            await player.wait_for(lambda p=player: vex in p.view["actors"])
            assert "gmNotes" not in player.view["actors"][vex]
        await alice.wait_for(
            lambda: alice.view["encounters"][fight]["combatants"] == [aria, brom, vex]
        )

        # Two rounds of the fight: Aria is blessed for one round, which ends with her turn.
        await find(pilot, "Gate fight")
        await pilot.press("s")
        await until(
            pilot,
            lambda: state(app)["currentSession"]["activeEncounterId"] == fight,
            "the encounter to start",
        )
        await pilot.press("2", "r")
        await until(
            pilot,
            lambda: all(e["value"] is not None for e in state(app)["currentSession"]["initiative"]),
            "initiative to be rolled",
        )
        order = [e["actorId"] for e in state(app)["currentSession"]["initiative"]]
        assert sorted(order) == sorted([aria, brom, vex])
        assert state(app)["currentSession"]["turn"] == 0
        tracker = app.screen.query_one(InitiativeTracker)
        await until(pilot, lambda: tracker.selected is not None, "the order on screen")
        while tracker.selected is not None and tracker.selected.actor_id != aria:
            await pilot.press("down")
        await pilot.press("h")
        await on_screen(pilot, EditActorScreen, "the HP and conditions dialog")
        app.screen.query_one("#conditions", Input).focus()
        await pilot.press(*"Blessed (1)", "enter")
        await until(pilot, lambda: not is_modal(app), "the dialog to close")
        await alice.wait_for(
            lambda: [c["name"] for c in alice.view["actors"][aria]["conditions"]] == ["Blessed"]
        )

        turns_seen: list[str] = []
        for _ in range(2 * len(order)):
            session = state(app)["currentSession"]
            turns_seen.append(session["initiative"][session["turn"]]["actorId"])
            version = app.session.manager.version
            await pilot.press("n")
            await until(pilot, lambda v=version: app.session.manager.version > v, "the next turn")
        assert sorted(turns_seen) == sorted(order * 2), "each combatant acts once a round"
        assert state(app)["currentSession"]["round"] == 3
        assert state(app)["actors"][aria]["conditions"] == []
        for player in players:
            await player.wait_for_version(app.session.manager.version)
            assert player.view["actors"][aria]["conditions"] == []
            lines = [m["text"] for m in player.view["currentSession"]["chatMessages"]]
            assert "Aria is no longer Blessed." in lines
