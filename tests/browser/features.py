"""What the host under test already speaks, for tests of parts that land separately."""

from __future__ import annotations

from functools import cache
from pathlib import Path

HOST = Path(__file__).resolve().parents[2] / "vtt_host"


@cache
def host_speaks(word: str) -> bool:
    """Whether the host's code names this frame, action or field (``"map_ping"``)."""
    quoted = f'"{word}"'
    return any(quoted in path.read_text(encoding="utf-8") for path in HOST.rglob("*.py"))
