"""How players join: the code, the link (LAN or --public-url) and the LAN address.

Also where the host's metrics are read, and the token another machine needs for them.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class JoinInfo(Widget):
    """Shows the join code and link; ``c`` copies the link, ``r`` rotates the code, ``j``
    shows the link as a QR code."""

    # layout: the text grows from one line (not serving) to three once the host is up.
    code: reactive[str | None] = reactive(None, layout=True)
    link: reactive[str | None] = reactive(None, layout=True)
    lan: reactive[str | None] = reactive(None)
    metrics: reactive[tuple[str, str] | None] = reactive(None, layout=True)
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
        if self.link:
            text.append("   j", style="bold")
            text.append(" shows it as a QR code for phones")
        if self.metrics is not None:
            url, token = self.metrics
            text.append("\nMetrics ", style="bold")
            text.append(url)
            text.append("  elsewhere with ", style="dim")
            text.append(f"Authorization: Bearer {token}", style="dim")
        return text
