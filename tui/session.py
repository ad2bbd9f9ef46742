"""The GM's table: the library, the open campaign and the network host, in one event loop.

The app holds one ``GmSession`` and never touches storage: everything goes through the
public surface of vtt_host. The GM's subscription only appends to ``inbox``; the app
drains it on a timer, so a flood of player actions never runs widget code per change.

Shutdown order matters: the host closes first (players' leaves are journaled), then
the library (final checkpoint and a "shutdown" backup of every open campaign).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import socket
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from tui.config import AppConfig
from tui.preferences import Preferences
from vtt_host.actions import GM_CALLER
from vtt_host.demo import DEMO_NAME
from vtt_host.discovery import Announcer
from vtt_host.library import (
    AmbiguousCampaign,
    BackupInfo,
    Imported,
    Library,
    UnknownCampaign,
)
from vtt_host.live import CampaignStatus, LiveCampaign
from vtt_host.manager import Outcome, Published, StateManager
from vtt_host.patching import Op
from vtt_host.server import Claim, ClaimEvent, Host, HostError
from vtt_host.views import GM

logger = logging.getLogger(__name__)

PENDING_APPEND_PATH = "/currentSession/pendingActions/-"

SETTINGS_FILE = "gm-app.json"
"""Remembers the campaign the GM had open, next to the campaigns themselves."""
ROUTE_PROBE_ADDRESS = ("192.0.2.1", 9)
"""A documentation-only address: connecting a UDP socket to it sends nothing."""

T = TypeVar("T")


class NoCampaign(Exception):
    """An operation needs an open campaign and there is none yet."""


def lan_address() -> str:
    """This machine's address on the local network (127.0.0.1 when there is none)."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(ROUTE_PROBE_ADDRESS)
        return str(probe.getsockname()[0])
    return "127.0.0.1"


