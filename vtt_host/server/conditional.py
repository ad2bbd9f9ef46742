"""Conditional GETs of assets: whether a request's ``If-None-Match`` names what we have.

An asset's entity tag is its SHA-256 (the bytes behind a name never change), so a
browser that has it asks again with ``If-None-Match`` and gets ``304 Not Modified``
without a body. RFC 9110 13.1.2: the header is ``*`` or a comma-separated list of
entity tags, compared weakly (``W/"x"`` matches ``"x"``); several headers are one list.
Pure: header values in, a yes or no out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ENTITY_TAG = re.compile(r'\s*(?:W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*')
"""One entity tag: an optional weak prefix, then an opaque quoted string (no ``"``)."""


def entity_tag(sha256: str) -> str:
    """The strong entity tag an asset is served with."""
    return f'"{sha256}"'


def none_match(header_values: Iterable[str], sha256: str) -> bool:
    """Whether ``If-None-Match`` values match the asset (so the answer is a 304).

    A malformed list matches nothing: the client gets the whole asset, which is
    always a correct answer.
    """
    for value in header_values:
        if value.strip() == "*":
            return True
        for tag in _tags(value):
            if tag == sha256:
                return True
    return False


def _tags(value: str) -> list[str]:
    """The opaque tags of one header value; empty if any member is malformed."""
    found: list[str] = []
    position = 0
    while position < len(value):
        match = ENTITY_TAG.match(value, position)
        if match is None:
            # An empty member (", ,") is allowed by the list syntax; anything else is not.
            if value[position:].lstrip().startswith(","):
                position = value.index(",", position) + 1
                continue
            return [] if value[position:].strip() else found
        found.append(match.group(1))
        position = match.end()
        if position < len(value):
            if value[position] != ",":
                return []
            position += 1
    return found
