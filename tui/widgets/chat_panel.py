"""Chat with the table: the log plus a line to talk, whisper (/w) and roll (/r)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from tui.widgets.chat_log import ChatLog

CHAT_HINT = "Say something · /w Name text · /r 1d20+5 label · /rw Name 1d20"


class ChatPanel(Vertical):
    """Posts ``ChatPanel.Said`` with what the GM typed; the screen sends it."""

    BINDINGS = [
        Binding(
            "escape", "screen.focus_tabs", "Leave the chat box (then 1-5 switch tabs)", show=False
        )
    ]

    class Said(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def compose(self) -> ComposeResult:
        yield ChatLog(id="chat-log")
        # Focus must not select a prefill ("/w Alice "): typing would replace it.
        yield Input(placeholder=CHAT_HINT, id="chat-input", select_on_focus=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if text:
            self.post_message(self.Said(text))
        event.input.value = ""

    def prefill(self, text: str) -> None:
        """Focus the input with ``text`` typed (``/w Alice ``, ``/r ``)."""
        field = self.query_one("#chat-input", Input)
        field.value = text
        field.cursor_position = len(text)
        field.focus()
