"""The table's chat: messages, whispers and dice results as they arrive."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive

from tui.viewmodels import ChatLine
from tui.widgets.reflow_log import ReflowLog

CHAT_LOG_LINES = 1000


def chat_text(line: ChatLine) -> Text:
    text = Text()
    text.append(f"{line.time} ", style="dim")
    if line.recipient is not None:
        text.append(f"{line.sender} → {line.recipient} ", style="italic magenta")
    else:
        text.append(f"{line.sender} ", style="bold")
    text.append(line.text, style="bold cyan" if line.is_roll else "")
    return text


class ChatLog(ReflowLog):
    """Shows ``messages``; only the new ones are written when the list grows."""

    messages: reactive[tuple[ChatLine, ...]] = reactive((), init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(max_lines=CHAT_LOG_LINES, id=id)
        self._shown: tuple[str, ...] = ()

    def watch_messages(self, messages: tuple[ChatLine, ...]) -> None:
        ids = tuple(line.message_id for line in messages)
        shown = self._shown
        # The host keeps a bounded history: old messages drop off the front.
        overlap = next(
            (
                start
                for start in range(len(shown) + 1)
                if ids[: len(shown) - start] == shown[start:]
            ),
            len(shown),
        )
        kept = len(shown) - overlap
        if kept == 0 and shown:
            self.clear()
        for line in messages[kept:]:
            self.add(chat_text(line))
        self._shown = ids
