"""The change log: every version with who made it and what it did."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from tui.describe import authored
from tui.widgets.reflow_log import ReflowLog

CHANGE_LOG_LINES = 500


class ChangeLog(ReflowLog):
    """An append-only log; ``show`` adds entries, oldest first."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(max_lines=CHANGE_LOG_LINES, id=id)

    def show(self, entries: Iterable[tuple[int, str, str | None]]) -> None:
        """Append ``(version, who, description)`` entries."""
        for version, who, description in entries:
            author, rest = authored(who, description)
            line = Text()
            line.append(f"v{version} ", style="dim")
            line.append(author, style="bold")
            line.append(rest)
            self.add(line)
