"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from vtt_host.client import Client


@pytest.fixture
async def clients() -> AsyncIterator[list[Client]]:
    """Clients a test opens and wants closed, whatever happens."""
    opened: list[Client] = []
    yield opened
    for client in opened:
        await client.close()
