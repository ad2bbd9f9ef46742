"""Serving a campaign: the library, the network host and the LAN announcement together.

Both ``vtt-host serve`` and the GM app start a ``ServingSession`` and close it the same
way: stop taking players, stop announcing, then close the library (final checkpoint and
backup of every open campaign).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from storage.backups import BackupPolicy
from vtt_host.demo import DEMO_NAME
from vtt_host.discovery import Announcer
from vtt_host.gcpolicy import defer_full_collections
from vtt_host.library import Library, LibraryError
from vtt_host.live import DEFAULT_BACKUP_POLICY, LiveCampaign
from vtt_host.server import Host, HostLimits

logger = logging.getLogger(__name__)


GIL_SWITCH_INTERVAL_S = 0.0002
"""The storage threads share the interpreter with the event loop. The journal writer
releases it around every SQLite statement and must win it back afterwards; while the
loop is busy that waits up to this interval each time. At Python's 5 ms (or even 1 ms) a
group commit of a few statements then takes several ms longer than its fsync."""


def tune_interpreter() -> None:
    """Process-wide settings for a latency-sensitive host (the programs call this)."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    defer_full_collections()  # a running Host collects at the table's pauses


@dataclass(frozen=True, slots=True)
class ServeOptions:
    data_dir: Path | None = None
    host: str = "0.0.0.0"
    port: int = 8765
    public_url: str | None = None
    campaign: str | None = None
    demo: bool = False
    announce: bool = True
    backup_policy: BackupPolicy = DEFAULT_BACKUP_POLICY
    """How often a changing campaign is backed up, and how many backups are kept."""
    purpose: str = "vtt-host serve"
    """Who holds the data folder, as another program trying to open it is told."""
    metrics_token: str | None = None
    """Opens /metrics and the detailed /healthz to other machines; generated when None."""


async def choose_campaign(library: Library, options: ServeOptions) -> tuple[str, bool]:
    """(campaign id, created?) for the options: named, the demo, or the latest played."""
    if options.campaign:
        found = await library.find(options.campaign)
        if found is not None:
            return found.id, False
        return await library.create(options.campaign, demo=options.demo), True
    campaigns = await library.campaigns()
    if options.demo:
        demo = next((info for info in campaigns if info.name == DEMO_NAME), None)
        if demo is not None:
            return demo.id, False
        return await library.create(DEMO_NAME, demo=True), True
    if not campaigns:
        return await library.create(DEMO_NAME, demo=True), True
    latest = max(campaigns, key=lambda info: info.updated_at_ms)
    return latest.id, False


class ServingSession:
    """One campaign served to players. Use ``await ServingSession.start(options)``."""

    def __init__(
        self, options: ServeOptions, library: Library, live: LiveCampaign, host: Host
    ) -> None:
        self.options = options
        self.library = library
        self.campaign = live
        self.host = host
        self.announcer = Announcer()
        self._closed = False

    @classmethod
    async def start(
        cls, options: ServeOptions, *, limits: HostLimits | None = None
    ) -> ServingSession:
        library = await Library.open(
            options.data_dir, purpose=options.purpose, backup_policy=options.backup_policy
        )
        try:
            campaign_id, created = await choose_campaign(library, options)
            if created:
                logger.info("created campaign %s", campaign_id)
            live = await library.open_campaign(campaign_id)
            host = Host(
                host=options.host,
                port=options.port,
                assets=library.assets,
                previews=library.previews,
                open_campaign=None,
                limits=limits,
                metrics_token=options.metrics_token,
            )
            await host.add_campaign(live)
            await host.start()
        except BaseException:
            await library.close()
            raise
        session = cls(options, library, live, host)
        if options.announce:
            await session.announcer.start(
                port=host.port, campaign_name=live.name, campaign_id=live.id
            )
        return session

    @property
    def join_code(self) -> str:
        return self.host.join_code(self.campaign.id)

    @property
    def gm_token(self) -> str:
        return self.host.gm_token(self.campaign.id)

    @property
    def http_url(self) -> str:
        """Where players open the client: the public URL if one was given."""
        if self.options.public_url:
            return self.options.public_url.rstrip("/") + "/"
        return self.host.local_http_url

    @property
    def join_link(self) -> str:
        return f"{self.http_url}?code={quote(self.join_code)}"

    def ready_event(self) -> dict[str, Any]:
        """The ``ready`` line of docs/protocol.md "Headless start": with the join link and a
        one-time link that opens the GM's map in a browser on this machine (valid for
        two minutes, once)."""
        return {
            "event": "ready",
            "url": self.host.local_url,
            "http": self.host.local_http_url,
            "campaign": self.campaign.id,
            "joinCode": self.join_code,
            "gmToken": self.gm_token,
            "joinLink": self.join_link,
            "gmLink": self.host.gm_link(self.campaign.id),
            "announcement": self.announcer.status,
            "metrics": self.host.metrics_url,
            "metricsToken": self.host.metrics_token,
        }

    async def close(self) -> None:
        """Players are told the host is going, then everything is saved. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            await self.host.close()
            await self.announcer.close()
        finally:
            await self.library.close()


__all__ = ["LibraryError", "ServeOptions", "ServingSession", "choose_campaign"]
