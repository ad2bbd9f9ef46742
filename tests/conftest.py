"""Fixtures shared by every test package, and the hypothesis profiles.

``HYPOTHESIS_PROFILE`` picks the profile: ``ci`` (the default) keeps the suite quick;
``full`` generates many more cases, for a long fuzzing run before a release, e.g.
``HYPOTHESIS_PROFILE=full python -m pytest tests/storage/test_plainjson.py
tests/vtt_host/server/test_frames.py tests/vtt_host/test_manager_fuzz.py``. Tests that
pin ``max_examples`` themselves keep their count under either profile.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, settings

from vtt_host.client import Client

FULL_EXAMPLES = 30_000
"""Per test under ``full``: the fuzz tests together run well over 100,000 cases."""

settings.register_profile("ci", deadline=None, print_blob=True)
settings.register_profile(
    "full",
    max_examples=FULL_EXAMPLES,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
async def clients() -> AsyncIterator[list[Client]]:
    """Clients a test opens and wants closed, whatever happens."""
    opened: list[Client] = []
    yield opened
    for client in opened:
        await client.close()
