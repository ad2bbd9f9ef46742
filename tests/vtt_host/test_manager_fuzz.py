"""Arbitrary values through the frame decoder and ``StateManager.submit``, player and GM.

Whatever an action carries (NaN, 1e400, integers past a double, lone surrogates, deep
nesting, members an op does not define) and however it arrives (a frame's text, or a
dict from the GM app), the host answers with one of its own errors or applies it; a
refusal changes nothing, not even the version; and everything it would send (patches,
acks, error frames, welcomes) and journal is strict JSON.
"""

from __future__ import annotations

import asyncio
import copy
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage import JournalRecord
from storage.records import encode_record
from tests.jsonvalues import ANY_TEXT, VALUES, lenient, plain_text
from tests.vtt_host.conftest import caller, ids, table_state
from vtt_host.actions import GM_CALLER, Caller, parse_action
from vtt_host.errors import ActionError
from vtt_host.manager import Applied, Published, StateManager
from vtt_host.server import frames
from vtt_host.server.frames import BadFrame, NotPlainFrame
from vtt_host.snapshots import SnapshotEncoder
from vtt_host.views import GM, player

TABLE = table_state()
HERO = next(a["id"] for a in TABLE["actors"].values() if a.get("owner") == "p1")
MAP = next(iter(TABLE["maps"]))
PLAYER = caller("p1")

PATHS = st.sampled_from(
    [
        "/campaign/settings/k",
        "/campaign/description",
        f"/actors/{HERO}/pluginData/k",
        f"/actors/{HERO}/hp/current",
        f"/actors/{HERO}/hp",
        f"/currentSession/tokenPositions/{HERO}",
        f"/maps/{MAP}/lighting/k",
        "/campaign/settings/\ud800",
        "/campaign/settings/a~2",
        "/campaign/settings" + "/k" * 130,
    ]
)
OPS = st.builds(
    lambda name, path, value, extra: {"op": name, "path": path, "value": value, **extra},
    st.sampled_from(["add", "replace", "test", "add"]),
    PATHS,
    VALUES,
    st.dictionaries(st.sampled_from(["from", "xyz"]), VALUES, max_size=1),
)


def actions(value: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Actions of every shape a value can hide in."""
    return st.one_of(
        st.builds(lambda v: {"kind": "move_token", "tokenId": HERO, "x": v, "y": 1}, value),
        st.builds(lambda v: {"kind": "chat", "text": v}, value | ANY_TEXT),
        st.builds(lambda v: {"kind": "roll", "expr": "1d20", "label": v}, value | ANY_TEXT),
        st.builds(lambda op: {"kind": "propose", "summary": "s", "changes": [op]}, OPS),
        st.builds(lambda ops: {"kind": "patch", "ops": ops}, st.lists(OPS, min_size=1, max_size=3)),
        st.builds(
            lambda v: {"kind": "create_actor", "data": {"name": "Wolf", "pluginData": {"k": v}}},
            value,
        ),
        st.builds(
            lambda field, v: {"kind": "update_actor", "id": HERO, "set": {field: v}},
            st.sampled_from(["pluginData", "hp", "initiativeBonus", "name"]),
            value,
        ),
        value,  # no action at all
    )


def strict(text: str) -> None:
    """What any reader can read: UTF-8, no NaN or infinities, plain JSON throughout."""
    text.encode("utf-8")
    assert plain_text(lenient(text), 10_000), text[:200]


class Table:
    """A manager with a real journal encoder and subscribers building real frames."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.manager = StateManager(
            copy.deepcopy(TABLE),
            persist=self._journal,
            rng=random.Random(1),
            make_id=ids("f"),
            clock=lambda: 9_000,
        )
        for audience in (GM, player("p1"), player("p2")):
            self.manager.subscribe(audience, self._send_patch)

    async def _journal(self, record: JournalRecord) -> None:
        row = encode_record("c_test", record)  # raises for anything a journal cannot hold
        for column in (row.ops, row.inverse, row.meta):
            strict(column)

    def _send_patch(self, published: Published) -> None:
        try:
            strict(frames.patch(published.version, published.ops, published.by, None))
            strict(json.dumps(published.description or ""))
        except Exception as error:  # the manager swallows listener errors: keep them
            self.problems.append(f"v{published.version}: {error!r}")

    async def submit(self, action: Any, who: Caller) -> str:
        """Submit in process; the ack the sender would get (its text)."""
        state = self.manager.state
        before, version = copy.deepcopy(dict(state)), self.manager.version
        try:
            outcome = await self.manager.submit(action, who)
        except ActionError as error:
            refused = error
        else:
            refused = None
        if refused is not None:
            assert refused.code != "unavailable", f"could not journal: {refused.message}"
            assert self.manager.version == version
            assert dict(state) == before
            return frames.ack_rejected("f1", refused.code, refused.message)
        if isinstance(outcome, Applied):
            return frames.ack_applied("f1", outcome.version)
        return frames.ack_pending("f1", outcome.action_id, outcome.version)

    async def receive(self, text: str, who: Caller) -> str:
        """A frame from the socket: decoded, then submitted; the answer the host sends."""
        version, state = self.manager.version, copy.deepcopy(dict(self.manager.state))
        try:
            frame = frames.parse_frame(text)
        except BadFrame as error:
            return self._refuse(error, version, state)
        assert isinstance(frame, frames.ActionFrame)
        try:  # as the connection does: the decoder's output, parsed before submitting
            action = parse_action(frame.action)
        except ActionError as refused:
            return frames.ack_rejected("f1", refused.code, refused.message)
        return await self.submit(action, who)

    def _refuse(self, refused: BadFrame, version: int, state: dict[str, Any]) -> str:
        assert self.manager.version == version
        assert dict(self.manager.state) == state
        if isinstance(refused, NotPlainFrame) and refused.answered_with_ack:
            return frames.ack_rejected(refused.frame_id, refused.code, refused.message)
        return frames.error(refused.code, refused.message, refused.frame_id)

    def check_welcomes(self) -> None:
        encoder = SnapshotEncoder(dict(self.manager.state))
        whole = b"".join(encoder.pieces_now()[1]).decode()
        strict(whole)
        assert json.loads(whole) == self.manager.state
        strict(b"".join(encoder.view_pieces(player("p1"))).decode())
        assert not self.problems, self.problems


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop


async def one_case(action: Any, who: Caller, ascii_only: bool) -> None:
    table = Table()
    strict(await table.submit(copy.deepcopy(action), who))
    strict(await table.receive(as_frame(action, ascii_only), who))
    table.check_welcomes()


def as_frame(action: Any, ascii_only: bool) -> str:
    """The text a careless client would send (Python writes NaN, Infinity, surrogates)."""
    return json.dumps({"type": "action", "id": "f1", "action": action}, ensure_ascii=ascii_only)


@given(actions(VALUES), st.booleans())
def test_a_player_sending_any_value_gets_an_answer_and_never_breaks_the_table(
    runner: asyncio.Runner, action: Any, ascii_only: bool
) -> None:
    runner.run(one_case(action, PLAYER, ascii_only))


@given(actions(VALUES), st.booleans())
def test_the_gm_sending_any_value_gets_an_answer_and_never_breaks_the_table(
    runner: asyncio.Runner, action: Any, ascii_only: bool
) -> None:
    runner.run(one_case(action, GM_CALLER, ascii_only))
