"""The change log: every version with who made it and what it did."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import RichLog

CHANGE_LOG_LINES = 500


class ChangeLog(RichLog):
    """An append-only log; ``show`` adds entries, oldest first."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(max_lines=CHANGE_LOG_LINES, min_width=20, wrap=True, markup=False, id=id)

    def show(self, entries: Iterable[tuple[int, str, str | None]]) -> None:
        """Append ``(version, who, description)`` entries."""
        for version, who, description in entries:
            line = Text()
            line.append(f"v{version} ", style="dim")
            line.append(f"{who}: ", style="bold")
            line.append(description or "(no description)")
            self.write(line)
