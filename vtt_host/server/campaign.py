"""One served campaign: who may enter, who is connected, and what each audience was sent.

The hub is where a connection meets the state manager. It checks credentials against
the campaign's secrets: a device's session token is its identity, a new name with the
join code registers a new player (within the table's bounds), and a known name is a
claim the GM decides (``claims``) unless the player's recovery code comes with it. It
keeps one ``Mailbox`` per audience that is connected or was lately (subscribed while
that player is away, so a reconnect is served from it; the longest away are dropped
past a bound), turns presence into the manager's versioned ``join``/``leave`` changes,
and hands a new connection its ``welcome`` plus exactly the versions that follow it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from storage import JournalRecord
from vtt_host.actions import new_id, now_ms
from vtt_host.manager import Published, StateManager
from vtt_host.names import BadName, check_name
from vtt_host.server import frames, roster
from vtt_host.server.claims import Claim, ClaimBook, ClaimEvent, ClaimOutcome, TooManyClaims
from vtt_host.server.closes import (
    CLOSE_BAD_HELLO,
    CLOSE_KICKED,
    CLOSE_NORMAL,
    CLOSE_TOO_MANY,
    CLOSE_UNAUTHORIZED,
    Refusal,
)
from vtt_host.server.credentials import Credentials
from vtt_host.server.frames import Hello, ServerFrame
from vtt_host.server.limits import HostLimits, RegistrationLimiter
from vtt_host.server.mailbox import FrameCache, Mailbox
from vtt_host.server.pings import Reach, ping_frame, route
from vtt_host.views import GM, GM_ID, Audience, player

logger = logging.getLogger(__name__)

KICKED_CLOSE_CODE = CLOSE_KICKED


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

    async def delete_secret(self, key: str) -> None: ...

    async def records_since(self, version: int) -> Sequence[JournalRecord] | None: ...

    async def attach_view(
        self, audience: Audience, listener: Callable[[Published], None]
    ) -> tuple[int, list[bytes], Callable[[], None]]: ...


class Member(Protocol):
    """The side of a connection the hub talks to (``connection.Connection``)."""

    def on_published(self, published: Published) -> None: ...

    def start(self, first: list[ServerFrame]) -> None: ...

    def send(self, frame: ServerFrame) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


class Holder(Protocol):
    """A connection whose hello waits on the GM (``connection.Connection``)."""

    async def hold(self, frame: str) -> None:
        """Send a frame before the welcome (``claim_pending``)."""

    async def wait_closed(self) -> None:
        """Return once the client has gone."""


@dataclass(frozen=True, slots=True)
class Grant:
    """An admitted hello: who the connection speaks for, and its session token."""

    role: Literal["gm", "player"]
    player_id: str
    name: str
    session: str
    recovery_code: str | None = None
    """Only for a player's first registration: shown once, in their welcome."""

    @property
    def audience(self) -> Audience:
        return GM if self.role == "gm" else player(self.player_id)


@dataclass(slots=True)
class _Attached:
    grant: Grant
    unsubscribe: Callable[[], None]
    unwatch: Callable[[], None] | None = None
    started: bool = False
    """Its welcome is queued: ephemeral frames (pings) may follow it."""


@dataclass(slots=True)
class _Box:
    mailbox: Mailbox
    unsubscribe: Callable[[], None]


