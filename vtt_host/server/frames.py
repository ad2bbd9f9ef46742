"""The wire codec: strict models for client frames, builders for server frames.

Pure: text in, models or text out (a welcome's view stays in UTF-8 pieces). Client
frames must be plain JSON (docs/protocol.md "Limits": finite numbers that fit a double, valid
Unicode, at most 64 levels of nesting; and unique keys) and reject unknown fields
("Unknown fields are rejected, not ignored"); the first frame's failures map to close
codes, later frames' to ``error`` frames or rejected acks, and the caller decides which
applies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from storage import NotPlainJson, check_plain, load_plain
from vtt_host.schema import Id, JsonPatchOp

PROTOCOL_VERSION = 1
MAX_FRAME_DEPTH = 64
"""Levels of nesting in a client frame, the frame object itself being level 1."""

FRAME_ID_MAX_CHARS = 128
FrameId = Annotated[str, StringConstraints(min_length=1, max_length=FRAME_ID_MAX_CHARS)]
Credential = Annotated[str, StringConstraints(min_length=1, max_length=256)]
PlayerName = Annotated[str, StringConstraints(min_length=1, max_length=256)]
"""Checked and normalised by ``vtt_host.names`` at admission, which says what is wrong."""
Reason = Annotated[str, StringConstraints(max_length=500)]


class BadFrame(Exception):
    """A frame that is not valid JSON or not a valid client frame."""

    code = "bad_message"
    """The ``error`` code a frame after the hello is answered with."""

    def __init__(self, message: str, *, frame_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.frame_id = frame_id


class NotPlainFrame(BadFrame):
    """JSON carrying values plain JSON cannot (1e400, lone surrogates, deep nesting).

    Refused as ``invalid`` (docs/protocol.md "Limits"). ``frame_type`` is the frame's type when
    it could still be read, so an action or a decision is answered with its ``ack``.
    """

    code = "invalid"

    def __init__(
        self, message: str, *, frame_id: str | None = None, frame_type: str | None = None
    ) -> None:
        super().__init__(message, frame_id=frame_id)
        self.frame_type = frame_type

    @property
    def answered_with_ack(self) -> bool:
        """An action with an id, or a decision, gets its one ``ack`` even when refused."""
        return self.frame_type == "decide" or (
            self.frame_type == "action" and self.frame_id is not None
        )


class UnsupportedProtocol(BadFrame):
    """A hello asking for a protocol version this host does not speak (close 4002)."""


class Frame(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        validate_by_name=False,
        validate_by_alias=True,
        frozen=True,
    )


class Hello(Frame):
    type: Literal["hello"]
    protocol: int
    name: PlayerName | None = None
    code: Credential | None = None
    gm_token: Credential | None = None
    gm_ticket: Credential | None = None
    """Extension: a one-time ticket from the GM's link, for the GM's own browser."""
    resume: Credential | None = None
    since: Annotated[int, Field(ge=0)] | None = None
    campaign: Credential | None = None
    recovery: Credential | None = None
    """Extension: the player's recovery code, with ``code`` and their name, to come in
    from a new device without waiting for the GM."""

    @model_validator(mode="after")
    def _one_credential(self) -> Hello:
        credentials = (self.code, self.gm_token, self.gm_ticket, self.resume)
        given = [c for c in credentials if c is not None]
        if len(given) != 1:
            raise ValueError("a hello carries exactly one of code, gmToken, gmTicket, resume")
        if self.code is not None and self.name is None:
            raise ValueError("joining with a code needs a name")
        if self.since is not None and self.resume is None:
            raise ValueError("since goes with resume")
        if self.recovery is not None and self.code is None:
            raise ValueError("recovery goes with code and name")
        return self


class ActionFrame(Frame):
    type: Literal["action"]
    id: FrameId
    action: dict[str, Any]


class DecideFrame(Frame):
    type: Literal["decide"]
    id: FrameId | None = None
    action_id: Id
    approve: bool
    expected_version: Annotated[int, Field(ge=0)]
    changes: Annotated[list[dict[str, Any]], Field(max_length=1000)] | None = None
    reason: Reason | None = None

    @model_validator(mode="after")
    def _changes_are_ops(self) -> DecideFrame:
        for change in self.changes or ():
            JsonPatchOp.model_validate(change)
        return self


class RotateCodeFrame(Frame):
    """GM only (extension): replace the join code; answered with ``join_code``."""

    type: Literal["rotate_code"]
    id: FrameId | None = None


class KickFrame(Frame):
    """GM only (extension): close a player's connections and void their sessions."""

    type: Literal["kick"]
    id: FrameId | None = None
    player_id: Id


