"""The plain JSON reader and checks: exactly what browsers, SQLite and our encoders carry.

The oracle (``tests.jsonvalues``) is written differently from the module, so the two can
disagree; the property tests say they never do.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage import NotPlainJson, check_plain, clone_plain, dump_plain, load_plain
from tests.jsonvalues import (
    ANY_TEXT,
    DEPTHS,
    LARGEST_DOUBLE_INT,
    SCALARS,
    TEXTS,
    VALUES,
    lenient,
    plain,
    plain_text,
    valid_unicode,
)

# -- properties ------------------------------------------------------------------------


@given(VALUES, DEPTHS, st.booleans())
def test_the_reader_refuses_exactly_the_values_plain_json_cannot_carry(
    value: Any, max_depth: int, ascii_only: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)  # writes NaN, Infinity, lone surrogates
    if plain(value, max_depth):
        assert load_plain(text, max_depth=max_depth) == json.loads(text)
    else:
        with pytest.raises(NotPlainJson):
            load_plain(text, max_depth=max_depth)


@given(TEXTS, DEPTHS)
def test_any_text_is_read_as_plain_json_or_refused_with_a_value_error(
    text: str, max_depth: int
) -> None:
    try:
        parsed: Any = lenient(text)
    except RecursionError:
        parsed = RecursionError
    except ValueError:
        parsed = ValueError
    try:
        value = load_plain(text, max_depth=max_depth)
    except NotPlainJson:
        assert parsed in (ValueError, RecursionError) or not plain_text(parsed, max_depth)
    except ValueError:  # not JSON at all
        assert parsed is ValueError
    else:
        assert parsed not in (ValueError, RecursionError)
        assert plain_text(parsed, max_depth)
        assert value == json.loads(text)


IN_PROCESS = st.recursive(
    SCALARS | st.tuples(st.integers()) | st.binary(max_size=2) | st.just({1, 2}),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(ANY_TEXT | st.integers(0, 2), inner, max_size=3)
    ),
    max_leaves=12,
)
"""What code in the process might hand over: tuples, bytes, sets, integer keys too."""


@given(IN_PROCESS, DEPTHS)
def test_values_built_in_process_are_checked_and_cloned_alike(value: Any, max_depth: int) -> None:
    if plain(value, max_depth):
        check_plain(value, max_depth=max_depth)
        copied = clone_plain(value, max_depth=max_depth)
        assert copied == value
        assert not shares_a_container(copied, value)
    else:
        with pytest.raises(NotPlainJson):
            check_plain(value, max_depth=max_depth)
        with pytest.raises(NotPlainJson):
            clone_plain(value, max_depth=max_depth)


def shares_a_container(left: Any, right: Any) -> bool:
    if isinstance(left, dict) and isinstance(right, dict):
        return left is right or any(shares_a_container(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return left is right or any(map(shares_a_container, left, right))
    return False


# -- the attacks, one by one -----------------------------------------------------------

REFUSED = {
    "nan": '{"hp": NaN}',
    "infinity-literal": '{"hp": Infinity}',
    "1e400-reads-as-infinity": '{"x": 1e400}',
    "minus-1e400": '{"x": -1e400}',
    "long-float-beyond-a-double": '{"x": ' + "9" * 400 + ".5}",
    "integer-of-400-digits": '{"x": ' + "9" * 400 + "}",
    "integer-of-a-million-digits": '{"x": ' + "1" * 1_000_000 + "}",
    "integer-just-past-a-double": f'{{"x": {LARGEST_DOUBLE_INT + 1}}}',
    "lone-high-surrogate": '{"name": "\\ud800"}',
    "lone-low-surrogate": '{"name": "x\\udc00y"}',
    "reversed-surrogate-pair": '{"name": "\\udc00\\ud800"}',
    "lone-surrogate-in-a-key": '{"\\udbff": 1}',
    "raw-lone-surrogate": '{"name": "\ud800"}',
    "duplicate-key": '{"op": "add", "op": "remove"}',
    "duplicate-key-deep-inside": '{"a": [{"b": 1, "c": 2, "b": 3}]}',
    "nested-65-levels": "[" * 65 + "]" * 65,
    "nested-500-levels": '{"a":' * 500 + "1" + "}" * 500,
    "nested-100000-levels-unclosed": "[" * 100_000,
}


@pytest.mark.parametrize("attack", list(REFUSED))
def test_values_json_cannot_carry_are_refused(attack: str) -> None:
    with pytest.raises(NotPlainJson) as refused:
        load_plain(REFUSED[attack], max_depth=64)
    message = str(refused.value)
    assert "\n" not in message
    assert len(message) < 120  # never the offending literal in full
    assert valid_unicode(message)


def test_a_huge_integer_is_refused_by_its_length_not_converted() -> None:
    """Python's int() would refuse it with 'Exceeds the limit (4300 digits)' after a
    conversion attempt; the reader says what is wrong before converting anything."""
    with pytest.raises(NotPlainJson, match="does not fit a double"):
        load_plain("[" + "7" * 10_000_000 + "]", max_depth=8)


ACCEPTED: dict[str, tuple[str, Any]] = {
    "largest-double": ("1.7976931348623157e308", 1.7976931348623157e308),
    "largest-integer-a-double-holds": (str(LARGEST_DOUBLE_INT), LARGEST_DOUBLE_INT),
    "most-negative-integer-a-double-holds": (str(-LARGEST_DOUBLE_INT), -LARGEST_DOUBLE_INT),
    "underflow-is-zero": ("1e-400", 0.0),
    "minus-zero": ("-0", 0),
    "escaped-surrogate-pair": ('"\\ud83d\\ude00"', "\U0001f600"),
    "escaped-backslash-before-u": ('"\\\\ud800"', "\\ud800"),
    "nested-64-levels": ("[" * 64 + "]" * 64, json.loads("[" * 64 + "]" * 64)),
    "same-key-in-two-objects": ('[{"a": 1}, {"a": 2}]', [{"a": 1}, {"a": 2}]),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_plain_json_at_the_edges_is_read(case: str) -> None:
    text, expected = ACCEPTED[case]
    assert load_plain(text, max_depth=64) == expected


def test_bytes_must_be_utf8_without_encoded_surrogates() -> None:
    assert load_plain('{"name": "Zoë"}'.encode(), max_depth=4) == {"name": "Zoë"}
    for raw in (b'{"name": "\xed\xa0\x80"}', b'{"name": "\xff"}', '{"a": 1}'.encode("utf-16")):
        with pytest.raises(NotPlainJson, match="UTF-8"):
            load_plain(raw, max_depth=4)


@pytest.mark.parametrize(
    "value",
    [math.nan, math.inf, -math.inf, [1, {"a": math.nan}]],
    ids=["nan", "inf", "-inf", "deep"],
)
def test_the_writer_refuses_numbers_json_cannot_carry(value: Any) -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        dump_plain(value)


def test_the_writer_leaves_a_lone_surrogate_to_fail_its_utf8_encoding() -> None:
    with pytest.raises(UnicodeEncodeError):
        dump_plain({"name": "\ud800"}).encode()
    assert dump_plain({"name": "Zoë", "n": 1.5}) == '{"name":"Zoë","n":1.5}'
