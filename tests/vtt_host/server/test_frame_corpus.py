"""Replay the frame corpus (tests/corpus/frames/*.json) against a real host.

Each file is one frame someone sent, or could send, and what the host must answer:
values JSON cannot carry (1e400, NaN, lone surrogates, deep nesting, duplicate keys)
and the plain JSON right at their edges. Whatever the answer, a refused frame changes
nothing, every frame the host sends is strict JSON, and the next welcome is too. Add a
file when a new input breaks something (``sendAs``: ``first`` for a first frame,
``gm`` or ``player`` for a frame after the hello).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from tests.jsonvalues import lenient, plain_text
from vtt_host.live import LiveCampaign
from vtt_host.server import Host

from .conftest import close_code, comparable, hello, raw

CORPUS = {
    path.stem: json.loads(path.read_text())
    for path in sorted((Path(__file__).parents[2] / "corpus" / "frames").glob("*.json"))
}
ANSWERS = frozenset({"ack", "error", "action_retry", "pong"})


def strict(text: str | bytes) -> dict[str, Any]:
    """A frame as a strict reader sees it; fails on anything that is not plain JSON."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")

    def refuse(constant: str) -> None:
        raise AssertionError(f"the host sent {constant}")

    frame: dict[str, Any] = json.loads(text, parse_constant=refuse)
    assert plain_text(lenient(text), 10_000), "the host sent a frame that is not plain JSON"
    return frame


async def answer_to(ws: ClientConnection) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The answer to the frame just sent, and the patches that came before it."""
    patches = []
    async with asyncio.timeout(10):
        while True:
            frame = strict(await ws.recv())
            if frame["type"] in ANSWERS:
                return frame, patches
            patches.append(frame)


def document(campaign: LiveCampaign) -> dict[str, Any]:
    return comparable(campaign.manager.state)


@pytest.mark.parametrize("case", list(CORPUS))
async def test_frame_from_the_corpus(host: Host, campaign: LiveCampaign, case: str) -> None:
    spec = CORPUS[case]
    expect = spec["expect"]
    ws = await raw(host)
    if spec["sendAs"] == "first":
        before = document(campaign)
        await ws.send(spec["frame"])
        assert await close_code(ws) == expect["close"]
        assert document(campaign) == before
    else:
        credentials = (
            {"gmToken": host.gm_token()}
            if spec["sendAs"] == "gm"
            else {"name": "Alice", "code": host.join_code()}
        )
        assert (await hello(ws, **credentials))["type"] == "welcome"
        await ws.send('{"type":"ping","id":"settled"}')  # after the join, if any
        await answer_to(ws)
        before, version = document(campaign), campaign.manager.version

        await ws.send(spec["frame"])
        answer, patches = await answer_to(ws)

        assert {key: answer.get(key) for key in expect if key != "ops"} == {
            key: value for key, value in expect.items() if key != "ops"
        }, answer.get("message")
        if answer.get("status") == "applied":
            assert campaign.manager.version == version + 1
            if "ops" in expect:  # what was broadcast is what was applied
                assert patches[-1]["ops"][: len(expect["ops"])] == expect["ops"]
        else:
            assert campaign.manager.version == version
            assert document(campaign) == before
        await ws.close()
    await a_new_gm_is_welcomed_with_strict_json(host, campaign)


async def a_new_gm_is_welcomed_with_strict_json(host: Host, campaign: LiveCampaign) -> None:
    ws = await raw(host)
    await ws.send(json.dumps({"type": "hello", "protocol": 1, "gmToken": host.gm_token()}))
    async with asyncio.timeout(10):
        welcome = strict(await ws.recv())
    await ws.close()
    assert comparable(welcome["state"]) == document(campaign)
