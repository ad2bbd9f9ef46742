"""How the GM app was started: where campaigns live and how players reach the table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class AppConfig:
    """Options of one run of the GM app (the ``vtt-host run`` flags)."""

    # campaigns
    data_dir: Path | None = None
    campaign: str | None = None
    demo: bool = False
    # network
    host: str = "0.0.0.0"
    port: int = 8765
    public_url: str | None = None
    serve: bool = True
    """False runs the table without a network host (previews, snapshot tests)."""
    announce: bool = True
    """Announce the campaign on the LAN with zeroconf (``vtt-host discover`` finds it)."""
    metrics_token: str | None = None
    """Opens /metrics and the detailed /healthz to other machines; generated when None."""
    lan_address: str | None = None
    """The address shown in the join link; found from the routing table when None."""
    # process
    handle_signals: bool = False
    """Install SIGTERM/SIGHUP handlers that quit cleanly (the real program does)."""
    refresh_interval_s: float = 0.08
    """How often queued changes are applied to the widgets, in one batch."""
