"""Key ``j``: the join link as a QR code in the terminal, that a phone's camera reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.color import Color
from textual.command import CommandList, CommandPalette
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Label

from tests.qr_images import Cell, cells_image, decoded
from tests.tui.conftest import serving_config, table_app, until, wait_ready
from tests.tui.test_snapshots import showing
from tui.app import GmApp
from tui.screens.join_qr import JoinQrScreen, QrCode
from tui.screens.main import MainScreen
from tui.widgets.join_info import JoinInfo
from tui.widgets.join_line import JoinLine

SIZE = (120, 40)
SMALL = (80, 24)
BLACK, WHITE = (0, 0, 0), (255, 255, 255)
DOCS_PICTURE = Path(__file__).resolve().parents[2] / "docs" / "images" / "join-qr.svg"


def colour(value: Color | None, default: tuple[int, int, int]) -> tuple[int, int, int]:
    return tuple(value.get_truecolor()) if value is not None else default  # type: ignore[return-value]


def terminal_cells(widget: QrCode) -> list[list[Cell]]:
    """The widget's cells as the terminal gets them; the terminal's own colours (for
    cells without one) are a dark theme's, light text on black."""
    width, height = widget.size
    rows: list[list[Cell]] = []
    for strip in widget.render_lines(Region(0, 0, width, height)):
        cells: list[Cell] = []
        for segment in strip:
            style = segment.style
            fg = colour(style.color if style else None, WHITE)
            bg = colour(style.bgcolor if style else None, BLACK)
            if style is not None and style.reverse:
                fg, bg = bg, fg
            cells.extend((char, fg, bg) for char in segment.text)
        rows.append(cells)
    return rows


def camera_reads(app: GmApp) -> list[str]:
    return decoded(cells_image(terminal_cells(app.screen.query_one(QrCode))))


def shown_text(app: GmApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Label).render())


async def test_j_shows_the_join_link_as_a_code_a_camera_reads(tmp_path: Path) -> None:
    app = GmApp(serving_config(tmp_path / "data", demo=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        link = app.session.join_link()
        code = app.session.join_code()
        assert link is not None
        assert code is not None
        await pilot.press("j")
        await until(pilot, lambda: isinstance(app.screen, JoinQrScreen), "the QR screen")
        await pilot.pause()
        assert camera_reads(app) == [link]
        assert shown_text(app, "#join-qr-link") == link
        assert shown_text(app, "#join-qr-code") == f"Join code {code}"

        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the table again")


async def test_the_code_follows_a_rotated_join_code(tmp_path: Path) -> None:
    app = GmApp(serving_config(tmp_path / "data", demo=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("j")
        await until(pilot, lambda: isinstance(app.screen, JoinQrScreen), "the QR screen")
        new_code = await app.session.rotate_join_code()
        new_link = app.session.join_link()
        assert new_link is not None
        assert new_code in new_link
        await until(
            pilot, lambda: shown_text(app, "#join-qr-code") == f"Join code {new_code}", "new code"
        )
        await pilot.pause()
        assert camera_reads(app) == [new_link]
        assert shown_text(app, "#join-qr-link") == new_link


async def test_the_palette_shows_it_and_j_in_the_chat_box_is_typed(tmp_path: Path) -> None:
    app = GmApp(serving_config(tmp_path / "data", demo=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("4", "j")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_one("#chat-input").value == "j"  # type: ignore[attr-defined]

        await pilot.press("escape", "ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"join QR code")
        results = app.screen.query_one(CommandList)
        await until(pilot, lambda: results.option_count > 0, "hits")
        first = str(results.get_option_at_index(0).prompt)
        assert "Show the join QR code" in first
        assert "key j" in first
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, JoinQrScreen), "the QR screen")


async def test_without_a_host_j_says_there_is_nothing_to_join(table_dir: Path) -> None:
    app = table_app(table_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("j")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert any("no join link" in str(note.message) for note in app._notifications)


async def test_the_join_line_and_details_name_the_key(tmp_path: Path) -> None:
    app = GmApp(serving_config(tmp_path / "data", demo=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("3")
        await pilot.pause()
        assert "j QR code" in str(app.screen.query_one(JoinLine).render())
        assert "j shows it as a QR code" in str(app.screen.query_one(JoinInfo).render())


def test_qr_screen_snapshot(table_dir: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await showing()(pilot)
        # As if serving: the screen reads the join details from the session on each tick.
        session = pilot.app.session  # type: ignore[attr-defined]
        session.join_code = lambda: "K7QM-4XPD-TR"
        session.join_link = lambda: "http://192.168.1.20:8765/?code=K7QM-4XPD-TR"
        await pilot.press("j")
        await pilot.pause()

    assert snap_compare(table_app(table_dir), terminal_size=SMALL, run_before=run_before)


async def test_the_qr_screen_picture_for_the_docs(table_dir: Path) -> None:
    """docs/images/join-qr.svg, with a LAN link as a GM's table would show."""
    link = "http://192.168.1.20:8765/?code=K7QM-4XPD-TR"
    app = table_app(table_dir)
    async with app.run_test(size=(84, 25)) as pilot:
        await wait_ready(pilot)
        app.session.join_code = lambda: "K7QM-4XPD-TR"  # type: ignore[method-assign]
        app.session.join_link = lambda: link  # type: ignore[method-assign]
        await pilot.press("j")
        await until(pilot, lambda: isinstance(app.screen, JoinQrScreen), "the QR screen")
        await pilot.pause()
        assert camera_reads(app) == [link]
        DOCS_PICTURE.parent.mkdir(parents=True, exist_ok=True)
        app.save_screenshot(DOCS_PICTURE.name, str(DOCS_PICTURE.parent))
    assert link in DOCS_PICTURE.read_text()
