"""Starting the GM app on a campaign named on the command line."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Label, OptionList

from tests.tui.conftest import table_app, until, wait_ready
from tui.screens.pick import PickScreen
from tui.screens.welcome import WelcomeScreen
from vtt_host.library import Library

SIZE = (120, 40)


async def make_campaigns(data_dir: Path, *names: str) -> dict[str, str]:
    library = await Library.open(data_dir)
    try:
        return {name: await library.create(name) for name in names}
    finally:
        await library.close()


def screen_text(app: object) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    labels = " ".join(str(label.render()) for label in screen.query(Label))
    options = screen.query(OptionList)
    listed = " ".join(str(option.prompt) for found in options for option in found.options)
    return f"{labels} {listed}"


async def test_an_ambiguous_name_lists_the_matches_to_pick_from(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ids = await make_campaigns(data_dir, "Goblin Caves", "Goblin Lair", "Night of Knives")
    app = table_app(data_dir, campaign="Goblin")
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot,
            # The question's widgets are mounted a moment after the screen is pushed.
            lambda: (
                isinstance(app.screen, (PickScreen, WelcomeScreen))
                and bool(screen_text(app).strip())
            ),
            "a question",
        )
        assert isinstance(app.screen, PickScreen)
        text = screen_text(app)
        assert "No campaigns here yet" not in text
        assert "'Goblin' matches 2 campaigns" in text
        assert "Goblin Caves" in text
        assert "Goblin Lair" in text
        assert "Night of Knives" not in text

        await pilot.press("down", "enter")
        await wait_ready(pilot)
        assert app.session.live.id == ids["Goblin Lair"]


async def test_a_name_that_matches_one_campaign_opens_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ids = await make_campaigns(data_dir, "Goblin Caves", "Night of Knives")
    app = table_app(data_dir, campaign="goblin")
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        assert app.session.live.id == ids["Goblin Caves"]


async def test_an_unknown_name_offers_the_campaigns_there_are(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    await make_campaigns(data_dir, "Goblin Caves", "Night of Knives")
    app = table_app(data_dir, campaign="Dragon")
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot,
            # The question's widgets are mounted a moment after the screen is pushed.
            lambda: (
                isinstance(app.screen, (PickScreen, WelcomeScreen))
                and bool(screen_text(app).strip())
            ),
            "a question",
        )
        assert isinstance(app.screen, PickScreen)
        text = screen_text(app)
        assert "No campaign is called 'Dragon'" in text
        assert "Goblin Caves" in text
        assert "Night of Knives" in text
