"""JSON-like values for property tests, and an oracle saying which are plain JSON.

The oracle is written differently from ``storage.plainjson`` (``float(int)`` for range,
``str.encode`` for Unicode, a lenient parse keeping duplicates and literals), so a test
comparing the two can catch either being wrong.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import strategies as st

LARGEST_DOUBLE_INT = 2**1024 - 2**970 - 1
"""The largest integer that rounds to a finite double."""

# -- the oracle ----------------------------------------------------------------------


def fits_a_double(number: int) -> bool:
    try:
        float(number)
    except OverflowError:
        return False
    return True


def valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def plain(value: Any, depth_left: int) -> bool:
    """Is an in-process value plain JSON at most ``depth_left`` containers deep?"""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return fits_a_double(value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return valid_unicode(value)
    if isinstance(value, list):
        return depth_left > 0 and all(plain(item, depth_left - 1) for item in value)
    if isinstance(value, dict):
        return depth_left > 0 and all(
            isinstance(key, str) and valid_unicode(key) and plain(item, depth_left - 1)
            for key, item in value.items()
        )
    return False


def lenient(text: str) -> Any:
    """Parse keeping everything the strict reader judges: literals and member lists."""
    return json.loads(
        text,
        parse_int=lambda s: ("int", s),
        parse_float=lambda s: ("float", s),
        parse_constant=lambda s: ("constant", s),
        object_pairs_hook=lambda pairs: ("object", pairs),
    )


def plain_text(parsed: Any, depth_left: int) -> bool:
    """Is a ``lenient`` parse plain JSON at most ``depth_left`` deep?"""
    if isinstance(parsed, tuple):
        kind, body = parsed
        if kind == "int":
            return len(body.lstrip("-")) <= 309 and fits_a_double(int(body))
        if kind == "float":
            return math.isfinite(float(body))
        if kind == "constant":
            return False
        keys = [key for key, _ in body]
        return (
            depth_left > 0
            and len(set(keys)) == len(keys)
            and all(valid_unicode(key) for key in keys)
            and all(plain_text(item, depth_left - 1) for _, item in body)
        )
    if isinstance(parsed, list):
        return depth_left > 0 and all(plain_text(item, depth_left - 1) for item in parsed)
    return not isinstance(parsed, str) or valid_unicode(parsed)


# -- strategies ------------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(categories=["Cs", "L", "N", "P", "S", "Zs", "Cc"]), max_size=6)
"""Strings, lone surrogates among them."""
EDGE_NUMBERS = st.sampled_from(
    [
        LARGEST_DOUBLE_INT,
        LARGEST_DOUBLE_INT + 1,
        -LARGEST_DOUBLE_INT - 1,
        2**53,
        2**53 + 1,
        10**308,
        10**309,
        1.7976931348623157e308,
        5e-324,
        -0.0,
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**400), 10**400)
    | st.integers(-(2**60), 2**60)
    | st.floats()
    | EDGE_NUMBERS
    | ANY_TEXT
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=12,
)
"""JSON-like values, the ones plain JSON cannot carry among them."""
DEPTHS = st.integers(0, 6)

SPLICES = st.sampled_from(
    [
        "NaN", "-Infinity", "1e400", "-1e999", "9" * 320, '"\\ud800"', '"\\udc00\\ud800"',
        '"\\ud83d\\ude00"', '"\\\\ud800"', "\udfff", "[", "]", "{", "}", ",", ":", '"', "\\",
        '{"a":1,"a":2}', "[[[[[[[[[[]]]]]]]]]]", " ", "0", "-", "e", ".",
    ]
)  # fmt: skip


@st.composite
def json_ish_texts(draw: st.DrawFn) -> str:
    """Mostly JSON, with literals that are not plain spliced in at random places."""
    text = json.dumps(draw(VALUES), ensure_ascii=draw(st.booleans()))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 2))
        text = text[:at] + draw(SPLICES) + text[at + cut :]
    return text


TEXTS = json_ish_texts() | st.text(max_size=40) | ANY_TEXT
