"""How players join: the code, the link (LAN or --public-url) and the LAN address.

Also where the host's metrics are read, and the token another machine needs for them.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class JoinInfo(Widget):
    """Shows the join code and link; ``c`` copies the link, ``r`` rotates the code."""

    code: reactive[str | None] = reactive(None)
    link: reactive[str | None] = reactive(None)
    lan: reactive[str | None] = reactive(None)
    metrics: reactive[tuple[str, str] | None] = reactive(None)
    """(URL on this machine, bearer token for other machines) of /metrics."""

    def watch_code(self, code: str | None) -> None:
        self.set_class(code is None, "-offline")

    def render(self) -> Text:
        if self.code is None:
            return Text("Players are not being served (no network host).", style="italic")
        text = Text()
        text.append("Join code ", style="bold")
        text.append(self.code, style="bold reverse")
        text.append("   LAN ", style="bold")
        text.append(self.lan or "—")
        text.append("\nJoin link ", style="bold")
        text.append(self.link or "—", style="underline")
        if self.metrics is not None:
            url, token = self.metrics
            text.append("\nMetrics ", style="bold")
            text.append(url)
            text.append("  elsewhere with ", style="dim")
            text.append(f"Authorization: Bearer {token}", style="dim")
        return text
