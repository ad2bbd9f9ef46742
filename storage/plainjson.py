"""Plain JSON: the values every reader of a campaign carries unchanged (I-JSON, RFC 7493).

Python's ``json`` reads ``1e400`` as infinity, keeps lone surrogates (``"\\ud800"``),
lets a later duplicate key win and nests as deep as its stack allows; browsers, SQLite's
UTF-8 and our own strict encoders cannot carry all of that. One reader and one writer
here refuse it, so nothing a client could not read back is ever stored or sent: the
frame decoder, campaign files and every value an op puts into a document go through
this module.

Plain JSON means: finite numbers that fit a double (integers included), strings of
valid Unicode (keys too), object keys that are unique strings, and a bounded depth.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Final

MAX_SAFE_INTEGER: Final = 2**53 - 1
"""The largest integer a JavaScript number (a double) holds exactly."""
MAX_VERSION: Final = MAX_SAFE_INTEGER
"""The largest version a campaign may have: clients hold versions in doubles, and the
store's 64-bit INTEGER columns still take ``version + 1``. Campaign files, the schema
and the state manager all refuse anything beyond it."""
MAX_DOCUMENT_DEPTH: Final = 128
"""Levels of nesting in a whole campaign document (its root object is level 1).

Campaign files are read with this limit, and an op may not put a value deeper, so every
document a host writes can be read back. Client frames nest at most 64 levels, so a
value from a frame fits under any path the schema itself defines."""

_LARGEST_DOUBLE_INT: Final = 2**1024 - 2**970 - 1
"""The largest integer that rounds to a finite double (the next one rounds to infinity)."""
_LONGEST_FINITE_INT_CHARS: Final = 309
"""Digits of ``_LARGEST_DOUBLE_INT``: a shorter integer literal always fits a double."""
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
"""A decoded string can hold a surrogate only where the text holds one or escapes one."""


class NotPlainJson(ValueError):
    """JSON text or a value outside plain JSON; the message says what, in one line."""


class _TooDeep(Exception):
    """Raised from inside a walk; turned into NotPlainJson naming the limit."""


# -- reading -------------------------------------------------------------------------


def _clip(text: str, limit: int = 24) -> str:
    """Enough of an offending literal to recognise it, never the whole of it."""
    return text if len(text) <= limit else text[:limit] + "..."


def _reject_constant(name: str) -> Any:
    raise NotPlainJson(f"{name} is not a number JSON can carry")


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise NotPlainJson(f"the number {_clip(text)} does not fit a double")
    return number


def _int_in_double(text: str) -> int:
    # Checked on the text first: converting a million digits would itself take seconds.
    if len(text) < _LONGEST_FINITE_INT_CHARS:
        return int(text)
    if len(text.lstrip("-")) <= _LONGEST_FINITE_INT_CHARS:
        number = int(text)
        if abs(number) <= _LARGEST_DOUBLE_INT:
            return number
    raise NotPlainJson(f"the number {_clip(text)} does not fit a double")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise NotPlainJson(f"the key {_clip(key)!r} appears twice in one object")
            seen.add(key)
    return members


_decode = json.JSONDecoder(
    parse_float=_finite_float,
    parse_int=_int_in_double,
    parse_constant=_reject_constant,
    object_pairs_hook=_unique_keys,
).decode
"""One decoder for every read (``json.loads`` with options builds a new one per call)."""


def load_plain(text: str | bytes, *, max_depth: int) -> Any:
    """Parse JSON text, refusing anything outside plain JSON.

    Raises NotPlainJson for values JSON's grammar allows but plain JSON does not (non-
    finite or oversized numbers, lone surrogates, duplicate keys, nesting deeper than
    ``max_depth`` containers), and ``json.JSONDecodeError`` (also a ValueError) for text
    that is not JSON at all. Bytes must be UTF-8. Cheap on small frames: the nesting and
    surrogate walk runs only when the text could hold either.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise NotPlainJson("the text is not valid UTF-8") from None
    try:
        value = _decode(text)
    except RecursionError:
        raise NotPlainJson(f"values nest more than {max_depth} levels deep") from None
    # Nesting needs an opening bracket per level, and a decoded string holds a surrogate
    # only if the text holds one or escapes one: without either, there is nothing to walk.
    deep = text.count("{") + text.count("[") > max_depth
    if (
        deep
        or ("\\u" in text and _ESCAPED_SURROGATE.search(text))
        or (not text.isascii() and _SURROGATE.search(text))
    ):
        check_plain(value, max_depth=max_depth)
    return value


