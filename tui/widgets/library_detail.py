"""The library's selected entry in full: its facts, notes, GM notes and what keys do."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.catalogue import LibraryRow

KEY_HINTS = {
    "actors": "enter edit · t place token · x take token off · o give to a player · "
    "v hide/reveal · c copy · d delete",
    "items": "enter edit · v hide/reveal · c copy · d delete",
    "maps": "enter edit · m show to players · v hide/reveal · c copy · d delete",
    "encounters": "enter edit · s start · e end · v hide/reveal · c copy · d delete",
    "handouts": "enter edit · v share or hide · c copy · d delete",
}
NOTES_TITLES = {
    "actors": "Notes (players read them)",
    "items": "Description",
    "handouts": "Text",
}
EMPTY_HINT = (
    "Nothing here yet. Press n to create a character, an NPC or monster, an item, "
    "a map from an image file, an encounter or a handout."
)


class LibraryDetail(Widget):
    """Everything about ``row``; GM notes are marked as the GM's alone."""

    row: reactive[LibraryRow | None] = reactive(None)
    empty: reactive[bool] = reactive(False)
    """The campaign has no entries at all (not just none matching the filter)."""

    def render(self) -> Text:
        row = self.row
        if row is None:
            return Text(EMPTY_HINT if self.empty else "Nothing matches the filter.", style="italic")
        text = Text()
        text.append(row.name, style="bold")
        if row.hidden:
            text.append("  hidden", style="bold italic yellow")
        if row.current:
            text.append("  ▶ in play", style="bold green")
        text.append("\n")
        for fact in row.facts:
            text.append(f"{fact}\n")
        if row.notes:
            text.append(f"\n{NOTES_TITLES.get(row.collection, 'Notes')}\n", style="bold underline")
            text.append(f"{row.notes}\n")
        if row.gm_notes:
            text.append("\nGM notes (only you)\n", style="bold underline yellow")
            text.append(f"{row.gm_notes}\n", style="yellow")
        text.append(f"\n{KEY_HINTS[row.collection]}", style="dim")
        return text
