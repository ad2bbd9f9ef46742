"""The network host: protocol v1 (docs/protocol.md) over WebSocket, plus HTTP, on one port."""

from vtt_host.server.access import valid_metrics_token
from vtt_host.server.app import Host, HostError, HostState
from vtt_host.server.campaign import KICKED_CLOSE_CODE, CampaignBackend, CampaignHub, Grant
from vtt_host.server.claims import Claim, ClaimEvent, ClaimOutcome
from vtt_host.server.limits import HostLimits

__all__ = [
    "KICKED_CLOSE_CODE",
    "CampaignBackend",
    "CampaignHub",
    "Claim",
    "ClaimEvent",
    "ClaimOutcome",
    "Grant",
    "Host",
    "HostError",
    "HostLimits",
    "HostState",
    "valid_metrics_token",
]
