"""The state manager: the only writer of a campaign document.

Everything that changes a campaign reads top to bottom in ``_commit``:

    action -> authorize + compile (pure handler) -> apply ops in place, filtering them
    per recipient as they go -> re-validate the touched scopes -> version + change log
    -> await the persistence callback (the journal commit) -> publish -> acknowledge

If any step before persistence fails, the ops applied so far are undone and the action
is refused with nothing changed. If persistence fails, the change is undone too: nothing
that was not made durable is ever shown to anyone.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from storage import (
    MAX_DOCUMENT_DEPTH,
    MAX_VERSION,
    JournalRecord,
    NotPlainJson,
    StorageError,
    check_plain,
)
from vtt_host.actions import (
    APPROVABLE_KINDS,
    SYSTEM_CALLER,
    Action,
    Caller,
    Compiled,
    Context,
    compile_action,
    new_id,
    now_ms,
    parse_action,
)
from vtt_host.actions._common import display_name, op
from vtt_host.actions.models import SHEET_EDIT, ForgetPlayers, Join, Leave, Undo
from vtt_host.actions.table import chat_message_ops
from vtt_host.conflicts import overlapping, written_paths
from vtt_host.errors import (
    ActionError,
    Forbidden,
    Invalid,
    NotFound,
    PatchError,
    PersistenceFailed,
    Stale,
)
from vtt_host.filters import AudienceFilters
from vtt_host.growth import (
    CampaignFull,
    DocumentSize,
    change_bytes,
    check_proposal,
    json_bytes,
)
from vtt_host.patching import Op, apply_patch, normalize_ops, restore
from vtt_host.proposals import check_against_view, own_sheets_edited, try_ops
from vtt_host.schema import CHANGE_LOG_LIMIT
from vtt_host.validation import FULL, Scope, check_ops_writable, check_scopes, scopes_written
from vtt_host.views import GM_ID, Audience, readers, view

logger = logging.getLogger(__name__)

CHAT_TEXT_LIMIT = 2000
HISTORY_LIMIT = 1000
"""Changes kept in memory for staleness checks and undo (the storage window matches)."""
PENDING_PER_PLAYER_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Decision:
    """A GM decision on a proposal, for the proposing player's ``decided`` frame."""

    action_id: str
    player_id: str
    approved: bool
    reason: str | None


@dataclass(frozen=True, slots=True)
class Published:
    """One version as one recipient may see it; ``ops`` may be empty."""

    version: int
    ops: list[Op]
    by: str | None
    description: str | None
    decision: Decision | None = None


@dataclass(frozen=True, slots=True)
class Applied:
    version: int
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Queued:
    """A player's action went to the GM's approval queue (itself a versioned change)."""

    action_id: str
    version: int


Outcome = Applied | Queued
Persist = Callable[[JournalRecord], Awaitable[None]]
"""Journals a record; may return a Future (cheapest: an already-done one when the row
was committed on the spot) or a coroutine."""
Settled = Callable[[JournalRecord, bool], None]
"""Told synchronously, right after a journal write's outcome is applied to memory, whether
the record was committed (True) or refused and rolled back (False)."""
Listener = Callable[[Published], None]


def _no_persistence(record: JournalRecord) -> asyncio.Future[None]:
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    done.set_result(None)
    return done


def _start_journal(persist: Persist, record: JournalRecord) -> asyncio.Future[None]:
    """The journal write as a future; one that failed to start is a failed future."""
    try:
        return asyncio.ensure_future(persist(record))
    except Exception as error:  # e.g. a value JSON cannot carry, or a closed store
        failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        failed.set_exception(error)
        return failed


async def _journal_outcome(pending: asyncio.Future[None]) -> tuple[BaseException | None, bool]:
    """The journal write's outcome, waited for even if the caller is cancelled meanwhile.

    Returns (the write's error or None, whether a cancellation arrived). The outcome
    alone decides the in-memory state: a row still queued when its caller was cancelled
    may be committed a moment later, and the document must then keep the change.
    """
    cancelled = False
    while not pending.done():
        try:
            await asyncio.shield(pending)
        except asyncio.CancelledError:
            cancelled = True
        except BaseException:  # the write's own error, read below
            break
    if pending.cancelled():
        return asyncio.CancelledError("the journal write was cancelled"), cancelled
    return pending.exception(), cancelled


