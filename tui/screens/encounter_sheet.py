"""An encounter's sheet: its name, its map, who fights in it, and the GM's notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Select, SelectionList, TextArea
from textual.widgets.selection_list import Selection

from tui.screens.sheet import Commit, Problems, SheetScreen, error_slot, label, line, section
from vtt_host.schema import Encounter

NO_MAP = "-"


class EncounterSheetScreen(SheetScreen):
    """Create (``encounter`` None) or edit an encounter; returns SheetSaved or None.

    ``actors`` are (id, label) of everyone who may fight; space ticks a combatant.
    The combatants keep their order; ones ticked now join at the end.
    """

    MODEL = Encounter

    def __init__(
        self,
        encounter: Mapping[str, Any] | None,
        *,
        commit: Commit,
        maps: Sequence[tuple[str, str]],
        actors: Sequence[tuple[str, str]],
    ) -> None:
        title = f"{encounter['name']}: encounter" if encounter else "New encounter"
        super().__init__(title, encounter, commit=commit)
        self._maps = maps
        self._actors = actors

    def compose_fields(self) -> ComposeResult:
        encounter = self.original
        chosen = set(encounter.get("combatants", []))
        map_id = encounter.get("mapId")
        maps = [("No map of its own", NO_MAP), *((name, key) for key, name in self._maps)]
        yield line(label("Name"), Input(encounter.get("name", ""), id="name", compact=True))
        yield error_slot("name")
        yield line(
            label("Map"),
            Select(
                maps,
                value=map_id if any(map_id == key for key, _ in self._maps) else NO_MAP,
                allow_blank=False,
                id="map",
                compact=True,
            ),
        )
        yield line(
            label(""),
            Checkbox(
                "Hidden from players", bool(encounter.get("hidden")), id="hidden", compact=True
            ),
        )
        yield section("Combatants (space ticks one; starting it puts them in initiative)")
        yield SelectionList[str](
            *(Selection(text, key, key in chosen) for key, text in self._actors),
            id="combatants",
        )
        yield error_slot("combatants")
        yield section("GM notes (only you)")
        yield TextArea(
            encounter.get("gmNotes", ""), id="gm-notes", classes="sheet-text gm-text", compact=True
        )
        yield error_slot("gmNotes")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#name", Input).focus()

    def read(self, problems: Problems) -> dict[str, Any]:
        name = self.text_of("name").strip()
        if not name:
            problems.add("name", "Give the encounter a name")
        ticked = set(self.query_one("#combatants", SelectionList).selected)
        kept = [a for a in self.original.get("combatants", []) if a in ticked]
        added = [key for key, _ in self._actors if key in ticked and key not in kept]
        map_id = self.query_one("#map", Select).value
        return {
            "name": name,
            "mapId": None if map_id == NO_MAP else map_id,
            "hidden": self.query_one("#hidden", Checkbox).value,
            "combatants": kept + added,
            "gmNotes": self.query_one("#gm-notes", TextArea).text,
        }
