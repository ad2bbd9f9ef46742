"""Real campaigns in a real data dir, and the GM app driven by Pilot.

``table_campaign`` writes a campaign with fixed ids and times (players, a running
encounter, proposals, chat), so snapshots come out the same on every run.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from tui.app import GmApp
from tui.config import AppConfig
from vtt_host.client import Client
from vtt_host.demo import demo_state
from vtt_host.dice import roll
from vtt_host.library import Library
from vtt_host.schema import validate_state

CAMPAIGN_ID = "c_table"
FIXED_MS = 1_764_072_000_000  # 2025-11-25 12:00:00 UTC
READY_TIMEOUT_S = 15.0


@pytest.fixture(autouse=True, scope="session")
def _utc_clock() -> None:
    """Times on screen are local: pin the zone so snapshots do not depend on it."""
    os.environ["TZ"] = "UTC"
    time.tzset()


@pytest.fixture(autouse=True)
def _steady_cursors(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor is drawn or not by the clock: keep it shown, so a snapshot
    of a focused text box is the same picture on every run."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


def fixed_ids() -> Callable[[str], str]:
    counter = itertools.count(1)
    return lambda prefix: f"{prefix}_{next(counter):02d}"


def actor_id(state: Any, name: str) -> str:
    return str(next(a["id"] for a in state["actors"].values() if a["name"] == name))


def table_state() -> dict[str, Any]:
    """The sample campaign mid-session: two players, a fight in round 2, two proposals."""
    state = demo_state(CAMPAIGN_ID, now_ms=FIXED_MS, make_id=fixed_ids())
    thorin, elara, pip = (actor_id(state, name) for name in ("Thorin", "Elara", "Pip"))
    goblin, boss = actor_id(state, "Goblin 1"), actor_id(state, "Goblin Boss")
    state["players"] = {
        "p_alice": {"id": "p_alice", "name": "Alice", "joinedAt": FIXED_MS},
        "p_bob": {"id": "p_bob", "name": "Bob", "joinedAt": FIXED_MS},
    }
    state["actors"][thorin]["owner"] = "p_alice"
    state["actors"][elara]["owner"] = "p_bob"
    state["actors"][thorin]["conditions"] = [{"name": "Poisoned", "rounds": 3, "note": ""}]
    state["actors"][thorin]["hp"]["current"] = 9
    state["actors"][elara]["hp"]["current"] = 4
    encounter = next(iter(state["encounters"].values()))
    encounter["status"] = "active"
    session = state["currentSession"]
    order = [(pip, 19), (goblin, 15), (thorin, 12), (elara, 8)]
    session["initiative"] = [{"actorId": a, "value": v} for a, v in order]
    session["activeEncounterId"] = encounter["id"]
    session["round"], session["turn"] = 2, 2
    session["connectedPlayers"] = [{"playerId": "p_alice", "name": "Alice", "since": FIXED_MS}]
    session["pendingActions"] = [
        {
            "id": "act_01",
            "playerId": "p_bob",
            "kind": "propose",
            "summary": "Elara drinks a Potion of Healing",
            "changes": [{"op": "replace", "path": f"/actors/{elara}/hp/current", "value": 9}],
            "createdAt": FIXED_MS + 60_000,
            "version": 11,
        },
        {
            "id": "act_02",
            "playerId": "p_alice",
            "kind": "propose",
            "summary": "Thorin shoves Goblin 1 back",
            "changes": [
                {
                    "op": "replace",
                    "path": f"/currentSession/tokenPositions/{goblin}",
                    "value": {"x": 15, "y": 7},
                },
                {"op": "replace", "path": f"/actors/{thorin}/hp/current", "value": 7},
            ],
            "createdAt": FIXED_MS + 90_000,
            "version": 12,
        },
    ]
    dice = roll("1d20+3", random.Random(4))
    session["chatMessages"] = [
        _chat("m_1", "p_alice", "Alice", "I check the treeline.", None, 0),
        _chat("m_2", "gm", "GM", "You hear something heavy move.", "p_alice", 1),
        {
            **_chat("m_3", "p_bob", "Bob", f"Perception: {dice.describe()}", None, 2),
            "roll": {**dice.to_json(), "label": "Perception"},
        },
    ]
    state["changeLog"] = [
        {"version": v, "by": by, "description": text, "at": FIXED_MS + v * 1000}
        for v, by, text in (
            (10, "gm", "GM started the encounter Ambush at the Crossroads"),
            (11, "p_bob", "Bob proposed: Elara drinks a Potion of Healing"),
            (12, "p_alice", "Alice proposed: Thorin shoves Goblin 1 back"),
        )
    ]
    state["version"] = 12
    assert state["actors"][boss]["hidden"]
    return validate_state(state)


def _chat(
    message_id: str, sender: str, name: str, text: str, to: str | None, minute: int
) -> dict[str, Any]:
    return {
        "id": message_id,
        "from": sender,
        "fromName": name,
        "text": text,
        "to": to,
        "at": FIXED_MS + minute * 60_000,
        "roll": None,
    }


async def write_campaign(data_dir: Path, state: dict[str, Any]) -> None:
    library = await Library.open(data_dir)
    try:
        await library.add_state(state)
    finally:
        await library.close()


@pytest.fixture
def table_dir(tmp_path: Path) -> Path:
    """A data dir holding ``table_state()`` (written outside any test loop)."""
    data_dir = tmp_path / "data"
    asyncio.run(write_campaign(data_dir, table_state()))
    return data_dir


def serving_config(data_dir: Path, **options: Any) -> AppConfig:
    """Serve on a free loopback port, without the LAN announcement."""
    options.setdefault("host", "127.0.0.1")
    options.setdefault("port", 0)
    options.setdefault("announce", False)
    options.setdefault("lan_address", "127.0.0.1")
    return AppConfig(data_dir=data_dir, **options)


async def wait_ready(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, GmApp)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not app.ready:
        assert time.monotonic() < deadline, "the app did not open a campaign in time"
        await pilot.pause(0.02)
    await pilot.pause()


async def until(pilot: Pilot[Any], check: Callable[[], bool], what: str) -> None:
    """Let the app run until ``check()`` holds."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)


async def join(app: GmApp, clients: list[Client], name: str, **options: Any) -> Client:
    """A player joining the app's host over a real socket with the shown join code."""
    host = app.session.host
    code = app.session.join_code()
    assert host is not None
    assert code is not None
    client = await Client.connect(host.local_url, name=name, code=code, **options)
    clients.append(client)
    return client


def table_app(data_dir: Path, **options: Any) -> GmApp:
    """The GM app over ``data_dir`` without a network host (nothing to join)."""
    return GmApp(AppConfig(data_dir=data_dir, serve=False, announce=False, **options))


def log_text(log: Any) -> list[str]:
    """The lines a RichLog (chat, change log) shows, as plain text."""
    return [strip.text.rstrip() for strip in log.lines]
