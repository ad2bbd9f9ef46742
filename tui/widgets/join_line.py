"""The join link and code in one line above every tab, so the GM never has to look
for them when a player asks "how do I get in?"."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class JoinLine(Widget):
    """Shows ``link`` and ``code`` (and that ``j`` shows the QR code); hidden while
    players are not being served."""

    code: reactive[str | None] = reactive(None)
    link: reactive[str | None] = reactive(None)

    def on_mount(self) -> None:
        self.set_class(self.code is None, "-offline")

    def watch_code(self, code: str | None) -> None:
        self.set_class(code is None, "-offline")

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.code is None:
            return text
        # The code first: on a narrow terminal the long link is what gets cut.
        text.append("Join code ", style="bold")
        text.append(self.code, style="bold reverse")
        text.append("  link ", style="bold")
        text.append(self.link or "—", style="underline")
        text.append("  j", style="bold")
        text.append(" QR code")
        return text
