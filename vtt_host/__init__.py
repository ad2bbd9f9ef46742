"""vtt-host: a virtual tabletop host where the whole campaign is one versioned document.

The public surface: the campaign library (persistence), the state manager (the only
writer of a campaign), the actions it accepts, and per-recipient views.
"""

from storage.backups import BackupPolicy
from vtt_host.actions import GM_CALLER, Caller
from vtt_host.errors import ActionError, Forbidden, Invalid, NotFound, Stale, VttError
from vtt_host.library import Library, LibraryError
from vtt_host.live import CampaignStatus, LiveCampaign
from vtt_host.manager import Applied, Decision, Published, Queued, StateManager
from vtt_host.schema import SCHEMA_VERSION
from vtt_host.views import GM, Audience, player, view

__all__ = [
    "GM",
    "GM_CALLER",
    "SCHEMA_VERSION",
    "ActionError",
    "Applied",
    "Audience",
    "BackupPolicy",
    "Caller",
    "CampaignStatus",
    "Decision",
    "Forbidden",
    "Invalid",
    "Library",
    "LibraryError",
    "LiveCampaign",
    "NotFound",
    "Published",
    "Queued",
    "Stale",
    "StateManager",
    "VttError",
    "player",
    "view",
]