class GmSession:
    """Owns what the GM app runs: start with ``open_library``, end with ``close``."""

    def __init__(self, config: AppConfig) -> None:
        self.config = config
        self.library: Library | None = None
        self.campaign: LiveCampaign | None = None
        self.host: Host | None = None
        self.inbox: deque[Published] = deque()
        self.on_proposal: Callable[[], None] | None = None
        """Called when a change brings a new proposal: the GM should see it at once."""
        self.on_claim: Callable[[ClaimEvent], None] | None = None
        """Called when someone claims a known player's name, and when that claim ends."""
        self._claim_campaigns: dict[str, str] = {}
        """Waiting claim id -> the campaign it is for."""
        self._unwatch_claims: dict[str, Callable[[], None]] = {}
        self._served: dict[str, LiveCampaign] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._bound_port: int | None = None
        self._lan_address = config.lan_address
        self._announcer: Announcer | None = None
        self._closed = False

    # -- reading ---------------------------------------------------------------------

    @property
    def lib(self) -> Library:
        if self.library is None:
            raise NoCampaign("the campaign library is not open yet")
        return self.library

    @property
    def live(self) -> LiveCampaign:
        if self.campaign is None:
            raise NoCampaign("open or create a campaign first")
        return self.campaign

    @property
    def manager(self) -> StateManager:
        return self.live.manager

    def status(self) -> CampaignStatus | None:
        return None if self.campaign is None else self.campaign.status()

    def _receive(self, published: Published) -> None:
        """The manager's listener: queue the change; flag new proposals as urgent."""
        self.inbox.append(published)
        if self.on_proposal is not None and any(
            op["path"] == PENDING_APPEND_PATH for op in published.ops
        ):
            self.on_proposal()

    def drain(self) -> list[Published]:
        """Everything published since the last call, oldest first."""
        batch = list(self.inbox)
        self.inbox.clear()
        return batch

    # -- starting --------------------------------------------------------------------

    async def open_library(self) -> Library:
        if self.library is None:
            self.library = await Library.open(
                self.config.data_dir, purpose="the GM app (vtt-host run)"
            )
            self.library.set_backup_policy(self.preferences.backup_policy())
        return self.library

    # -- the app's preferences -------------------------------------------------------

    @property
    def preferences(self) -> Preferences:
        """What the GM saved in the settings screen for this data folder."""
        return Preferences.from_settings(self._settings())

    def save_preferences(self, preferences: Preferences) -> None:
        """Remember the preferences and put them in effect now."""
        self._save_settings(**preferences.to_settings())
        if self.library is not None:
            self.library.set_backup_policy(preferences.backup_policy())

    @property
    def public_url(self) -> str | None:
        """The address players outside the LAN open: ``--public-url`` wins over the saved one."""
        return self.config.public_url or self.preferences.public_url

    async def startup_campaign(self) -> str | None:
        """The campaign to open first: --campaign, the sample with --demo, else the last one.

        The sample campaign is reused when it exists (as ``vtt-host serve --demo`` does);
        None means the library is empty and the GM chooses what to do.

        Raises UnknownCampaign when --campaign fits no campaign, AmbiguousCampaign when it
        fits several (a part of a name is enough when it fits one).
        """
        if self.config.campaign:
            return await self.named_campaign(self.config.campaign)
        return await self.default_campaign()

    async def named_campaign(self, asked: str) -> str:
        """The id of the one campaign ``asked`` (an id, a name or a part of one) means."""
        matches = await self.lib.matching(asked)
        if len(matches) > 1:
            raise AmbiguousCampaign(asked, matches)
        if not matches:
            raise UnknownCampaign(asked, await self.lib.campaigns())
        return matches[0].id

    async def default_campaign(self) -> str | None:
        """The sample with --demo, else the last campaign open; None in an empty library."""
        library = self.lib
        campaigns = await library.campaigns()
        if self.config.demo:
            demo = next((info for info in campaigns if info.name == DEMO_NAME), None)
            return demo.id if demo is not None else await library.create(DEMO_NAME, demo=True)
        last = self._settings().get("lastCampaign")
        if any(info.id == last for info in campaigns):
            return str(last)
        if campaigns:
            return max(campaigns, key=lambda info: info.updated_at_ms).id
        return None

    async def open(self, campaign_id: str) -> LiveCampaign:
        """Make ``campaign_id`` the campaign on screen (and serve it to players)."""
        live = await self.lib.open_campaign(campaign_id)
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.inbox.clear()
        _, _, self._unsubscribe = await live.manager.attach(GM, self._receive)
        self.campaign = live
        self._served[live.id] = live
        if self.host is not None:
            await self.host.add_campaign(live)
            self._watch_claims()
            await self._announce()
        self._save_settings(lastCampaign=live.id)
        return live

    async def start_host(self) -> None:
        """Serve the open campaigns on the configured port (no-op when not serving)."""
        if not self.config.serve or self.host is not None:
            return
        port = self._bound_port if self._bound_port is not None else self.config.port
        host = Host(
            host=self.config.host,
            port=port,
            assets=self.lib.assets,
            previews=self.lib.previews,
            metrics_token=self.config.metrics_token,
        )
        for live in self._served.values():
            await host.add_campaign(live)
        await host.start()
        self.host = host
        self._bound_port = host.port
        self._watch_claims()
        await self._announce()

    async def _announce(self) -> None:
        """Announce the campaign on screen on the LAN (zeroconf), replacing any earlier one."""
        if not self.config.announce or self.host is None or self.campaign is None:
            return
        if self._announcer is not None:
            await self._announcer.close()
        self._announcer = Announcer()
        await self._announcer.start(
            port=self.host.port, campaign_name=self.campaign.name, campaign_id=self.campaign.id
        )

    async def _stop_host(self) -> None:
        for unwatch in self._unwatch_claims.values():
            unwatch()
        self._unwatch_claims.clear()
        self._claim_campaigns.clear()
        host, self.host = self.host, None
        announcer, self._announcer = self._announcer, None
        try:
            if host is not None:
                await host.close()
        finally:
            if announcer is not None:
                await announcer.close()

    # -- the network -----------------------------------------------------------------

    @property
    def serving(self) -> bool:
        return self.host is not None and self.campaign is not None

    @property
    def announced(self) -> bool:
        """Whether the LAN announcement (zeroconf) is up."""
        return self._announcer is not None and self._announcer.status.startswith("announced")

    @property
    def announcement(self) -> str:
        return self._announcer.status if self._announcer is not None else "not announced"

    def players_connected(self) -> int:
        """Players connected now to any campaign served: quitting would drop them."""
        if self.host is None:
            return 0
        return sum(
            len(
                {
                    entry["playerId"]
                    for entry in live.manager.state["currentSession"]["connectedPlayers"]
                }
            )
            for live in self._served.values()
        )

    def join_code(self) -> str | None:
        if self.host is None or self.campaign is None:
            return None
        return self.host.join_code(self.campaign.id)

    def metrics_access(self) -> tuple[str, str] | None:
        """(URL on this machine, bearer token for other machines) of ``/metrics``."""
        if self.host is None:
            return None
        return self.host.metrics_url, self.host.metrics_token

    def lan_endpoint(self) -> str | None:
        """``address:port`` players on the LAN connect to."""
        if self.host is None:
            return None
        if self._lan_address is None:
            bound = self.config.host
            self._lan_address = lan_address() if bound in ("0.0.0.0", "", "::") else bound
        return f"{self._lan_address}:{self.host.port}"

    def gm_link(self) -> str:
        """A one-time link that opens the table in the GM's browser on this machine.

        Raises NoCampaign when players are not being served (there is no host to open).
        """
        if self.host is None or self.campaign is None:
            raise NoCampaign("players are not being served: there is no page to open")
        try:
            return self.host.gm_link(self.campaign.id)
        except HostError as error:
            raise NoCampaign(str(error)) from None

    def join_link(self) -> str | None:
        """The link to hand players: the public URL when there is one, else the LAN one."""
        code = self.join_code()
        endpoint = self.lan_endpoint()
        if code is None or endpoint is None:
            return None
        public = self.public_url
        base = public.rstrip("/") if public else f"http://{endpoint}"
        return f"{base}/?code={quote(code)}"

    async def rotate_join_code(self) -> str:
        if self.host is None:
            raise NoCampaign("players are not being served")
        return await self.host.rotate_join_code(self.live.id)

    async def kick(self, player_id: str) -> int:
        if self.host is None:
            raise NoCampaign("players are not being served")
        return await self.host.kick(player_id, self.live.id)

    # -- claims on known names -------------------------------------------------------

    def _watch_claims(self) -> None:
        """Hear of claims on every campaign served (each hub is watched once)."""
        if self.host is None:
            return
        for hub in self.host.campaigns:
            if hub.id not in self._unwatch_claims:
                self._unwatch_claims[hub.id] = hub.claims.watch(
                    functools.partial(self._on_claim_event, hub.id)
                )

    def _on_claim_event(self, campaign_id: str, event: ClaimEvent) -> None:
        if event.outcome is None:
            self._claim_campaigns[event.claim.id] = campaign_id
        else:
            self._claim_campaigns.pop(event.claim.id, None)
        if self.on_claim is not None:
            self.on_claim(event)

    def pending_claims(self) -> list[Claim]:
        """Claims waiting for the GM on any served campaign, oldest first."""
        if self.host is None:
            return []
        return [claim for hub in self.host.campaigns for claim in hub.claims.pending]

    def decide_claim(self, claim_id: str, *, approve: bool) -> bool:
        """Let the claimant in as the player, or refuse; False if no longer waiting."""
        campaign_id = self._claim_campaigns.get(claim_id)
        if self.host is None or campaign_id is None:
            return False
        return self.host.hub(campaign_id).decide_claim(claim_id, approve)

    # -- changing the campaign -------------------------------------------------------

    async def submit(self, action: dict[str, Any]) -> Outcome:
        """Apply a GM action; raises vtt_host.errors.ActionError if refused."""
        return await self.manager.submit(action, GM_CALLER)

    async def decide(
        self,
        action_id: str,
        *,
        approve: bool,
        expected_version: int,
        changes: list[Op] | None = None,
        reason: str | None = None,
    ) -> int:
        """Approve or reject a proposal; raises Stale when the GM must look again."""
        applied = await self.manager.decide(
            GM_CALLER,
            action_id,
            approve=approve,
            expected_version=expected_version,
            changes=changes,
            reason=reason,
        )
        return applied.version

    # -- campaign files and backups --------------------------------------------------

    async def export(self, path: Path) -> Path:
        return await self.lib.export(self.live.id, path)

    async def backup_now(self) -> str:
        info = await self.lib.backup_now(self.live.id)
        return str(info.path)

    async def import_file(self, path: Path, *, replace: bool) -> Imported:
        """Import a campaign file; replacing a served campaign restarts the host around it."""
        return await self._offline_if_served(
            lambda: self.lib.import_file(path, replace=replace), replace_ok=replace
        )

    async def restore(self, campaign_id: str, backup: BackupInfo) -> Imported:
        """Restore a backup over a campaign; players reconnect and resync by themselves."""
        return await self._offline_if_served(lambda: self.lib.restore(campaign_id, backup=backup))

    async def _offline_if_served(
        self, work: Callable[[], Awaitable[T]], *, replace_ok: bool = True
    ) -> T:
        """Run ``work`` with the host stopped when it may replace a served campaign.

        The host has no way to swap a campaign it serves, so it is closed (players see a
        1001 and resume), the campaigns it served are reopened after ``work``, and a new
        host starts on the same port.
        """
        if not replace_ok or not self._served:
            return await work()
        was_serving = self.host is not None
        current = self.campaign.id if self.campaign is not None else None
        await self._stop_host()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        served, self._served = list(self._served), {}
        self.campaign = None
        try:
            return await work()
        finally:
            for campaign_id in served:
                if campaign_id != current:
                    self._served[campaign_id] = await self.lib.open_campaign(campaign_id)
            if current is not None:
                await self.open(current)
            if was_serving:
                await self.start_host()

    # -- stopping --------------------------------------------------------------------

    async def close(self) -> None:
        """Close the host, then the library (checkpoint + backup). Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        try:
            await self._stop_host()
        finally:
            library, self.library = self.library, None
            if library is not None:
                await library.close()

    # -- settings --------------------------------------------------------------------

    def _settings_path(self) -> Path | None:
        return None if self.library is None else self.library.data_dir / SETTINGS_FILE

    def _settings(self) -> dict[str, Any]:
        path = self._settings_path()
        if path is None or not path.exists():
            return {}
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            logger.warning("ignoring unreadable %s", path)
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def _save_settings(self, **changes: Any) -> None:
        path = self._settings_path()
        if path is None:
            return
        temporary = path.with_name(f".tmp-{path.name}.{os.getpid()}")
        try:
            temporary.write_text(json.dumps({**self._settings(), **changes}), encoding="utf-8")
            temporary.replace(path)  # a crash mid-write leaves the old settings whole
        except OSError as error:
            temporary.unlink(missing_ok=True)
            logger.warning("could not remember settings in %s: %s", path, error)
