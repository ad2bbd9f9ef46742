"""The current map as a grid of cells with tokens; the GM moves the selected token."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.viewmodels import BoardView, Token

CELL_WIDTH = 2
EMPTY_BOARD = BoardView(None, 0, 0, False, ())
KIND_STYLES = {
    "character": Style(color="green", bold=True),
    "monster": Style(color="red", bold=True),
    "npc": Style(color="yellow", bold=True),
}
HIDDEN_STYLE = Style(dim=True, italic=True, bgcolor="grey23")
FOG_STYLE = Style(color="grey39", bgcolor="grey11")
FOG_TOKEN_STYLE = Style(italic=True, bgcolor="grey15")
"""Players see fog there; a token in it is the GM's alone."""
SELECTED_STYLE = Style(reverse=True, bold=True)
EMPTY_STYLE = Style(dim=True)


class MapView(ScrollView, can_focus=True):
    """Draws ``board`` line by line, so large maps scroll without being drawn whole."""

    BINDINGS = [
        Binding("up", "nudge(0, -1)", "Move the token up", show=False),
        Binding("down", "nudge(0, 1)", "Move the token down", show=False),
        Binding("left", "nudge(-1, 0)", "Move the token left", show=False),
        Binding("right", "nudge(1, 0)", "Move the token right", show=False),
        Binding("right_square_bracket", "cycle(1)", "Next token"),
        Binding("left_square_bracket", "cycle(-1)", "Prev token"),
        Binding("v", "screen.toggle_hidden", "Hide/reveal"),
        Binding("f", "screen.toggle_fog", "Fog of war on/off", show=False),
        Binding("r", "screen.reveal_around(True)", "Reveal around the token", show=False),
        Binding("R", "screen.reveal_around(False)", "Fog again around the token", show=False),
        Binding("m", "screen.choose_map", "Choose the map players see", show=False),
        Binding("t", "screen.place_token", "Place a token (choose the actor)", show=False),
        Binding("x", "screen.remove_token", "Take the selected token off the map", show=False),
    ]

    board: reactive[BoardView] = reactive(EMPTY_BOARD, init=False)
    selected: reactive[str | None] = reactive(None, init=False)

    class MoveRequested(Message):
        """The GM wants ``actor_id`` at (x, y)."""

        def __init__(self, actor_id: str, x: int, y: int) -> None:
            super().__init__()
            self.actor_id, self.x, self.y = actor_id, x, y

    class Nudged(Message):
        """The GM wants ``actor_id`` one step in a direction (keyboard)."""

        def __init__(self, actor_id: str, dx: int, dy: int) -> None:
            super().__init__()
            self.actor_id, self.dx, self.dy = actor_id, dx, dy

    class Selected(Message):
        def __init__(self, token: Token | None) -> None:
            super().__init__()
            self.token = token

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._cells: dict[tuple[int, int], Token] = {}

    @property
    def selected_token(self) -> Token | None:
        return next((t for t in self.board.tokens if t.actor_id == self.selected), None)

    def watch_board(self, board: BoardView) -> None:
        self._cells = {}
        for token in board.tokens:
            self._cells.setdefault((token.x, token.y), token)
        self.virtual_size = Size(board.width * CELL_WIDTH, board.height)
        if self.selected_token is None:
            self.selected = board.tokens[0].actor_id if board.tokens else None
        self.post_message(self.Selected(self.selected_token))
        self.refresh()

    def watch_selected(self) -> None:
        token = self.selected_token
        if token is not None:
            self.scroll_to_region(
                Region(token.x * CELL_WIDTH, token.y, CELL_WIDTH, 1), animate=False
            )
        self.post_message(self.Selected(token))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = y + scroll_y
        width = self.size.width
        board = self.board
        if row >= board.height:
            return Strip.blank(width)
        segments = []
        for column in range(board.width):
            token = self._cells.get((column, row))
            if token is None:
                fogged = board.fogged(column, row)
                segments.append(Segment("░░", FOG_STYLE) if fogged else Segment("· ", EMPTY_STYLE))
                continue
            style = KIND_STYLES.get(token.kind, KIND_STYLES["npc"])
            if token.in_fog:
                style += FOG_TOKEN_STYLE
            if token.hidden:
                style += HIDDEN_STYLE
            if token.actor_id == self.selected:
                style += SELECTED_STYLE
            segments.append(Segment(token.mark[:CELL_WIDTH].ljust(CELL_WIDTH), style))
        return Strip(segments, board.width * CELL_WIDTH).crop(scroll_x, scroll_x + width)

    def action_nudge(self, dx: int, dy: int) -> None:
        token = self.selected_token
        if token is None:
            self.app.bell()
            return
        self.post_message(self.Nudged(token.actor_id, dx, dy))

    def action_cycle(self, step: int) -> None:
        tokens = sorted(self.board.tokens, key=lambda t: (t.y, t.x))
        if not tokens:
            return
        index = next((i for i, t in enumerate(tokens) if t.actor_id == self.selected), -1)
        self.selected = tokens[(index + step) % len(tokens)].actor_id

    def on_click(self, event: events.Click) -> None:
        scroll_x, scroll_y = self.scroll_offset
        x, y = (event.x + scroll_x) // CELL_WIDTH, event.y + scroll_y
        if not (0 <= x < self.board.width and 0 <= y < self.board.height):
            return
        token = self._cells.get((x, y))
        if token is not None:
            self.selected = token.actor_id
        elif self.selected is not None:
            self.post_message(self.MoveRequested(self.selected, x, y))
