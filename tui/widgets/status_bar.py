"""The line under the panels: version, saves, backups, the LAN address, who is here."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.describe import clock_time


@dataclass(frozen=True, slots=True)
class StatusInfo:
    version: int
    durable_version: int
    last_durable_at: float | None
    last_backup_at: float | None
    last_backup_version: int | None
    lan: str | None
    announced: bool
    players_connected: int
    players_known: int


class StatusBar(Widget):
    """Persistence and network status; turns amber while a change is not yet durable."""

    info: reactive[StatusInfo | None] = reactive(None)

    def watch_info(self, info: StatusInfo | None) -> None:
        self.set_class(info is not None and info.durable_version < info.version, "-unsaved")
        self.set_class(info is None, "-idle")

    def render(self) -> Text:
        info = self.info
        if info is None:
            return Text("No campaign open", style="italic")
        backup = (
            f"backup v{info.last_backup_version} {clock_time(info.last_backup_at)}"
            if info.last_backup_version is not None
            else "no backup yet"
        )
        parts = [
            f"v{info.version}",
            f"saved v{info.durable_version} {clock_time(info.last_durable_at)}",
            backup,
            _network(info),
            f"players {info.players_connected}/{info.players_known}",
        ]
        return Text(" │ ".join(parts), no_wrap=True, overflow="ellipsis")


def _network(info: StatusInfo) -> str:
    if info.lan is None:
        return "not serving"
    return f"LAN {info.lan}" + (" · announced" if info.announced else "")
