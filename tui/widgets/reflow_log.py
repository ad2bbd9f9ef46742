"""A RichLog that wraps its lines again whenever its width changes.

RichLog wraps a line once, at the width it has when the line is written (or at the
console's width, whichever is smaller). A log in a
hidden tab has a stale width (or none), and a terminal resize leaves old lines at the
old width: the lines were cut off or wrapped at a few columns. This log keeps what it
was given and rewraps it at the width it has on screen.
"""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual import events
from textual.widgets import RichLog


class ReflowLog(RichLog):
    """``add`` lines and ``clear``; the lines are wrapped at the width on screen."""

    def __init__(self, *, max_lines: int, id: str | None = None) -> None:
        super().__init__(max_lines=max_lines, min_width=1, wrap=True, markup=False, id=id)
        self._entries: deque[Text] = deque(maxlen=max_lines)
        self._wrapped_at = 0
        """The width the lines on screen were wrapped at; 0 when they must be rewrapped."""

    def add(self, line: Text) -> None:
        """Append one line: written now if the width is known, else at the next layout."""
        self._entries.append(line)
        width = self._width_on_screen()
        if width and width == self._wrapped_at:
            self.write(line, width=width)
        else:
            self._wrapped_at = 0
            self.call_after_refresh(self._rewrap)

    def clear(self) -> ReflowLog:
        self._entries.clear()
        self._wrapped_at = 0
        super().clear()
        return self

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._rewrap)

    def on_show(self, event: events.Show) -> None:
        self.call_after_refresh(self._rewrap)

    def _width_on_screen(self) -> int:
        """The width to wrap at, or 0 while the log is not laid out on screen."""
        if not self._size_known or not self.is_on_screen:
            return 0
        return self.scrollable_content_region.width

    def _rewrap(self) -> None:
        width = self._width_on_screen()
        if not width or width == self._wrapped_at:
            return
        super().clear()
        for line in self._entries:
            self.write(line, width=width)
        self._wrapped_at = width