# -- checking values -----------------------------------------------------------------


def check_plain(value: Any, *, max_depth: int) -> None:
    """Raise NotPlainJson unless ``value`` is plain JSON at most ``max_depth`` deep.

    For values built in the process (a scalar is depth 0, ``[]`` depth 1): only dicts
    with string keys, lists, strings, finite floats, ints that fit a double, bools and
    None pass.
    """
    try:
        _check(value, max_depth)
    except _TooDeep:
        raise NotPlainJson(f"values nest more than {max_depth} levels deep") from None


def _check(value: Any, depth_left: int) -> None:
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, dict):
        if depth_left <= 0:
            raise _TooDeep
        for key, item in value.items():
            _check_key(key)
            _check(item, depth_left - 1)
    elif isinstance(value, list):
        if depth_left <= 0:
            raise _TooDeep
        for item in value:
            _check(item, depth_left - 1)
    else:
        _check_scalar(value)


def clone_plain(value: Any, *, max_depth: int) -> Any:
    """A copy of ``value`` sharing no container with it; NotPlainJson as ``check_plain``.

    Checking while copying costs one walk: this is how every value an op writes enters a
    campaign document.
    """
    try:
        return _clone(value, max_depth)
    except _TooDeep:
        raise NotPlainJson(f"values nest more than {max_depth} levels deep") from None


def _clone(value: Any, depth_left: int) -> Any:
    # Exact type tests first: this runs for every value a token move writes.
    kind = type(value)
    if kind is str:
        if value.isascii() or not _SURROGATE.search(value):
            return value
    elif kind is int:
        if -_LARGEST_DOUBLE_INT <= value <= _LARGEST_DOUBLE_INT:
            return value
    elif kind is dict:
        if depth_left <= 0:
            raise _TooDeep
        copied = {}
        for key, item in value.items():
            if type(key) is not str or not (key.isascii() or not _SURROGATE.search(key)):
                _check_key(key)
            copied[key] = _clone(item, depth_left - 1)
        return copied
    elif kind is list:
        if depth_left <= 0:
            raise _TooDeep
        return [_clone(item, depth_left - 1) for item in value]
    # Whatever is left (bools, None, floats, subclasses) is checked the general way.
    _check(value, depth_left)
    return _clone_general(value, depth_left)


def _clone_general(value: Any, depth_left: int) -> Any:
    if isinstance(value, dict):
        return {str(key): _clone(item, depth_left - 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_clone(item, depth_left - 1) for item in value]
    return value


def depth_within(value: Any, limit: int) -> bool:
    """Whether ``value`` nests at most ``limit`` containers deep (stops looking past it)."""
    if isinstance(value, dict | list):
        if limit <= 0:
            return False
        items = value.values() if isinstance(value, dict) else value
        return all(depth_within(item, limit - 1) for item in items)
    return True


def _check_text(text: str) -> None:
    if not text.isascii() and _SURROGATE.search(text):
        raise NotPlainJson("a string holds a lone surrogate, which is not valid Unicode")


def _check_key(key: object) -> None:
    if not isinstance(key, str):
        raise NotPlainJson(f"object keys are strings, not {type(key).__name__}")
    _check_text(key)


def _check_scalar(value: object) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -_LARGEST_DOUBLE_INT <= value <= _LARGEST_DOUBLE_INT:
            raise NotPlainJson("an integer does not fit a double")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise NotPlainJson(f"{value} is not a number JSON can carry")
    else:
        raise NotPlainJson(f"a {type(value).__name__} is not a JSON value")


# -- writing -------------------------------------------------------------------------

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def dump_plain(value: Any) -> str:
    """Compact JSON text; ValueError for NaN or infinities, TypeError for non-JSON types.

    Non-ASCII stays as it is, so a lone surrogate fails loudly where the text is encoded
    to UTF-8 (a journal row, a snapshot, a socket) instead of being escaped into a file
    no strict reader accepts.
    """
    return _encode(value)
