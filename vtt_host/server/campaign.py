"""One served campaign: who may enter, who is connected, and what each audience was sent.

The hub is where a connection meets the state manager. It checks credentials against
the campaign's secrets, keeps one ``Mailbox`` per audience that has connected since the
host started (subscribed even while that player is away, so a reconnect is served from
it), turns presence into the manager's versioned ``join``/``leave`` changes, and hands a
new connection its ``welcome`` plus exactly the versions that follow it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from storage import JournalRecord
from vtt_host.actions import new_id
from vtt_host.manager import Published, StateManager
from vtt_host.server import frames
from vtt_host.server.credentials import Credentials
from vtt_host.server.frames import Hello, ServerFrame
from vtt_host.server.limits import HostLimits
from vtt_host.server.mailbox import FrameCache, Mailbox
from vtt_host.views import GM, GM_ID, Audience, player

logger = logging.getLogger(__name__)

KICKED_CLOSE_CODE = 4004


class CampaignBackend(Protocol):
    """What the host needs of a campaign; ``vtt_host.live.LiveCampaign`` provides it."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def manager(self) -> StateManager: ...

    async def get_secrets(self) -> dict[str, str]: ...

    async def set_secret(self, key: str, value: str) -> None: ...

    async def records_since(self, version: int) -> Sequence[JournalRecord] | None: ...

    async def attach_view(
        self, audience: Audience, listener: Callable[[Published], None]
    ) -> tuple[int, list[bytes], Callable[[], None]]: ...


class Member(Protocol):
    """The side of a connection the hub talks to (``connection.Connection``)."""

    def on_published(self, published: Published) -> None: ...

    def start(self, first: list[ServerFrame]) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Grant:
    """An admitted hello: who the connection speaks for, and its session token."""

    role: Literal["gm", "player"]
    player_id: str
    name: str
    session: str

    @property
    def audience(self) -> Audience:
        return GM if self.role == "gm" else player(self.player_id)


@dataclass(slots=True)
class _Attached:
    grant: Grant
    unsubscribe: Callable[[], None]


