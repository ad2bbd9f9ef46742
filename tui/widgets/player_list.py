"""Players: who has joined, who is connected now, and the actors each one plays."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.reactive import reactive
from textual.widgets import DataTable

from tui.viewmodels import PlayerRow
from tui.widgets.join_info import JoinInfo


class PlayerList(Vertical):
    """The join details on top, then one row per player who ever joined."""

    BINDINGS = [
        Binding("c", "screen.copy_link", "Copy link"),
        Binding("r", "screen.rotate_code", "New code"),
        Binding("k", "screen.kick", "Kick"),
        Binding("x", "screen.remove_player", "Remove"),
        Binding("o", "screen.assign_actor", "Give actor"),
        Binding("w", "screen.whisper", "Whisper"),
    ]

    rows: reactive[tuple[PlayerRow, ...]] = reactive((), init=False)

    def compose(self) -> ComposeResult:
        yield JoinInfo(id="join-info")
        table: DataTable[str | Text] = DataTable(id="players-table", cursor_type="row")
        table.add_column("", key="state", width=1)
        table.add_column("Player", key="name")
        table.add_column("Connection", key="connection")
        table.add_column("Actors", key="actors")
        yield table

    def on_mount(self) -> None:
        self._fill()

    @property
    def selected(self) -> PlayerRow | None:
        table = self.query_one("#players-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return next((row for row in self.rows if row.player_id == key), None)

    def watch_rows(self) -> None:
        self._fill()

    def _fill(self) -> None:
        if not self.children:
            return  # not composed yet; on_mount fills it
        table = self.query_one("#players-table", DataTable)
        keep = self.selected.player_id if self.selected else None
        table.clear()
        for row in self.rows:
            table.add_row(
                Text("●", style="green") if row.connected else Text("○", style="dim"),
                Text(row.name, style="bold" if row.connected else "dim"),
                Text(
                    "connected" if row.connected else "away", style="" if row.connected else "dim"
                ),
                Text(row.actors or "—"),
                key=row.player_id,
            )
        if keep is not None and any(row.player_id == keep for row in self.rows):
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        self.set_class(not self.rows, "-empty")
