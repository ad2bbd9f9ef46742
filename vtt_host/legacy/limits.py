"""Lengths the new schema allows, which old documents often exceeded."""

from __future__ import annotations

from typing import Final

NAME_MAX_CHARS: Final = 200
TEXT_MAX_CHARS: Final = 20_000