class DecideClaimFrame(Frame):
    """GM only (extension): let a claimant in as the player they named, or refuse."""

    type: Literal["decide_claim"]
    id: FrameId | None = None
    claim_id: Id
    approve: bool


class PingFrame(Frame):
    """Anyone (extension): answered with ``pong``; an application-level round trip."""

    type: Literal["ping"]
    id: FrameId | None = None


MapCoordinate = Annotated[float, Field(ge=0, allow_inf_nan=False)]
"""Cell units on the current map; its far bounds are checked against the map itself."""


class MapPingFrame(Frame):
    """Anyone (extension): "look here" on the current map; passed on, never stored."""

    type: Literal["map_ping"]
    id: FrameId | None = None
    x: MapCoordinate
    y: MapCoordinate


ClientFrame = Annotated[
    ActionFrame
    | DecideFrame
    | RotateCodeFrame
    | KickFrame
    | DecideClaimFrame
    | PingFrame
    | MapPingFrame,
    Field(discriminator="type"),
]
_CLIENT_FRAME: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)
GM_FRAME_TYPES = frozenset({"rotate_code", "kick", "decide_claim"})


def load_object(text: str | bytes) -> dict[str, Any]:
    """Parse one frame's JSON object; BadFrame for anything else (binary, arrays, not JSON),
    NotPlainFrame for JSON that is not plain."""
    if isinstance(text, bytes):
        raise BadFrame("frames are text, one JSON object each")
    try:
        data = load_plain(text, max_depth=MAX_FRAME_DEPTH)
    except NotPlainJson as error:
        frame_type, frame_id = _head_of(text)
        raise NotPlainFrame(
            f"the frame is not plain JSON: {error}", frame_id=frame_id, frame_type=frame_type
        ) from None
    except ValueError:
        raise BadFrame("the frame is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadFrame("a frame is a JSON object")
    return data


def _ignore(_: str) -> None:
    return None


_decode_leniently = json.JSONDecoder(
    parse_float=_ignore, parse_int=_ignore, parse_constant=_ignore
).decode


def _head_of(text: str) -> tuple[str | None, str | None]:
    """A refused frame's type and id, read leniently, so the answer can name it.

    Runs only for refused frames; an id that is not itself plain is not echoed.
    """
    try:
        data = _decode_leniently(text)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    frame_type, frame_id = data.get("type"), data.get("id")
    return (
        frame_type if isinstance(frame_type, str) and _echoable(frame_type) else None,
        frame_id if isinstance(frame_id, str) and _echoable(frame_id) else None,
    )


def _echoable(text: str) -> bool:
    try:
        check_plain(text, max_depth=0)
    except NotPlainJson:
        return False
    return len(text) <= FRAME_ID_MAX_CHARS


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def parse_hello(text: str | bytes) -> Hello:
    """The first frame; UnsupportedProtocol (4002) or BadFrame (4003) if it is not one."""
    data = load_object(text)
    if data.get("type") != "hello":
        raise BadFrame("the first frame must be a hello")
    protocol = data.get("protocol")
    if (
        isinstance(protocol, int)
        and not isinstance(protocol, bool)
        and protocol != PROTOCOL_VERSION
    ):
        raise UnsupportedProtocol(f"this host speaks protocol {PROTOCOL_VERSION}")
    try:
        return Hello.model_validate(data, strict=True)
    except ValidationError as error:
        raise BadFrame(_describe(error)) from None


def parse_frame(text: str | bytes) -> ClientFrame:
    """A frame after the hello; BadFrame (carrying the frame's id if any) otherwise."""
    data = load_object(text)
    frame_id = data.get("id") if isinstance(data.get("id"), str) else None
    try:
        return _CLIENT_FRAME.validate_python(data, strict=True)
    except ValidationError as error:
        raise BadFrame(_describe(error), frame_id=frame_id) from None


# -- server frames -------------------------------------------------------------------


_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def dump(frame: dict[str, Any]) -> str:
    """Compact JSON text of a server frame (one encoder: ``json.dumps`` with options
    builds a new one per call)."""
    return _encode(frame)


@dataclass(frozen=True, slots=True)
class LargeFrame:
    """One frame's UTF-8 JSON as pieces, never joined: a welcome carrying a full view.

    A view may be megabytes; joining, decoding and re-encoding it cost several copies
    of it on the event loop. The pieces go to the socket as they are, regrouped into
    the fragments of one text message.
    """

    pieces: list[bytes]
    size: int
    """Bytes in all pieces together (what the send queue counts)."""

    @classmethod
    def of(cls, pieces: list[bytes]) -> LargeFrame:
        return cls(pieces, sum(map(len, pieces)))


ServerFrame = str | LargeFrame
"""A frame for the socket: JSON text, or a large frame's pieces."""


def welcome(
    *,
    player_id: str,
    role: str,
    session: str,
    campaign: str,
    version: int,
    state: list[bytes] | None,
    extra: dict[str, Any] | None = None,
) -> ServerFrame:
    """The welcome frame; the view arrives already serialized (it may be megabytes).

    With a view it is a ``LargeFrame`` around the view's pieces; a resume's welcome
    (``state`` null) is plain text.
    """
    head = dump(
        {
            "type": "welcome",
            "playerId": player_id,
            "role": role,
            "session": session,
            "campaign": campaign,
            "version": version,
            **(extra or {}),
        }
    )
    if state is None:
        return f'{head[:-1]},"state":null}}'
    return LargeFrame.of([f'{head[:-1]},"state":'.encode(), *state, b"}"])


def patch(version: int, ops: list[Any], by: str | None, description: str | None) -> str:
    frame: dict[str, Any] = {"type": "patch", "version": version, "ops": ops}
    if by is not None:
        frame["by"] = by
    if description is not None:
        frame["description"] = description
    return dump(frame)


def decided(action_id: str, approved: bool, reason: str | None) -> str:
    frame: dict[str, Any] = {"type": "decided", "actionId": action_id, "approved": approved}
    if reason is not None:
        frame["reason"] = reason
    return dump(frame)


def ack_applied(frame_id: str | None, version: int, extra: dict[str, Any] | None = None) -> str:
    return dump(
        {"type": "ack", "id": frame_id, "status": "applied", "version": version, **(extra or {})}
    )


def ack_pending(frame_id: str | None, action_id: str, version: int) -> str:
    return dump(
        {
            "type": "ack",
            "id": frame_id,
            "status": "pending",
            "actionId": action_id,
            "version": version,
        }
    )


def ack_rejected(frame_id: str | None, error: str, message: str) -> str:
    return dump(
        {"type": "ack", "id": frame_id, "status": "rejected", "error": error, "message": message}
    )


def action_retry(
    frame_id: str | None, action_id: str, version: int, changed_paths: list[str]
) -> str:
    return dump(
        {
            "type": "action_retry",
            "id": frame_id,
            "actionId": action_id,
            "version": version,
            "changedPaths": changed_paths,
        }
    )


def error(code: str, message: str, frame_id: str | None = None) -> str:
    frame: dict[str, Any] = {"type": "error", "error": code, "message": message}
    if frame_id is not None:
        frame["id"] = frame_id
    return dump(frame)


def claim_pending(timeout_s: float) -> str:
    """To a claimant: the GM is asked; the welcome (or a 4001 close) follows."""
    return dump({"type": "claim_pending", "timeoutMs": round(timeout_s * 1000)})


def claim(claim_id: str, player_id: str, name: str, address: str, seconds_left: float) -> str:
    """To GM connections: someone asks to come in as this player."""
    return dump(
        {
            "type": "claim",
            "claimId": claim_id,
            "playerId": player_id,
            "name": name,
            "address": address,
            "expiresInMs": round(seconds_left * 1000),
        }
    )


def claim_ended(claim_id: str, outcome: str) -> str:
    """To GM connections: the claim is decided, expired or withdrawn."""
    return dump({"type": "claim_ended", "claimId": claim_id, "outcome": outcome})


def reply(type_: str, frame_id: str | None, **fields: Any) -> str:
    """A reply to an extension frame (``pong``, ``join_code``, ``kicked``)."""
    frame: dict[str, Any] = {"type": type_, **fields}
    if frame_id is not None:
        frame["id"] = frame_id
    return dump(frame)
