from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from storage import JournalRecord, Store


def state_bytes(campaign_id: str = "c1", version: int = 0, **extra: Any) -> bytes:
    doc = {"id": campaign_id, "version": version, "campaign": {"name": "Test"}, "tokens": {}}
    doc.update(extra)
    return json.dumps(doc).encode()


def move(version: int, x: int = 1, by: str = "p1") -> JournalRecord:
    """A token-move-sized record."""
    return JournalRecord(
        version=version,
        ops=[{"op": "add", "path": f"/tokens/t{version}", "value": {"x": x, "y": version}}],
        inverse=[{"op": "remove", "path": f"/tokens/t{version}"}],
        by=by,
        description=f"move {version}",
        at_ms=1_700_000_000_000 + version,
        meta={"n": version},
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(tmp_path)
    yield s
    await s.close()
