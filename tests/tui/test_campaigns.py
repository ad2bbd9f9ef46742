"""Campaign management from the app: back up, export, import, restore, create, open."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from tests.tui.conftest import actor_id, join, serving_config, until, wait_ready
from tui.app import GmApp
from tui.screens.confirm import ConfirmScreen
from tui.screens.file_path import FilePathScreen
from tui.screens.new_campaign import NewCampaignScreen
from tui.screens.pick import PickScreen
from tui.screens.welcome import WelcomeScreen
from vtt_host.client import Client

SIZE = (120, 40)


async def test_backup_export_and_import_run_in_workers(tmp_path: Path) -> None:
    app = GmApp(serving_config(tmp_path / "data", demo=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        library = app.session.lib
        campaign = app.session.live.id

        await pilot.press("f6")
        await until(
            pilot,
            lambda: any(b.reason == "manual" for b in library.list_backups(campaign)),
            "the backup",
        )

        target = tmp_path / "out.vttcampaign"
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, FilePathScreen), "the export dialog")
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        await until(pilot, target.exists, "the exported file")

        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, FilePathScreen), "the import dialog")
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("enter")

        async def count() -> int:
            return len(await library.campaigns())

        deadline_checks = 0
        while await count() < 2:
            deadline_checks += 1
            assert deadline_checks < 500, "the import never arrived"
            await pilot.pause(0.02)
        assert app.session.live.id == campaign


async def test_restore_brings_back_a_backup_and_players_resync(
    tmp_path: Path, clients: list[Client]
) -> None:
    app = GmApp(serving_config(tmp_path / "data", demo=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        alice = await join(app, clients, "Alice")
        manager = app.session.manager
        thorin = actor_id(manager.state, "Thorin")
        await app.session.backup_now()
        hp = {"current": 1, "max": 12, "temp": 0}
        await app.session.submit({"kind": "update_actor", "id": thorin, "set": {"hp": hp}})
        await alice.wait_for(lambda: alice.view["actors"][thorin]["hp"]["current"] == 1)

        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, PickScreen), "the backup list")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")

        await until(
            pilot,
            lambda: (
                app.session.campaign is not None
                and app.session.manager.state["actors"][thorin]["hp"]["current"] == 12
            ),
            "the restored campaign",
        )
        # The host restarted on the same port: Alice resumes and resyncs by herself.
        await alice.wait_for(
            lambda: alice.view["actors"][thorin]["hp"]["current"] == 12, timeout_s=15
        )


async def test_empty_library_creates_a_campaign_then_opens_another(tmp_path: Path) -> None:
    app = GmApp(serving_config(tmp_path / "data"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WelcomeScreen), "the welcome")
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NewCampaignScreen), "the name dialog")
        await pilot.press(*"Night of Knives", "enter")
        await wait_ready(pilot)
        assert app.session.live.name == "Night of Knives"
        first = app.session.live.id

        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, NewCampaignScreen), "the name dialog")
        await pilot.press("tab", "space", "tab", "enter")  # the sample, keeping its own name
        await until(pilot, lambda: app.session.live.id != first, "the sample campaign")
        assert app.session.live.name == "The Goblin Crossroads"

        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, PickScreen), "the campaign list")
        await pilot.press("enter")  # sorted by name: Night of Knives first
        await until(pilot, lambda: app.session.live.id == first, "the first campaign again")
        assert app.title == "Night of Knives"


def flip_middle_byte(path: Path) -> None:
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    path.write_bytes(bytes(damaged))


async def test_restoring_a_damaged_backup_says_why_and_the_app_plays_on(tmp_path: Path) -> None:
    app = GmApp(serving_config(tmp_path / "data", demo=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        flip_middle_byte(Path(await app.session.backup_now()))  # inside the document
        version = app.session.manager.version

        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, PickScreen), "the backup list")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")
        await until(
            pilot,
            lambda: any("Could not restore" in n.message for n in app._notifications),
            "the refusal",
        )
        assert app.is_running
        assert app.session.serving  # players can still join
        assert app.session.manager.version == version
        await app.session.submit({"kind": "chat", "text": "still at the table"})
        assert app.session.manager.version == version + 1
