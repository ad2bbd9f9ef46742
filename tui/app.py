"""The GM's desktop app: a Textual interface over one GmSession, in one event loop.

``run(...)`` is the program's entry point (``vtt-host run`` calls it). The app opens
the library, opens the last campaign (or creates the sample one with --demo, or asks),
starts the network host in the same loop, and on quit or SIGTERM closes the host and
then the library, which writes a final checkpoint and a "shutdown" backup.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import signal
import sys
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen

from tui.commands import TableCommands
from tui.config import AppConfig
from tui.keys import key_groups
from tui.messages import CampaignOpened, WorkDone, WorkFailed
from tui.screens.claim import ClaimScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.file_path import FileChoice, FilePathScreen
from tui.screens.help import HelpScreen
from tui.screens.join_qr import JoinQrScreen
from tui.screens.main import MainScreen
from tui.screens.new_campaign import NewCampaign, NewCampaignScreen
from tui.screens.pick import PickScreen
from tui.screens.settings import SettingsChange, SettingsScreen
from tui.screens.welcome import FirstStep, WelcomeScreen
from tui.session import GmSession, NoCampaign
from tui.widgets.join_line import JoinLine
from vtt_host.errors import VttError
from vtt_host.library import AmbiguousCampaign, UnknownCampaign
from vtt_host.server import Claim, ClaimEvent, ClaimOutcome
from vtt_host.serving import tune_interpreter

logger = logging.getLogger(__name__)

STATUS_REFRESH_S = 0.5

LOG_FILE = "gm-app.log"
SHUTDOWN_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
CAMPAIGN_FILE_SUFFIX = ".vttcampaign"


class GmApp(App[None]):
    """The game master's table. ``ready`` turns True once a campaign is on screen."""

    CSS_PATH = "app.tcss"
    TITLE = "vtt-host"
    COMMANDS = App.COMMANDS | {TableCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "help", "Help", priority=True),  # dialogs too: they stop other app keys
        Binding("question_mark", "help", "Help", show=False),
        Binding("f2", "open_campaign", "Open campaign", show=False),
        Binding("f3", "new_campaign", "New campaign", show=False),
        Binding("f4", "export_campaign", "Export campaign", show=False),
        Binding("f5", "import_campaign", "Import campaign", show=False),
        Binding("f6", "backup", "Back up now", show=False),
        Binding("f7", "restore", "Restore from backup", show=False),
        Binding("f8", "settings", "Settings", show=False),
        Binding("j", "join_qr", "Show the join QR code", show=False),
    ]

    def __init__(
        self,
        config: AppConfig | None = None,
        *,
        session: GmSession | None = None,
        open_link: Callable[[str], bool] = webbrowser.open,
    ):
        super().__init__()
        self.config = config or AppConfig()
        self.session = session or GmSession(self.config)
        self.open_link = open_link
        """Opens a link in the GM's browser (``webbrowser.open``; tests pass their own)."""
        self.ready = False
        self._main = MainScreen()
        self._quitting = False
        self._asking_to_quit = False
        self._status_shown_at = 0.0
        self._claim_shown: ClaimScreen | None = None

    def get_default_screen(self) -> Screen[None]:
        return self._main

    def on_mount(self) -> None:
        self.set_interval(self.config.refresh_interval_s, self.apply_pending)
        # A proposal is what the GM is waiting for: show it now, not on the next tick.
        self.session.on_proposal = self._show_proposal_now
        self.session.on_claim = self._on_claim
        if self.config.handle_signals:
            loop = asyncio.get_running_loop()
            for signum in SHUTDOWN_SIGNALS:
                loop.add_signal_handler(signum, self._on_signal)
        self.boot()

    def _show_proposal_now(self) -> None:
        self.call_later(self.apply_pending)

    # -- claims on known names ------------------------------------------------------

    def _on_claim(self, event: ClaimEvent) -> None:
        """A claim opened (ask the GM) or ended (take its prompt away)."""
        if event.outcome is None:
            self.call_later(self._show_next_claim)
            return
        shown = self._claim_shown
        if shown is not None and shown.claim.id == event.claim.id:
            if event.outcome in (ClaimOutcome.EXPIRED, ClaimOutcome.WITHDRAWN):
                self.notify(
                    f"{event.claim.name}'s request ended ({event.outcome.value}).",
                    title="Join request",
                )
            if self.screen is shown:
                shown.dismiss(None)

    def _show_next_claim(self) -> None:
        if self._claim_shown is not None or self._quitting:
            return
        waiting = self.session.pending_claims()
        if not waiting:
            return
        claim = waiting[0]
        screen = ClaimScreen(claim)
        self._claim_shown = screen
        self.push_screen(screen, lambda approve: self._answer_claim(claim, approve))

    def _answer_claim(self, claim: Claim, approve: bool | None) -> None:
        self._claim_shown = None
        if approve is not None:
            if self.session.decide_claim(claim.id, approve=approve):
                verdict = "let in" if approve else "refused"
                self.notify(f"{claim.name} ({claim.address}) {verdict}.", title="Join request")
            else:
                self.notify(f"{claim.name}'s request is no longer waiting.", severity="warning")
        self.call_later(self._show_next_claim)

    def _on_signal(self) -> None:
        # A signal is the system stopping the app: never wait for an answer.
        self.call_later(self.shut_down)

    def apply_pending(self) -> None:
        """Show everything published since the last call, in one batch (runs on a timer)."""
        if self._quitting or self.session.campaign is None or not self._main.is_attached:
            return
        batch = self.session.drain()
        try:
            if batch:
                self._main.apply(batch)
            now = time.monotonic()
            if now - self._status_shown_at >= STATUS_REFRESH_S:
                # The version moves with every token: redrawing the bar at the tick
                # rate cost whole-screen updates under load, for nothing a GM reads.
                self._status_shown_at = now
                self._main.show_status()
        except NoMatches:
            logger.debug("the screen is closing; %d changes not shown", len(batch))

    # -- starting --------------------------------------------------------------------

    @work(exclusive=True, group="boot")
    async def boot(self) -> None:
        """Open the library and a campaign, then start serving players."""
        try:
            library = await self.session.open_library()
        except Exception as error:
            logger.exception("could not open the campaign library")
            self.notify(f"Could not open the campaign library: {error}", severity="error")
            return
        self._log_to_file(library.data_dir / LOG_FILE)
        for report in library.recovery_reports:
            self.notify(str(report), title="Recovered from a backup", severity="warning")
        try:
            campaign_id = await self.session.startup_campaign()
        except (AmbiguousCampaign, UnknownCampaign) as error:
            campaign_id = await self._pick_named(error)
        except VttError as error:
            self.notify(str(error), severity="error")
            campaign_id = None
        if campaign_id is None:
            campaign_id = await self._first_campaign()
            if campaign_id is None:
                await self.shut_down()
                return
        try:
            await self._open(campaign_id)
        except VttError as error:
            self.notify(f"Could not open the campaign: {error}", severity="error", timeout=30)
        try:
            await self.session.start_host()
        except OSError as error:
            self.notify(
                f"Cannot listen on port {self.config.port} ({error.strerror}); players "
                "cannot join. Quit and start again with another --port.",
                title="Not serving",
                severity="error",
                timeout=30,
            )
        self._main.apply([])
        self._main.focus_panel()
        # The screen's widgets live as long as the app: keep the cyclic collector from
        # walking them on every pass (its pauses showed as stalls under load).
        gc.freeze()
        self.ready = True

    async def _pick_named(self, error: AmbiguousCampaign | UnknownCampaign) -> str | None:
        """--campaign fitted several campaigns, or none: let the GM pick from those there are.

        Dismissing the list opens what the app would open without --campaign.
        """
        if isinstance(error, AmbiguousCampaign):
            title = f"{error.asked!r} matches {len(error.matches)} campaigns. Open which?"
            offered = error.matches
        else:
            title = f"No campaign is called {error.asked!r}. Open which?"
            offered = sorted(error.campaigns, key=lambda info: info.name.casefold())
        if not offered:
            return None
        choices = [(info.id, f"{info.name} (v{info.version})") for info in offered]
        chosen = await self.push_screen_wait(PickScreen(title, choices))
        return chosen if chosen is not None else await self.session.default_campaign()

    async def _first_campaign(self) -> str | None:
        """Ask what to do in an empty library; None when the GM quits."""
        library = self.session.lib
        while True:
            step = await self.push_screen_wait(WelcomeScreen())
            if step is FirstStep.QUIT:
                return None
            try:
                if step is FirstStep.DEMO:
                    return await library.create("", demo=True)
                if step is FirstStep.CREATE:
                    new = await self.push_screen_wait(NewCampaignScreen())
                    if new is not None:
                        return await library.create(new.name, demo=new.demo)
            except VttError as error:
                self.notify(f"Could not create the campaign: {error}", severity="error")
                continue
            if step is FirstStep.IMPORT:
                choice = await self.push_screen_wait(
                    FilePathScreen("Import a campaign file", importing=True)
                )
                if choice is not None:
                    try:
                        return (await library.import_file(choice.path)).campaign_id
                    except (VttError, OSError) as error:
                        self.notify(f"Could not import: {error}", severity="error")
                    except Exception as error:
                        logger.exception("import of %s failed", choice.path)
                        self.notify(f"Could not import: {error}", severity="error")

    async def _open(self, campaign_id: str) -> None:
        live = await self.session.open(campaign_id)
        self.post_message(CampaignOpened(live.id, live.name))

    def on_campaign_opened(self, message: CampaignOpened) -> None:
        self.title = message.name
        self.sub_title = "GM"
        self._main.reset()

    def on_work_done(self, message: WorkDone) -> None:
        self.notify(message.text)

    def on_work_failed(self, message: WorkFailed) -> None:
        self.notify(message.text, severity="error", timeout=15)

    # -- campaigns -------------------------------------------------------------------

    def action_new_campaign(self) -> None:
        def create(new: NewCampaign | None) -> None:
            if new is not None:
                self._create(new)

        self.push_screen(NewCampaignScreen(), create)

    @work(exclusive=True, group="campaigns")
    async def _create(self, new: NewCampaign) -> None:
        try:
            campaign_id = await self.session.lib.create(new.name, demo=new.demo)
            await self._open(campaign_id)
        except (VttError, NoCampaign) as error:
            self.post_message(WorkFailed(f"Could not create the campaign: {error}"))

    @work(exclusive=True, group="campaigns")
    async def action_open_campaign(self) -> None:
        try:
            campaigns = await self.session.lib.campaigns()
        except (VttError, NoCampaign) as error:
            self.post_message(WorkFailed(str(error)))
            return
        current = self.session.campaign.id if self.session.campaign else None
        choices = [
            (info.id, f"{info.name} (v{info.version}){'  ← open' if info.id == current else ''}")
            for info in sorted(campaigns, key=lambda info: info.name.casefold())
        ]
        chosen = await self.push_screen_wait(PickScreen("Open which campaign?", choices))
        if chosen is not None and chosen != current:
            try:
                await self._open(chosen)
            except VttError as error:
                self.post_message(WorkFailed(f"Could not open the campaign: {error}"))
                return
            self.post_message(WorkDone("Campaign opened; its players can join with its code."))

    def action_export_campaign(self) -> None:
        if self.session.campaign is None:
            self.notify("Open a campaign first.", severity="warning")
            return
        name = re.sub(r"[^A-Za-z0-9]+", "-", self.session.campaign.name).strip("-").lower()
        default = str(Path.home() / f"{name or 'campaign'}{CAMPAIGN_FILE_SUFFIX}")

        def export(choice: FileChoice | None) -> None:
            if choice is not None:
                self._export(choice.path)

        self.push_screen(FilePathScreen("Export the campaign to", default=default), export)

    @work(exclusive=True, group="files")
    async def _export(self, path: Path) -> None:
        try:
            written = await self.session.export(path)
        except (VttError, OSError, NoCampaign) as error:
            self.post_message(WorkFailed(f"Could not export: {error}"))
            return
        self.post_message(WorkDone(f"Exported to {written}"))

    def action_import_campaign(self) -> None:
        def import_(choice: FileChoice | None) -> None:
            if choice is not None:
                self._import(choice)

        self.push_screen(FilePathScreen("Import a campaign file", importing=True), import_)

    @work(exclusive=True, group="files")
    async def _import(self, choice: FileChoice) -> None:
        try:
            imported = await self.session.import_file(choice.path, replace=choice.replace)
        except (VttError, OSError, NoCampaign) as error:
            self.post_message(WorkFailed(f"Could not import: {error}"))
            return
        except Exception as error:
            logger.exception("import of %s failed", choice.path)
            self.post_message(WorkFailed(f"Could not import: {error}"))
            return
        if self.session.campaign is not None and imported.campaign_id == self.session.campaign.id:
            self.post_message(CampaignOpened(imported.campaign_id, imported.name))
        how = "replaced" if imported.replaced else "imported"
        self.post_message(WorkDone(f"{imported.name} {how} (v{imported.version})"))

    @work(exclusive=True, group="files")
    async def action_backup(self) -> None:
        try:
            path = await self.session.backup_now()
        except (VttError, OSError, NoCampaign) as error:
            self.post_message(WorkFailed(f"Could not back up: {error}"))
            return
        self.post_message(WorkDone(f"Backed up to {path}"))

    @work(exclusive=True, group="files")
    async def action_restore(self) -> None:
        live = self.session.campaign
        if live is None:
            self.post_message(WorkFailed("Open a campaign first."))
            return
        try:
            backups = sorted(self.session.lib.list_backups(live.id), key=lambda b: b.time)
        except (VttError, OSError) as error:
            self.post_message(WorkFailed(f"Could not list the backups: {error}"))
            return
        choices = [
            (
                str(index),
                f"{backup.time:%Y-%m-%d %H:%M:%S} UTC · v{backup.version} · "
                f"{backup.reason or 'unknown'}",
            )
            for index, backup in enumerate(reversed(backups))
        ]
        chosen = await self.push_screen_wait(PickScreen(f"Restore {live.name} from", choices))
        if chosen is None:
            return
        backup = list(reversed(backups))[int(chosen)]
        question = (
            f"Replace {live.name} with its v{backup.version} backup of "
            f"{backup.time:%H:%M:%S}? The current state is backed up first."
        )
        if not await self.push_screen_wait(ConfirmScreen(question, yes="Restore")):
            return
        try:
            restored = await self.session.restore(live.id, backup)
        except (VttError, OSError, NoCampaign) as error:
            self.post_message(WorkFailed(f"Could not restore: {error}"))
            return
        self.post_message(CampaignOpened(restored.campaign_id, restored.name))
        self.post_message(WorkDone(f"Restored {restored.name} (now v{restored.version})"))

    # -- help ------------------------------------------------------------------------

    def action_help(self) -> None:
        """Show every key of the app and of the screen in use (or close that help)."""
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(key_groups(self, self.screen)))

    def action_join_qr(self) -> None:
        """Show the join link as a QR code for phones (or close it); it follows the
        join line, so a new code or link is redrawn while it is shown."""
        if isinstance(self.screen, JoinQrScreen):
            self.screen.dismiss(None)
            return
        if self.session.join_link() is None or not self._main.is_attached:
            self.notify("Players are not being served: there is no join link.", severity="warning")
            return
        self._main.show_status()  # the join line up to date before the code is drawn
        self.push_screen(JoinQrScreen(self._main.query_one(JoinLine)))

    # -- stopping --------------------------------------------------------------------

    @work(exclusive=True, group="settings")
    async def action_settings(self) -> None:
        """Approvals and NPC hit points for the campaign; public URL and backups here."""
        if self.session.campaign is None:
            self.notify("Open a campaign first.", severity="warning")
            return
        gm_settings = self.session.manager.state["currentSession"]["gmSettings"]
        screen = SettingsScreen(
            gm_settings, self.session.preferences, public_url_flag=self.config.public_url
        )
        change = await self.push_screen_wait(screen)
        if change is not None:
            await self._apply_settings(change)

    async def _apply_settings(self, change: SettingsChange) -> None:
        if change.preferences is not None:
            self.session.save_preferences(change.preferences)
        if change.campaign:
            try:
                await self.session.submit({"kind": "update_settings", **change.campaign})
            except (VttError, NoCampaign) as error:
                self.notify(f"Campaign settings not saved: {error}", severity="error")
                return
        self.notify("Settings saved")

    async def action_quit(self) -> None:
        """Quit; while players are connected, ask first (quitting drops them)."""
        if self._quitting or self._asking_to_quit:
            return
        connected = self.session.players_connected()
        if not connected:
            await self.shut_down()
            return

        def answer(sure: bool | None) -> None:
            self._asking_to_quit = False
            if sure:
                self.call_later(self.shut_down)

        self._asking_to_quit = True
        are = "players are" if connected != 1 else "player is"
        question = f"{connected} {are} connected; quit anyway?"
        self.push_screen(ConfirmScreen(question, yes="Quit"), answer)

    async def shut_down(self) -> None:
        """Stop serving, checkpoint and back up, then exit."""
        if self._quitting:
            return
        self._quitting = True
        self.notify("Saving and backing up…", timeout=30)
        try:
            await self.session.close()
        except Exception:
            logger.exception("the campaign could not be closed cleanly")
        self.exit()

    async def on_unmount(self) -> None:
        await self.session.close()

    def _log_to_file(self, path: Path) -> None:
        """Log warnings to a file: anything written to the terminal would garble the UI."""
        root = logging.getLogger()
        if any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
            return
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setLevel(logging.WARNING)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)