class StateManager:
    """Owns one campaign's state; serializes every change through one lock.

    Readers get views (``view``/``attach``) that share objects with the live state and
    are valid until the caller next awaits: serialize them right away.
    """

    def __init__(
        self,
        state: dict[str, Any],
        *,
        persist: Persist = _no_persistence,
        settled: Settled | None = None,
        history: Iterable[JournalRecord] = (),
        history_limit: int = HISTORY_LIMIT,
        size_bytes: int | None = None,
        clock: Callable[[], int] = now_ms,
        rng: random.Random | None = None,
        make_id: Callable[[str], str] = new_id,
    ) -> None:
        self._state = state
        self._persist = persist
        self._settled = settled
        self._history: deque[JournalRecord] = deque(history, maxlen=history_limit)
        self._undo_stack: list[int] = _undo_stack(self._history)
        self._clock = clock
        self._rng = rng if rng is not None else secrets.SystemRandom()
        self._make_id = make_id
        self._lock = asyncio.Lock()
        self._listeners: dict[int, tuple[Audience, Listener]] = {}
        self._player_ids: frozenset[str] = frozenset()
        self._next_listener = 0
        self._trial: tuple[tuple[int, str], dict[str, Any]] | None = None
        self._size = DocumentSize(json_bytes(state) if size_bytes is None else size_bytes)

    # -- reading ---------------------------------------------------------------------

    @property
    def campaign_id(self) -> str:
        return str(self._state["id"])

    @property
    def version(self) -> int:
        return int(self._state["version"])

    @property
    def state(self) -> Mapping[str, Any]:
        """The live document, read-only by contract (copy it to keep it)."""
        return self._state

    def view(self, audience: Audience) -> dict[str, Any]:
        return view(self._state, audience)

    def history_since(self, version: int) -> list[JournalRecord] | None:
        """Changes after ``version`` still held in memory, or None if they are not all."""
        if version >= self.version:
            return []
        if not self._history or self._history[0].version > version + 1:
            return None
        return [record for record in self._history if record.version > version]

    @property
    def size(self) -> DocumentSize:
        """The document's running size (``CAMPAIGN_MAX_BYTES`` bounds what changes add)."""
        return self._size

    def between_changes(self) -> asyncio.Lock:
        """``async with manager.between_changes():`` holds off changes (checkpoints, exports).

        Inside it the document is at one durable version and nothing else writes.
        """
        return self._lock

    # -- subscribing -----------------------------------------------------------------

    async def attach(
        self, audience: Audience, listener: Listener
    ) -> tuple[int, dict[str, Any], Callable[[], None]]:
        """Subscribe between two changes: (version, view at it, unsubscribe).

        Every later version reaches ``listener`` exactly once, in order, so applying
        them to the returned view keeps it equal to the host's view for ``audience``.
        """
        async with self._lock:
            return self.version, self.view(audience), self.subscribe(audience, listener)

    def subscribe(self, audience: Audience, listener: Listener) -> Callable[[], None]:
        """Receive every later version (call between changes; ``attach`` does that)."""
        key = self._next_listener
        self._next_listener += 1
        self._listeners[key] = (audience, listener)
        self._refresh_player_ids()

        def unsubscribe() -> None:
            if self._listeners.pop(key, None) is not None:
                self._refresh_player_ids()

        return unsubscribe

    @property
    def listener_count(self) -> int:
        """Subscriptions every change is published (and filtered) for."""
        return len(self._listeners)

    def _refresh_player_ids(self) -> None:
        self._player_ids = frozenset(
            audience.player_id for audience, _ in self._listeners.values() if not audience.is_gm
        )

    # -- changing --------------------------------------------------------------------

    async def submit(self, action: Action | Mapping[str, Any], caller: Caller) -> Outcome:
        """Apply (or queue for approval) one action; raise an ActionError if refused.

        ``action`` is a parsed model, or a dict that must also be plain JSON (see
        ``_parsed``); anything else is refused as Invalid.
        """
        parsed = _parsed(action)
        async with self._lock:
            ctx = Context(now_ms=self._clock(), rng=self._rng, make_id=self._make_id)
            if isinstance(parsed, Undo):
                if not caller.is_gm:
                    raise Forbidden("only the GM can undo")
                return await self._undo(ctx)
            compiled = compile_action(self._state, parsed, caller, ctx)
            if parsed.kind == "propose" and SHEET_EDIT not in self._approval_kinds:
                edited = own_sheets_edited(self._state, compiled.ops, caller.player_id)
                if edited is not None:
                    return await self._edit_sheets(compiled, edited, caller, ctx)
            needs_approval = parsed.kind == "propose" or (
                caller.role == "player"
                and parsed.kind in APPROVABLE_KINDS
                and parsed.kind in self._approval_kinds
            )
            if needs_approval:
                return await self._queue(parsed.kind, compiled, caller, ctx)
            meta = {"kind": parsed.kind, "undoable": caller.role == "gm"}
            version = await self._commit(compiled, caller.player_id, ctx, meta)
            return Applied(version, compiled.extra)

    @property
    def _approval_kinds(self) -> list[str]:
        kinds: list[str] = self._state["currentSession"]["gmSettings"]["requireApproval"]
        return kinds

    async def _edit_sheets(
        self, compiled: Compiled, actor_ids: list[str], caller: Caller, ctx: Context
    ) -> Applied:
        """A proposal that only edits the proposer's own sheets, while the table does not
        ask for ``sheet_edit`` approval: applied at once, as the player's change. It is
        tried on their view first, like any proposal, so a refusal says nothing of what
        the GM hides."""
        changes = normalize_ops(compiled.ops)
        check_against_view(self._trial_view(caller.audience), changes)
        names = ", ".join(self._state["actors"][actor_id]["name"] for actor_id in actor_ids)
        edit = Compiled(
            changes,
            f"{caller.name} edited {names}: {compiled.description}",
            mentions=tuple(("actors", actor_id) for actor_id in actor_ids),
        )
        version = await self._commit(edit, caller.player_id, ctx, {"kind": SHEET_EDIT})
        return Applied(version)

    async def join(self, player_id: str, name: str) -> int:
        """Register (first time) and mark a player connected; returns the version."""
        async with self._lock:
            ctx = Context(now_ms=self._clock(), rng=self._rng, make_id=self._make_id)
            action = Join.model_validate({"kind": "join", "playerId": player_id, "name": name})
            compiled = compile_action(self._state, action, SYSTEM_CALLER, ctx)
            return await self._commit(compiled, player_id, ctx, {"kind": "join"})

    async def leave(self, player_id: str) -> int | None:
        """Mark a player disconnected; None if they were not connected."""
        async with self._lock:
            ctx = Context(now_ms=self._clock(), rng=self._rng, make_id=self._make_id)
            try:
                compiled = compile_action(
                    self._state,
                    Leave.model_validate({"kind": "leave", "playerId": player_id}),
                    SYSTEM_CALLER,
                    ctx,
                )
            except Invalid:
                return None
            return await self._commit(compiled, player_id, ctx, {"kind": "leave"})

    async def forget_players(self, player_ids: list[str]) -> int | None:
        """Remove registrations in one change; None if none of them is registered."""
        async with self._lock:
            ctx = Context(now_ms=self._clock(), rng=self._rng, make_id=self._make_id)
            action = ForgetPlayers.model_validate(
                {"kind": "forget_players", "playerIds": player_ids}
            )
            try:
                compiled = compile_action(self._state, action, SYSTEM_CALLER, ctx)
            except Invalid:
                return None
            return await self._commit(compiled, SYSTEM_CALLER.player_id, ctx, {"kind": "forget"})

    async def decide(
        self,
        caller: Caller,
        action_id: str,
        *,
        approve: bool,
        expected_version: int,
        changes: list[Op] | None = None,
        reason: str | None = None,
    ) -> Applied:
        """Approve (optionally with edited changes) or reject a pending proposal.

        Raises Stale when a change after ``expected_version`` wrote a path the approved
        changes write; the proposal then stays in the queue for the GM to look at again.
        """
        if not caller.is_gm:
            raise Forbidden("only the GM decides on proposals")
        # The reason reaches the proposer as it is (a ``decided`` frame); see ``_parsed``.
        _require_plain({"changes": changes, "reason": reason}, "the decision")
        async with self._lock:
            ctx = Context(now_ms=self._clock(), rng=self._rng, make_id=self._make_id)
            queue = self._state["currentSession"]["pendingActions"]
            index = next((i for i, p in enumerate(queue) if p["id"] == action_id), None)
            if index is None:
                raise NotFound(f"there is no pending action {action_id!r}")
            if expected_version > self.version:
                raise Invalid(f"version {expected_version} is in the future")
            pending = queue[index]
            player_name = display_name(self._state, pending["playerId"])
            remove = op("remove", "currentSession", "pendingActions", str(index))
            decision = Decision(action_id, pending["playerId"], approve, reason)
            if not approve:
                compiled = Compiled([remove], f"GM rejected {player_name}'s proposal", mentions=())
                version = await self._commit(
                    compiled, caller.player_id, ctx, {"kind": "decide"}, decision
                )
                await self._tell_proposer(ctx, pending, approved=False, reason=reason)
                return Applied(version)
            # Members an op does not define are ignored (RFC 6902): gone before any check.
            ops = normalize_ops(pending["changes"] if changes is None else changes)
            check_ops_writable(ops)
            self._check_fresh(expected_version, written_paths(ops))
            compiled = Compiled(
                [remove, *ops],
                f"GM approved {player_name}'s proposal: {pending['summary']}",
                mentions=(),
            )
            meta = {"kind": "decide", "undoable": True}
            version = await self._commit(compiled, caller.player_id, ctx, meta, decision)
            await self._tell_proposer(ctx, pending, approved=True, reason=reason)
            return Applied(version)

    async def _tell_proposer(
        self, ctx: Context, pending: Mapping[str, Any], *, approved: bool, reason: str | None
    ) -> None:
        """Also tell the proposer in a whisper, as its own change (never undone with the
        decision): unlike the ``decided`` frame, the chat is part of the campaign, so a
        player who was away when the GM decided still learns of it."""
        verdict = "approved" if approved else "rejected"
        text = f"Your proposal was {verdict}: {pending['summary']}"
        if reason:
            text += f" ({reason})"
        message = {
            "id": ctx.make_id("m"),
            "from": GM_ID,
            "fromName": "GM",
            "text": text[:CHAT_TEXT_LIMIT],
            "to": pending["playerId"],
            "at": ctx.now_ms,
            "roll": None,
        }
        told = Compiled(
            chat_message_ops(self._state, message),
            f"GM told the proposer: {verdict}",
            mentions=(),
        )
        try:
            await self._commit(told, GM_ID, ctx, {"kind": "tell"})
        except ActionError as error:  # the decision itself is already durable
            logger.warning("could not whisper a decision to its proposer: %s", error)

    # -- internals -------------------------------------------------------------------

    def _check_fresh(
        self, since: int, paths: list[tuple[str, ...]], *, skip: frozenset[int] = frozenset()
    ) -> None:
        """Raise Stale if a change after ``since`` (other than ``skip``) wrote ``paths``."""
        later = self.history_since(since)
        if later is not None:
            later = [record for record in later if record.version not in skip]
        if later is None:
            raise Stale(
                f"version {since} is too old to check; look at the action again",
                version=self.version,
                changed_paths=["/"],
            )
        changed = overlapping(paths, (p for record in later for p in written_paths(record.ops)))
        if changed:
            raise Stale(
                f"changed since version {since}: {', '.join(changed[:5])}",
                version=self.version,
                changed_paths=changed,
            )

    async def _queue(self, kind: str, compiled: Compiled, caller: Caller, ctx: Context) -> Queued:
        queue = self._state["currentSession"]["pendingActions"]
        waiting = sum(1 for pending in queue if pending["playerId"] == caller.player_id)
        if waiting >= PENDING_PER_PLAYER_LIMIT:
            raise Invalid(f"you already have {waiting} proposals waiting for the GM")
        changes = normalize_ops(compiled.ops)
        check_proposal(changes, caller.player_id, queue)
        if kind == "propose":  # the player's own ops: tried on what they can see
            check_against_view(self._trial_view(caller.audience), changes)
        else:  # ops the host compiled for an action that needs approval
            self._dry_run(changes)
        action_id = ctx.make_id("act")
        pending = {
            "id": action_id,
            "playerId": caller.player_id,
            "kind": kind,
            "summary": compiled.description,
            "changes": changes,
            "createdAt": ctx.now_ms,
            "version": self.version,
        }
        queued = Compiled(
            [op("add", "currentSession", "pendingActions", "-", value=pending)],
            f"{caller.name} proposed: {compiled.description}",
            mentions=compiled.mentions,
        )
        version = await self._commit(queued, caller.player_id, ctx, {"kind": "propose"})
        return Queued(action_id, version)

    def _trial_view(self, audience: Audience) -> dict[str, Any]:
        """The view a player's proposals are tried on, built once per version: refused
        proposals change nothing, so a stream of them costs one view, not one each."""
        key = (self.version, audience.player_id)
        if self._trial is None or self._trial[0] != key:
            self._trial = (key, view(self._state, audience))
        return self._trial[1]

    def _dry_run(self, ops: list[Op]) -> None:
        """Refuse host-compiled ops that could not be applied now."""
        try_ops(self._state, ops, FULL)

    async def _undo(self, ctx: Context) -> Applied:
        if not self._undo_stack:
            raise Invalid("there is nothing to undo")
        target_version = self._undo_stack[-1]
        target = next(r for r in self._history if r.version == target_version)
        # Changes already undone, and the undos themselves, cancel out.
        cancelled = frozenset(
            version
            for record in self._history
            if (undone := record.meta.get("undoes")) is not None
            for version in (undone, record.version)
        )
        self._check_fresh(target_version, written_paths(target.ops), skip=cancelled)
        named = target.meta.get("mentions")
        compiled = Compiled(
            [_requeue_at_end(change) for change in target.inverse],
            f"GM undid: {target.description}",
            mentions=None if named is None else tuple((c, i) for c, i in named),
        )
        meta = {"kind": "undo", "undoes": target_version}
        return Applied(await self._commit(compiled, "gm", ctx, meta))

    async def _commit(
        self,
        compiled: Compiled,
        by: str,
        ctx: Context,
        meta: dict[str, Any],
        decision: Decision | None = None,
    ) -> int:
        """Apply, validate, journal and publish one change; all or nothing."""
        state = self._state
        version = self.version + 1
        if version > MAX_VERSION:
            raise Invalid("the campaign has reached the largest version a campaign can have")
        # What is journaled and broadcast is exactly what is applied: each op's own members.
        ops = normalize_ops(compiled.ops)
        filters = AudienceFilters(state, self._player_ids)
        scopes: dict[Scope, None] = {}
        mentions = compiled.mentions
        # Players read the description only if it names nothing they could not see,
        # before or after the change; judged once here, not in every handler.
        told = self._readers(mentions)

        def around(_: int, change: Op) -> Callable[[], None] | None:
            for scope in scopes_written(change):
                scopes.setdefault(scope)
            return filters.around(change)

        try:
            inverse = apply_patch(state, ops, around_op=around)
        except PatchError as error:
            raise Invalid(error.message) from None
        entry = {
            "version": version,
            "by": by,
            "description": compiled.description,
            "at": ctx.now_ms,
        }
        log_ops = [op("add", "changeLog", "-", value=entry)]
        if len(state["changeLog"]) >= CHANGE_LOG_LIMIT:
            log_ops.append(op("remove", "changeLog", "0"))
        try:
            check_scopes(state, scopes)
            # Players never see the change log, so its ops skip their filters.
            log_inverse = apply_patch(state, log_ops)
        except BaseException:
            restore(state, inverse)
            raise
        grows = change_bytes(ops, inverse)  # the change log is a bounded ring: left out
        try:
            self._size.admit(grows, str(meta.get("kind")))
        except CampaignFull:
            restore(state, log_inverse + inverse)
            raise
        told = told & self._readers(mentions)
        if mentions is not None and meta.get("undoable"):  # "GM undid: ..." names them too
            meta = {**meta, "mentions": [list(ref) for ref in mentions]}
        previous_modified = state["lastModified"]
        state["version"], state["lastModified"] = version, ctx.now_ms
        record = JournalRecord(
            version, ops + log_ops, inverse, by, compiled.description, ctx.now_ms, meta
        )
        # An append committed on the spot comes back done: this await does not yield.
        failure, cancelled = await _journal_outcome(_start_journal(self._persist, record))
        if failure is not None:
            restore(state, log_inverse + inverse)
            state["version"], state["lastModified"] = version - 1, previous_modified
            if self._settled is not None:
                self._settled(record, False)
            if cancelled or not isinstance(failure, Exception):
                raise asyncio.CancelledError() from failure
            logger.error("could not journal version %d: %s", version, failure)
            raise PersistenceFailed(_unsaved_reason(failure)) from failure
        if self._settled is not None:
            self._settled(record, True)
        self._size.record(version, grows)
        self._remember(record)
        self._publish(record, filters, decision, quiet=compiled.quiet, told=told)
        if cancelled:
            raise asyncio.CancelledError()
        return version

    def _readers(self, mentions: tuple[tuple[str, str], ...] | None) -> frozenset[str]:
        """The listening players who may read a description naming ``mentions`` now."""
        if mentions is None:
            return frozenset()
        return readers(self._state, mentions, self._player_ids)

    def _remember(self, record: JournalRecord) -> None:
        self._history.append(record)
        undoes = record.meta.get("undoes")
        if undoes is not None:
            self._undo_stack.remove(undoes)
        elif record.meta.get("undoable"):
            self._undo_stack.append(record.version)
        oldest = self._history[0].version
        self._undo_stack = [v for v in self._undo_stack if v >= oldest]

    def _publish(
        self,
        record: JournalRecord,
        filters: AudienceFilters,
        decision: Decision | None,
        *,
        quiet: bool,
        told: frozenset[str],
    ) -> None:
        description = None if quiet else record.description
        full = Published(record.version, record.ops, record.by, description, decision)
        per_player = {
            player_id: Published(
                record.version,
                f.result.ops,
                None if f.result.redacted else record.by,
                None if f.result.redacted or player_id not in told else description,
                decision if decision and decision.player_id == player_id else None,
            )
            for player_id, f in filters.by_player.items()
        }
        for audience, listener in list(self._listeners.values()):
            try:
                listener(full if audience.is_gm else per_player[audience.player_id])
            except Exception:
                logger.exception("a subscriber failed on version %d", record.version)


