"""Talking to the table from the Chat tab: whispers, rolls, digits, wrapping, the log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, TabbedContent

from tests.tui.conftest import log_text, table_app, until, wait_ready
from tui.app import GmApp
from tui.widgets.change_log import ChangeLog
from tui.widgets.chat_log import ChatLog

SIZE = (120, 40)
LONG = " ".join(f"word{n}" for n in range(40))


def chat_messages(app: GmApp) -> list[dict[str, Any]]:
    return list(app.session.manager.state["currentSession"]["chatMessages"])


def chat_box(app: GmApp) -> Input:
    return app.screen.query_one("#chat-input", Input)


async def test_whisper_prefill_is_kept_when_the_gm_types(table_dir: Path) -> None:
    app = table_app(table_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("3", "w")  # Alice is the first player
        await pilot.pause()
        await pilot.press(*"the door is a mimic", "enter")
        await until(pilot, lambda: len(chat_messages(app)) == 4, "the whisper")
        sent = chat_messages(app)[-1]
        assert sent["text"] == "the door is a mimic"
        assert sent["to"] == "p_alice"


async def test_roll_prefill_is_kept_when_the_gm_types(table_dir: Path) -> None:
    app = table_app(table_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Roll dice")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: chat_box(app).has_focus, "the chat box")
        assert chat_box(app).value == "/r "
        await pilot.press(*"1d20+2 Ambush", "enter")
        await until(pilot, lambda: len(chat_messages(app)) == 4, "the roll")
        assert chat_messages(app)[-1]["roll"]["label"] == "Ambush"


async def test_digits_typed_after_clicking_the_chat_tab_go_into_the_box(table_dir: Path) -> None:
    app = table_app(table_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.click("#--content-tab-chat")
        await pilot.pause()
        await pilot.press(*"I roll 2 d6")
        assert app.screen.query_one("#tabs", TabbedContent).active == "chat"
        assert chat_box(app).value == "I roll 2 d6"
        await pilot.press("enter")
        await until(pilot, lambda: len(chat_messages(app)) == 4, "the message")
        assert chat_messages(app)[-1]["text"] == "I roll 2 d6"


async def test_digits_typed_after_pressing_4_go_into_the_box(table_dir: Path) -> None:
    app = table_app(table_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("4", *"I roll 2 d6 and 3 d8?")
        assert app.screen.query_one("#tabs", TabbedContent).active == "chat"
        assert chat_box(app).value == "I roll 2 d6 and 3 d8?"


def fits(log: ChatLog) -> bool:
    width = log.scrollable_content_region.width
    return max(strip.cell_length for strip in log.lines) <= width


async def test_chat_wraps_at_the_panel_width_after_a_resize_while_hidden(
    table_dir: Path,
) -> None:
    app = table_app(table_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await app.session.submit({"kind": "chat", "text": LONG})
        await pilot.press("4")
        await pilot.pause()
        log = app.screen.query_one("#chat-log", ChatLog)
        await until(pilot, lambda: len(log.lines) > 4, "the long message")
        await pilot.press("escape", "1")
        await pilot.resize_terminal(80, 30)
        await pilot.pause()
        await app.session.submit({"kind": "chat", "text": "and " + LONG})
        await pilot.pause(0.2)
        await pilot.press("4")
        await pilot.pause(0.2)
        width = log.scrollable_content_region.width
        assert width < 60
        assert fits(log), [strip.cell_length for strip in log.lines]
        text = " ".join(log_text(log))
        assert "word39" in text
        assert "and word0" in text
        # Wider again: lines use the room, they are not left at the narrow width.
        await pilot.press("escape", "1")
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        await pilot.press("4")
        await pilot.pause(0.2)
        width = log.scrollable_content_region.width
        assert max(strip.cell_length for strip in log.lines) > width - 10


async def test_change_log_names_each_author_once(table_dir: Path) -> None:
    app = table_app(table_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("4", *"hello table", "enter")
        log = app.screen.query_one(ChangeLog)
        await until(pilot, lambda: any("hello table" in t for t in log_text(log)), "the line")
        lines = log_text(log)
        text = "\n".join(lines)
        assert "Bob: Bob" not in text
        assert "Alice: Alice" not in text
        assert "GM: GM" not in text
        assert "v11 Bob proposed: Elara drinks a Potion" in text
        assert "v10 GM started the encounter" in text
        assert any(line.endswith("GM: hello table") for line in lines)
