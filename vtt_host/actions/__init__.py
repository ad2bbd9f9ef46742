"""Actions: validated models per kind and pure handlers that compile them to ops."""

from vtt_host.actions.context import (
    GM_CALLER,
    SYSTEM_CALLER,
    Caller,
    Compiled,
    Context,
    new_id,
    now_ms,
)
from vtt_host.actions.models import (
    APPROVABLE_KINDS,
    INTERNAL_KINDS,
    PLAYER_KINDS,
    Action,
    parse_action,
)
from vtt_host.actions.registry import HANDLERS, authorize, compile_action

__all__ = [
    "APPROVABLE_KINDS",
    "GM_CALLER",
    "HANDLERS",
    "INTERNAL_KINDS",
    "PLAYER_KINDS",
    "SYSTEM_CALLER",
    "Action",
    "Caller",
    "Compiled",
    "Context",
    "authorize",
    "compile_action",
    "new_id",
    "now_ms",
    "parse_action",
]