def _unsaved_reason(error: BaseException) -> str:
    """What the sender of a change that was not saved is told: the disk's own reason
    (full, read-only...) when the store gave one, never a traceback."""
    if isinstance(error, StorageError):
        return f"the change was not saved: {error}"
    return "the change could not be saved; try again"


def _parsed(action: object) -> Action:
    """The action as a model; Invalid for anything else.

    A model passes as it is: the connection parses its frames' actions, and the frame
    decoder has already refused what is not plain JSON. A dict from the process (the GM
    app) has met no decoder, so it is checked here: pydantic would carry a lone surrogate
    or NaN into a handler, and encoding it there fails with no refusal to show for it.
    """
    if isinstance(action, Mapping):
        _require_plain(action, "the action")
        action = dict(action)
    return parse_action(action)


def _require_plain(value: object, what: str) -> None:
    try:
        check_plain(value, max_depth=MAX_DOCUMENT_DEPTH)
    except NotPlainJson as error:
        raise Invalid(f"{what} is not valid: {error}") from None


_QUEUE_PATH = "/currentSession/pendingActions/"


def _requeue_at_end(change: Op) -> Op:
    """Undoing a decision puts the proposal back at the end of the queue, wherever it was."""
    if change["op"] == "add" and change["path"].startswith(_QUEUE_PATH):
        return {**change, "path": _QUEUE_PATH + "-"}
    return change


def _undo_stack(history: Iterable[JournalRecord]) -> list[int]:
    stack: list[int] = []
    for record in history:
        undoes = record.meta.get("undoes")
        if undoes is not None and undoes in stack:
            stack.remove(undoes)
        elif record.meta.get("undoable"):
            stack.append(record.version)
    return stack