class CampaignHub:
    """A campaign as the network sees it. Create with ``await CampaignHub.open(...)``."""

    def __init__(self, backend: CampaignBackend, credentials: Credentials, limits: HostLimits):
        self.backend = backend
        self.credentials = credentials
        self.cache = FrameCache()
        self.claims = ClaimBook(
            timeout_s=limits.claim_timeout_s,
            per_address=limits.claims_per_address,
            open_max=limits.claims_open,
        )
        self._limits = limits
        self._registrations = RegistrationLimiter(
            per_window=limits.new_players_per_address, window_s=limits.new_player_window_s
        )
        self._mailboxes: OrderedDict[str, _Box] = OrderedDict()
        """Least recently used first; the GM's and connected players' are never dropped."""
        self._mailbox_lock = asyncio.Lock()
        self._presence_lock = asyncio.Lock()
        self._registering = asyncio.Lock()
        self._members: dict[Member, _Attached] = {}
        self._empty = asyncio.Event()
        self._empty.set()
        self._reserved: dict[str, str] = {}
        """playerId -> name of registrations admitted but not yet in ``players``."""

    @classmethod
    async def open(cls, backend: CampaignBackend, limits: HostLimits) -> CampaignHub:
        """Load credentials, mark everyone disconnected (a crashed host left them on),
        and forget players who registered, own nothing and never came back."""
        credentials = await Credentials.load(
            await backend.get_secrets(), backend.set_secret, backend.delete_secret
        )
        hub = cls(backend, credentials, limits)
        for entry in list(backend.manager.state["currentSession"]["connectedPlayers"]):
            await backend.manager.leave(entry["playerId"])
        await hub._forget_expired()
        return hub

    async def _forget_expired(self) -> None:
        state = self.manager.state
        expired = roster.expired_players(
            state, now_ms=now_ms(), unseen_ms=round(self._limits.unseen_player_expiry_s * 1000)
        )
        if expired and await self.manager.forget_players(expired) is not None:
            logger.info("forgot %d players of %s who never came back", len(expired), self.id)
        for player_id in self.credentials.players() - set(state["players"]) - {GM_ID}:
            await self.credentials.forget(player_id)

    @property
    def id(self) -> str:
        return self.backend.id

    @property
    def manager(self) -> StateManager:
        return self.backend.manager

    @property
    def connection_count(self) -> int:
        return len(self._members)

    @property
    def mailbox_count(self) -> int:
        return len(self._mailboxes)

    def members_of(self, player_id: str) -> list[Member]:
        return [m for m, a in self._members.items() if a.grant.player_id == player_id]

    # -- admission -------------------------------------------------------------------

    async def admit(self, hello: Hello, address: str, holder: Holder) -> Grant | None:
        """Check a hello's credential; None means refuse with 4001.

        Raises Refusal for a name the table refuses (4003), for a table or address past
        its bounds (4008), and for a claim the GM refused or let expire (4001).
        """
        if hello.code is not None and hello.name is not None:
            if not self.credentials.check_code(hello.code):
                return None
            return await self._admit_name(hello.name, hello.recovery, address, holder)
        if hello.gm_token is not None:
            if not self.credentials.check_gm_token(hello.gm_token):
                return None
            return await self.admit_gm()
        if hello.resume is not None:
            owner = self.credentials.session_owner(hello.resume)
            if owner == GM_ID:  # only from this machine: the host checked (app.py)
                return Grant("gm", GM_ID, "GM", hello.resume)
            known = self.manager.state["players"].get(owner) if owner else None
            if known is None:  # unknown token, or the player was removed
                return None
            return Grant("player", known["id"], known["name"], hello.resume)
        return None

    async def admit_gm(self) -> Grant:
        """The GM with a new session: their token was right, or the host checked a
        ticket of the GM's link (``gm_tickets``)."""
        return Grant("gm", GM_ID, "GM", await self.credentials.issue_session(GM_ID))

    async def _admit_name(
        self, typed: str, recovery: str | None, address: str, holder: Holder
    ) -> Grant | None:
        """A new name registers; a known one needs its recovery code or the GM."""
        try:
            name = check_name(typed)
        except BadName as bad:
            raise Refusal(CLOSE_BAD_HELLO, bad.reason) from None
        async with self._registering:
            known = roster.named(self.manager.state, self._reserved, name)
            if known is None:
                if recovery is not None:
                    return None  # no player of that name to recover
                return await self._register(name, address)
        player_id, stored_name = known
        if recovery is not None:
            if not self.credentials.check_recovery(player_id, recovery):
                return None
            logger.info("%s came in with their recovery code", player_id)
        elif not await self._claim(player_id, stored_name, address, holder):
            raise Refusal(CLOSE_UNAUTHORIZED, "the GM did not confirm that this is you")
        session = await self.credentials.issue_session(player_id)
        return Grant("player", player_id, stored_name, session)

    async def _register(self, name: str, address: str) -> Grant:
        """A new player: within the table's bounds, with a session and a recovery code."""
        taken = roster.looks_like_taken(self.manager.state, self._reserved, name)
        if taken is not None:
            raise Refusal(CLOSE_BAD_HELLO, "that name looks like a player's already at this table")
        registered = len(self.manager.state["players"]) + sum(
            1 for pid in self._reserved if pid not in self.manager.state["players"]
        )
        if registered >= self._limits.table_players:
            raise Refusal(
                CLOSE_TOO_MANY,
                f"the table is full ({self._limits.table_players} players); ask the GM",
            )
        if not self._registrations.allows(address):
            raise Refusal(
                CLOSE_TOO_MANY, "too many new players from your network lately; ask the GM"
            )
        player_id = new_id("p")
        self._reserved[player_id] = name
        self._registrations.record(address)
        session = await self.credentials.issue_session(player_id)
        recovery = await self.credentials.issue_recovery(player_id)
        logger.info("registered %s from %s", player_id, address)
        return Grant("player", player_id, name, session, recovery_code=recovery)

    async def _claim(self, player_id: str, name: str, address: str, holder: Holder) -> bool:
        """Ask the GM whether this connection is ``name``; True once they approve."""
        try:
            claim = self.claims.open(player_id, name, address)
        except TooManyClaims as too_many:
            raise Refusal(CLOSE_TOO_MANY, str(too_many)) from None
        logger.info("%s claims to be %s; asking the GM", address, player_id)
        try:
            await holder.hold(frames.claim_pending(self.claims.timeout_s))
        except Exception:
            self.claims.withdraw(claim.id)
            raise
        outcome = await self.claims.wait(claim, holder.wait_closed())
        logger.info("claim on %s from %s: %s", player_id, address, outcome.value)
        if outcome is ClaimOutcome.WITHDRAWN:
            raise Refusal(CLOSE_NORMAL, "the request was withdrawn")
        if outcome is ClaimOutcome.EXPIRED:
            raise Refusal(CLOSE_UNAUTHORIZED, "the GM did not answer in time; try again")
        return outcome is ClaimOutcome.APPROVED

    def decide_claim(self, claim_id: str, approve: bool) -> bool:
        """The GM's answer to a claim; False if it is no longer waiting."""
        return self.claims.decide(claim_id, approve)

    def _release(self, grant: Grant) -> None:
        """A reservation ends once the player is in ``players`` or never made it."""
        self._reserved.pop(grant.player_id, None)

    # -- attaching -------------------------------------------------------------------

    async def attach(self, member: Member, grant: Grant, since: int | None) -> None:
        """Subscribe a connection and queue its welcome and the versions it missed.

        The connection buffers what the manager publishes until ``start`` hands it the
        welcome, so nothing published while this awaits is lost or sent out of order.
        """
        audience = grant.audience
        self._members[member] = _Attached(grant, lambda: None)
        self._empty.clear()
        mailbox = await self._mailbox(audience)
        if grant.role == "player":
            await self._sync_presence(grant.player_id, grant.name)
            self._release(grant)
        version, state, unsubscribe = await self.backend.attach_view(audience, member.on_published)
        self._members[member].unsubscribe = unsubscribe
        member.start(await self._first_frames(grant, mailbox, since, version, state))
        self._members[member].started = True
        if grant.role == "gm":
            self._members[member].unwatch = self._tell_gm_of_claims(member)

    async def _first_frames(
        self,
        grant: Grant,
        mailbox: Mailbox,
        since: int | None,
        version: int,
        state: list[bytes],
    ) -> list[ServerFrame]:
        """The welcome, then what a resume missed (from the mailbox, or the journal)."""
        if since is not None:
            missed = mailbox.frames_after(since)
            if missed is not None:
                return [self._welcome(grant, since, None), *missed]
        if since is not None and grant.role == "gm":
            from_journal = await self._journal_frames(since, version)
            if from_journal is not None:
                return [self._welcome(grant, since, None), *from_journal]
        return [self._welcome(grant, version, state)]

    def _tell_gm_of_claims(self, member: Member) -> Callable[[], None]:
        """Send a GM connection the claims waiting now and every later one, and how
        each ends."""

        def tell(event: ClaimEvent) -> None:
            if event.outcome is None:
                member.send(_claim_frame(event.claim))
            else:
                member.send(frames.claim_ended(event.claim.id, event.outcome.value))

        for claim in self.claims.pending:
            member.send(_claim_frame(claim))
        return self.claims.watch(tell)

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
        if grant.recovery_code is not None:
            extra["recoveryCode"] = grant.recovery_code
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
        if attached.unwatch is not None:
            attached.unwatch()
        if attached.grant.role == "player":
            self._release(attached.grant)
            if attached.grant.player_id in self._mailboxes:
                self._mailboxes.move_to_end(attached.grant.player_id)  # away the shortest
            try:
                await self._sync_presence(attached.grant.player_id, attached.grant.name)
            except Exception:
                logger.exception("could not record that a player left %s", self.id)
            self._drop_idle_mailboxes()

    def _drop_idle_mailboxes(self) -> None:
        """Keep the mailboxes of the players away the shortest time, up to the bound."""
        connected = {a.grant.player_id for a in self._members.values()}
        idle = [pid for pid in self._mailboxes if pid != GM_ID and pid not in connected]
        for player_id in idle[: max(0, len(idle) - self._limits.idle_mailboxes)]:
            box = self._mailboxes.pop(player_id)
            box.unsubscribe()

    async def _mailbox(self, audience: Audience) -> Mailbox:
        async with self._mailbox_lock:
            box = self._mailboxes.get(audience.player_id)
            if box is not None:
                self._mailboxes.move_to_end(audience.player_id)
                return box.mailbox
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
            self._mailboxes[audience.player_id] = _Box(mailbox, unsubscribe)
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

    # -- pings ---------------------------------------------------------------------

    def ping(self, sender: Member, x: float, y: float, frame_id: str | None) -> str:
        """Pass a map ping on to whom may see it; says whom (for the metrics).

        Raises PingRefused (the sender is told, nobody else hears of it).
        """
        grant = self._members[sender].grant
        by_gm = grant.role == "gm"
        way = route(self.manager.state, by_gm=by_gm, x=x, y=y)
        shared = ping_frame(
            sender_id=grant.player_id,
            sender_name=grant.name,
            map_id=way.map_id if way is not None else None,
            x=x,
            y=y,
            at_ms=now_ms(),
        )
        own = {**shared, "mapId": shared["mapId"] if way and way.sender_sees_map else None}
        sender.send(frames.dump({**own, "id": frame_id} if frame_id is not None else own))
        if way is None:
            return "sender_only"
        text = frames.dump(shared)
        for member, attached in self._members.items():
            if (
                member is not sender
                and attached.started
                and (way.reach is Reach.EVERYONE or attached.grant.role == "gm")
            ):
                member.send(text)
        return way.reach.value

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
            member.close(CLOSE_KICKED, "removed by the GM")
        logger.info("kicked %s from %s (%d connections)", player_id, self.id, len(members))
        return len(members)

    async def disconnect_all(self, code: int, reason: str) -> None:
        """Close every connection to this campaign and wait until they have left."""
        for member in list(self._members):
            member.close(code, reason)
        await self._empty.wait()

    async def close(self) -> None:
        """Let claimants go and drop the mailboxes (connections are closed by the host
        first). Idempotent."""
        self.claims.withdraw_all()
        boxes = list(self._mailboxes.values())
        self._mailboxes.clear()
        for box in boxes:
            with contextlib.suppress(Exception):
                box.unsubscribe()


def _claim_frame(claim: Claim) -> str:
    return frames.claim(claim.id, claim.player_id, claim.name, claim.address, claim.seconds_left())
