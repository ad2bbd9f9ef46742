"""What every action handler gets besides the state and the action."""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from vtt_host.patching import Op
from vtt_host.views import GM_ID, Audience

SYSTEM_ID = "system"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sends an action: the GM, a player, or the host itself (presence)."""

    role: Literal["gm", "player", "system"]
    player_id: str
    name: str

    @property
    def is_gm(self) -> bool:
        return self.role in ("gm", "system")

    @property
    def audience(self) -> Audience:
        return (
            Audience("player", self.player_id) if self.role == "player" else Audience("gm", GM_ID)
        )


GM_CALLER = Caller("gm", GM_ID, "GM")
SYSTEM_CALLER = Caller("system", SYSTEM_ID, "Host")


def new_id(prefix: str) -> str:
    """An opaque id: it must not reveal what a hidden entity is."""
    return f"{prefix}_{secrets.token_hex(6)}"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class Context:
    """Clock, ids and dice for handlers, so tests can make them deterministic."""

    now_ms: int
    rng: random.Random = field(default_factory=secrets.SystemRandom)
    make_id: Callable[[str], str] = new_id


EntityRef = tuple[str, str]
"""(collection, id) of an entity a description names."""


@dataclass(frozen=True, slots=True)
class Compiled:
    """What a handler decided: the ops to apply and how to describe them."""

    ops: list[Op]
    description: str
    extra: dict[str, Any] = field(default_factory=dict)
    quiet: bool = False
    """The ops say it all (a token move): the description stays in the change log but
    is not sent with every patch, which keeps the most frequent frame small."""
    mentions: tuple[EntityRef, ...] | None = None
    """The entities the description names. Players get the description only if they
    could see every one of them before and after the change; None (not declared) keeps
    it for the GM alone."""