def run(
    data_dir: Path | None = None,
    host: str = "0.0.0.0",
    port: int = 8765,
    public_url: str | None = None,
    campaign: str | None = None,
    demo: bool = False,
    *,
    announce: bool = True,
    metrics_token: str | None = None,
) -> int:
    """Run the GM app until the GM quits (or SIGTERM); returns the exit status."""
    tune_interpreter()
    config = AppConfig(
        data_dir=data_dir,
        campaign=campaign,
        demo=demo,
        host=host,
        port=port,
        public_url=public_url,
        announce=announce,
        metrics_token=metrics_token,
        handle_signals=True,
    )
    return asyncio.run(_run(config))


async def _run(config: AppConfig) -> int:
    app = GmApp(config)
    muted = _mute_terminal_logging()
    try:
        await app.run_async()
    finally:
        await app.session.close()
        logging.getLogger().handlers.extend(muted)
    return app.return_code or 0


def _mute_terminal_logging() -> list[logging.Handler]:
    """Take stream handlers off the root logger while the UI owns the terminal."""
    root = logging.getLogger()
    muted: list[logging.Handler] = [
        handler
        for handler in root.handlers
        if isinstance(handler, logging.StreamHandler)
        and getattr(handler, "stream", None) in (sys.stderr, sys.stdout)
    ]
    for handler in muted:
        root.removeHandler(handler)
    return muted