class CampaignHub:
    """A campaign as the network sees it. Create with ``await CampaignHub.open(...)``."""

    def __init__(self, backend: CampaignBackend, credentials: Credentials, limits: HostLimits):
        self.backend = backend
        self.credentials = credentials
        self.cache = FrameCache()
        self._limits = limits
        self._mailboxes: dict[str, Mailbox] = {}
        self._mailbox_unsubscribe: list[Callable[[], None]] = []
        self._mailbox_lock = asyncio.Lock()
        self._presence_lock = asyncio.Lock()
        self._registering = asyncio.Lock()
        self._members: dict[Member, _Attached] = {}
        self._empty = asyncio.Event()
        self._empty.set()
        self._names: dict[str, str] = {}

    @classmethod
    async def open(cls, backend: CampaignBackend, limits: HostLimits) -> CampaignHub:
        """Load credentials and mark everyone disconnected (a crashed host left them on)."""
        credentials = await Credentials.load(await backend.get_secrets(), backend.set_secret)
        hub = cls(backend, credentials, limits)
        for entry in list(backend.manager.state["currentSession"]["connectedPlayers"]):
            await backend.manager.leave(entry["playerId"])
        return hub

    @property
    def id(self) -> str:
        return self.backend.id

    @property
    def manager(self) -> StateManager:
        return self.backend.manager

    @property
    def connection_count(self) -> int:
        return len(self._members)

    def members_of(self, player_id: str) -> list[Member]:
        return [m for m, a in self._members.items() if a.grant.player_id == player_id]

    # -- admission -------------------------------------------------------------------

    async def admit(self, hello: Hello) -> Grant | None:
        """Check a hello's credential; None means refuse with 4001."""
        if hello.code is not None and hello.name is not None:
            if not self.credentials.check_code(hello.code):
                return None
            player_id, name = await self._register(hello.name)
            session = await self.credentials.issue_session(player_id)
            return Grant("player", player_id, name, session)
        if hello.gm_token is not None:
            if not self.credentials.check_gm_token(hello.gm_token):
                return None
            return Grant("gm", GM_ID, "GM", await self.credentials.issue_session(GM_ID))
        if hello.resume is not None:
            owner = self.credentials.session_owner(hello.resume)
            if owner is None:
                return None
            if owner == GM_ID:
                return Grant("gm", GM_ID, "GM", hello.resume)
            known = self.manager.state["players"].get(owner)
            return Grant("player", owner, known["name"] if known else owner, hello.resume)
        return None

    async def _register(self, name: str) -> tuple[str, str]:
        """The playerId for a name: the same person each time they join with it."""
        key = name.casefold()
        async with self._registering:
            for known in self.manager.state["players"].values():
                if known["name"].casefold() == key:
                    return known["id"], known["name"]
            player_id = self._names.get(key)
            if player_id is None:
                player_id = new_id("p")
                self._names[key] = player_id
            return player_id, name

    # -- attaching -------------------------------------------------------------------

    async def attach(self, member: Member, grant: Grant, since: int | None) -> None:
        """Subscribe a connection and queue its welcome and the versions it missed.

        The connection buffers what the manager publishes until ``start`` hands it the
        welcome, so nothing published while this awaits is lost or sent out of order.
        """
        audience = grant.audience
        mailbox = await self._mailbox(audience)
        self._members[member] = _Attached(grant, lambda: None)
        self._empty.clear()
        if grant.role == "player":
            await self._sync_presence(grant.player_id, grant.name)
        version, state, unsubscribe = await self.backend.attach_view(audience, member.on_published)
        self._members[member].unsubscribe = unsubscribe
        if since is not None:
            missed = mailbox.frames_after(since)
            if missed is not None:
                member.start([self._welcome(grant, since, None), *missed])
                return
        if since is not None and grant.role == "gm":
            from_journal = await self._journal_frames(since, version)
            if from_journal is not None:
                member.start([self._welcome(grant, since, None), *from_journal])
                return
        member.start([self._welcome(grant, version, state)])

    async def _journal_frames(self, since: int, version: int) -> list[str] | None:
        """The GM sees every op unfiltered, so the journal can serve their resume."""
        if since > version:
            return None
        try:
            records = await self.backend.records_since(since)
        except Exception:
            logger.exception("could not read the journal of %s", self.id)
            return None
        if records is None:
            return None
        wanted = [r for r in records if r.version <= version]
        if [r.version for r in wanted] != list(range(since + 1, version + 1)):
            return None
        return [frames.patch(r.version, r.ops, r.by, r.description) for r in wanted]

    def _welcome(self, grant: Grant, version: int, state: list[bytes] | None) -> ServerFrame:
        extra: dict[str, Any] = {"name": grant.name}
        if grant.role == "gm":
            extra["joinCode"] = self.credentials.join_code
        return frames.welcome(
            player_id=grant.player_id,
            role=grant.role,
            session=grant.session,
            campaign=self.id,
            version=version,
            state=state,
            extra=extra,
        )

    async def detach(self, member: Member) -> None:
        """Unsubscribe a connection; its player leaves when it was their last one."""
        attached = self._members.pop(member, None)
        if attached is None:
            return
        if not self._members:
            self._empty.set()
        attached.unsubscribe()
        if attached.grant.role == "player":
            try:
                await self._sync_presence(attached.grant.player_id, attached.grant.name)
            except Exception:
                logger.exception("could not record that a player left %s", self.id)

    async def _mailbox(self, audience: Audience) -> Mailbox:
        async with self._mailbox_lock:
            mailbox = self._mailboxes.get(audience.player_id)
            if mailbox is not None:
                return mailbox
            holder: list[Mailbox] = []

            def keep(published: Published) -> None:
                holder[0].append(published.version, self.cache.frames_for(published))

            async with self.manager.between_changes():  # no view needed, just the version
                version = self.manager.version
                unsubscribe = self.manager.subscribe(audience, keep)
            mailbox = Mailbox(
                audience,
                version,
                max_versions=self._limits.mailbox_versions,
                max_bytes=self._limits.mailbox_bytes,
            )
            holder.append(mailbox)
            self._mailboxes[audience.player_id] = mailbox
            self._mailbox_unsubscribe.append(unsubscribe)
            return mailbox

    async def _sync_presence(self, player_id: str, name: str) -> None:
        """Make connectedPlayers say whether the player has a connection right now."""
        async with self._presence_lock:
            wanted = any(a.grant.player_id == player_id for a in self._members.values())
            connected = self.manager.state["currentSession"]["connectedPlayers"]
            present = any(entry["playerId"] == player_id for entry in connected)
            if wanted and not present:
                await self.manager.join(player_id, name)
            elif present and not wanted:
                await self.manager.leave(player_id)

    # -- GM controls -----------------------------------------------------------------

    async def rotate_join_code(self) -> str:
        code = await self.credentials.rotate_join_code()
        logger.info("join code of %s rotated", self.id)
        return code

    def knows_player(self, player_id: str) -> bool:
        return player_id in self.manager.state["players"] or bool(self.members_of(player_id))

    async def kick(self, player_id: str) -> int:
        """Void the player's sessions and close their connections; returns how many."""
        await self.credentials.revoke_sessions(player_id)
        members = self.members_of(player_id)
        for member in members:
            member.close(KICKED_CLOSE_CODE, "removed by the GM")
        logger.info("kicked %s from %s (%d connections)", player_id, self.id, len(members))
        return len(members)

    async def disconnect_all(self, code: int, reason: str) -> None:
        """Close every connection to this campaign and wait until they have left."""
        for member in list(self._members):
            member.close(code, reason)
        await self._empty.wait()

    async def close(self) -> None:
        """Drop the mailboxes (connections are closed by the host first). Idempotent."""
        unsubscribes, self._mailbox_unsubscribe = self._mailbox_unsubscribe, []
        for unsubscribe in unsubscribes:
            with contextlib.suppress(Exception):
                unsubscribe()
        self._mailboxes.clear()
