"""The join link as a QR code, big, for players to point their phones at the terminal.

It follows the join line (``JoinLine``), which the app refreshes from the session on
every tick: a rotated code or a tunnel's new URL redraws the code while it is shown.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Label

from tui.widgets.join_line import JoinLine
from vtt_host.qr import BLOCK_STYLE, qr_blocks

NOT_SERVING = "Players are not being served: there is no join link."


class QrCode(Widget):
    """``text`` as a QR code in half blocks, dark on light whatever the terminal's theme."""

    DEFAULT_CSS = """
    QrCode {
        width: auto;
        height: auto;
    }
    """

    text: reactive[str | None] = reactive(None, layout=True)

    def render(self) -> Text:
        if self.text is None:
            return Text(NOT_SERVING, style="italic")
        return Text("\n".join(qr_blocks(self.text)), style=BLOCK_STYLE, no_wrap=True)


class JoinQrScreen(Screen[None]):
    """The QR code of the join link with the link and the code under it."""

    DEFAULT_CSS = """
    JoinQrScreen {
        background: $surface;
    }
    JoinQrScreen #join-qr {
        align-vertical: middle;
        height: 1fr;
    }
    JoinQrScreen Center {
        height: auto;
    }
    JoinQrScreen #join-qr-link {
        text-style: underline;
    }
    JoinQrScreen #join-qr-code {
        text-style: bold;
    }
    JoinQrScreen #join-qr-hint {
        color: $text-muted;
    }
    """

    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, source: JoinLine) -> None:
        super().__init__()
        self._source = source

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="join-qr"):
            with Center():
                yield QrCode(id="join-qr-picture")
            with Center():
                yield Label(id="join-qr-link")
            with Center():
                yield Label(id="join-qr-code")
            with Center():
                yield Label("Point a phone's camera at the code · escape closes", id="join-qr-hint")

    def on_mount(self) -> None:
        self.watch(self._source, "link", self._show, init=False)
        self.watch(self._source, "code", self._show, init=False)
        self._show()

    def _show(self) -> None:
        link, code = self._source.link, self._source.code
        self.query_one(QrCode).text = link
        self.query_one("#join-qr-link", Label).update(link or "")
        self.query_one("#join-qr-code", Label).update(f"Join code {code}" if code else "")

    def action_close(self) -> None:
        self.dismiss(None)
