"""Our in-place JSON Patch applier against jsonpatch (what clients use), and its inverses."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import jsonpatch
import jsonpointer
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage import MAX_DOCUMENT_DEPTH, NotPlainJson, load_plain
from vtt_host.errors import PatchError
from vtt_host.patching import apply_patch, check_op, join_path, parse_path, restore

KEYS = st.sampled_from(["a", "b", "c", "0", "1", "10", "-", "~", "/", "a/b", "~1", ""])
"""Few keys, so paths collide often; with the characters pointers must escape."""

# Python says True == 1 and False == 0, and jsonpatch's "test" compares with ==, while
# RFC 6902 (and our applier) do not; leaving 0 and 1 out keeps the two comparable.
# That difference has its own test below.
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(2, 99)
    | st.integers(-99, -1)
    | st.sampled_from(["", "x", "goblin"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=8,
)
DOCUMENTS = st.dictionaries(KEYS, VALUES, max_size=4)


def pointers(doc: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every location in ``doc`` below the root."""
    found = []
    children = (
        doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else []
    )
    for key, child in children:
        path = (*prefix, str(key))
        found.append(path)
        found.extend(pointers(child, path))
    return found


def near_misses(doc: dict[str, Any]) -> list[str]:
    """Paths that may not exist: new keys, list ends, bad and out-of-range indices."""
    candidates = set()
    for path in [(), *pointers(doc)]:
        for extra in ("a", "zz", "-", "0", "01", "1", "7", " 1"):
            candidates.add((*path, extra))
    return sorted(join_path(path) for path in candidates)


def paths_in(doc: dict[str, Any]) -> st.SearchStrategy[str]:
    """Mostly paths that exist, so that many patches apply, else near misses."""
    near = st.sampled_from(near_misses(doc))
    existing = sorted(join_path(path) for path in pointers(doc))
    return st.sampled_from(existing) | st.sampled_from(existing) | near if existing else near


MALFORMED_PATHS = st.sampled_from([None, 7, ["a"], "a", "/a~2", "/a~", "/~x/b"])
"""Not pointers (RFC 6901): not a string, relative, or a '~' escaping neither 0 nor 1."""


@st.composite
def malformed(draw: st.DrawFn, op: dict[str, Any]) -> dict[str, Any]:
    """The op with one thing wrong: a member missing or not a pointer, or an unknown op."""
    broken = dict(op)
    damage = draw(st.sampled_from(["drop", "path", "from", "name"]))
    if damage == "drop":
        del broken[draw(st.sampled_from(sorted(broken)))]
    elif damage == "name":
        broken["op"] = draw(st.sampled_from(["merge", "", "ADD", 3, None, ["add"]]))
    else:
        broken[damage] = draw(MALFORMED_PATHS)
    return broken


UNDEFINED_MEMBERS = st.dictionaries(
    st.sampled_from(["value", "from", "xyz", "Op", "paths"]), VALUES | MALFORMED_PATHS, max_size=2
)
"""Members an op may carry without defining them; RFC 6902 says they are ignored."""


@st.composite
def patches(draw: st.DrawFn, doc: dict[str, Any]) -> list[dict[str, Any]]:
    paths = paths_in(doc)
    ops = []
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(["add", "remove", "replace", "move", "copy", "test"]))
        op: dict[str, Any] = {"op": name, "path": draw(paths)}
        if name in ("move", "copy"):
            op["from"] = draw(paths)
        elif name == "test":
            try:
                current = [jsonpointer.resolve_pointer(doc, op["path"])]
            except (jsonpointer.JsonPointerException, TypeError):
                current = []
            op["value"] = draw(st.sampled_from(current) | VALUES if current else VALUES)
        elif name in ("add", "replace"):
            op["value"] = draw(VALUES)
        extra = draw(UNDEFINED_MEMBERS)
        op.update({key: value for key, value in extra.items() if key not in op})
        if draw(st.integers(0, 9)) == 0:
            op = draw(malformed(op))
        ops.append(op)
    return ops


@st.composite
def documents_and_patches(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    doc = draw(DOCUMENTS)
    return doc, draw(patches(doc))


def exact(value: Any) -> str:
    """JSON text that tells true from 1 and ignores key order."""
    return json.dumps(value, sort_keys=True)


def ours(doc: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any] | None:
    mine = copy.deepcopy(doc)
    try:
        apply_patch(mine, copy.deepcopy(ops))
    except PatchError:
        return None
    return mine


def reference(doc: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any] | None:
    try:
        result: dict[str, Any] = jsonpatch.apply_patch(doc, copy.deepcopy(ops))
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException):
        return None
    return result


@settings(max_examples=1000, deadline=None)
@given(documents_and_patches())
def test_apply_patch_agrees_with_jsonpatch(case: tuple[dict[str, Any], list[Any]]) -> None:
    doc, ops = case
    mine, theirs = ours(doc, ops), reference(doc, ops)
    if theirs is None:
        assert mine is None, "jsonpatch refused a patch we applied"
    else:
        assert mine is not None, "we refused a patch jsonpatch applied"
        assert exact(mine) == exact(theirs)


@settings(max_examples=500, deadline=None)
@given(documents_and_patches())
def test_failed_patch_leaves_the_document_unchanged(
    case: tuple[dict[str, Any], list[Any]],
) -> None:
    doc, ops = case
    mine = copy.deepcopy(doc)
    try:
        apply_patch(mine, copy.deepcopy(ops))
    except PatchError:
        assert exact(mine) == exact(doc)


@settings(max_examples=500, deadline=None)
@given(documents_and_patches())
def test_inverse_ops_restore_the_original_exactly(
    case: tuple[dict[str, Any], list[Any]],
) -> None:
    doc, ops = case
    mine = copy.deepcopy(doc)
    try:
        inverse = apply_patch(mine, copy.deepcopy(ops))
    except PatchError:
        return
    restore(mine, inverse)
    assert exact(mine) == exact(doc)


def test_failed_patch_undoes_changes_made_inside_a_moved_list() -> None:
    # The list moves, grows in its new place, then that place is overwritten: undoing
    # must empty the very list it moved back, not a copy of it.
    doc: dict[str, Any] = {"a": [], "x": {"b": {}}}
    ops = [
        {"op": "move", "from": "/a", "path": "/x/b/l"},
        {"op": "add", "path": "/x/b/l/-", "value": "goblin"},
        {"op": "replace", "path": "/x", "value": {}},
        {"op": "test", "path": "/x", "value": "not this"},
    ]
    with pytest.raises(PatchError):
        apply_patch(doc, ops)
    assert doc == {"a": [], "x": {"b": {}}}


def test_test_op_tells_true_from_one() -> None:
    doc = {"flag": True, "count": 1, "ratio": 2}
    for ops in (
        [{"op": "test", "path": "/flag", "value": 1}],
        [{"op": "test", "path": "/count", "value": True}],
        [{"op": "test", "path": "/count", "value": [1]}],
    ):
        with pytest.raises(PatchError):
            apply_patch(copy.deepcopy(doc), ops)
    apply_patch(doc, [{"op": "test", "path": "/ratio", "value": 2.0}])


@pytest.mark.parametrize(
    "op",
    [
        {"op": "replace", "path": "/a"},
        {"op": "move", "path": "/b"},
        {"op": "copy", "path": "/b", "from": 3},
        {"op": "merge", "path": "/a", "value": 1},
        {"op": ["add"], "path": "/a", "value": 1},
        {"path": "/a", "value": 1},
        {"op": "remove"},
        {"op": "add", "value": 1},
        {"op": "replace", "path": 3, "value": 1},
        {"op": "test", "path": None, "value": 1},
        {"op": "add", "path": "/a~2", "value": 1},
        {"op": "add", "path": "/a~", "value": 1},
        {"op": "move", "path": "/b", "from": "/a~x"},
        ["add", "/a", 1],
    ],
    ids=[
        "no-value", "no-from", "from-not-text", "unknown", "op-not-text", "no-op", "no-path",
        "no-path-with-value", "path-not-text", "path-null", "bad-escape", "trailing-tilde",
        "bad-escape-in-from", "list",
    ],
)  # fmt: skip
def test_malformed_ops_are_refused(op: Any) -> None:
    doc = {"a": 0}
    with pytest.raises(PatchError):
        apply_patch(doc, [op])
    assert doc == {"a": 0}


@pytest.mark.parametrize(
    ("op", "defined"),
    [
        ({"op": "add", "path": "/b", "value": 1, "note": "x"}, {"op", "path", "value"}),
        ({"op": "remove", "path": "/a", "value": 1, "from": "/b"}, {"op", "path"}),
        ({"op": "replace", "path": "/a", "value": 2, "from": 7}, {"op", "path", "value"}),
        ({"op": "move", "path": "/b", "from": "/a", "value": 3}, {"op", "path", "from"}),
        ({"op": "copy", "path": "/b", "from": "/a", "xyz": [1]}, {"op", "path", "from"}),
        ({"op": "test", "path": "/a", "value": 0, "from": "/nowhere"}, {"op", "path", "value"}),
    ],
    ids=["add", "remove", "replace", "move", "copy", "test"],
)
def test_members_an_op_does_not_define_are_ignored_and_dropped(
    op: dict[str, Any], defined: set[str]
) -> None:
    """RFC 6902 section 4: "Members that are not explicitly defined for the operation in
    question MUST be ignored"; what is checked is reduced to the defined ones."""
    doc = {"a": 0}
    expected = reference(doc, [op])
    assert expected is not None
    apply_patch(doc, [op])
    assert exact(doc) == exact(expected)
    assert set(check_op(op)) == defined


def test_an_op_with_nothing_extra_is_checked_without_a_copy() -> None:
    op = {"op": "replace", "path": "/a", "value": 1}
    assert check_op(op) is op


def test_patch_error_names_the_failing_op() -> None:
    doc = {"a": [2]}
    ops = [{"op": "add", "path": "/a/-", "value": 3}, {"op": "remove", "path": "/a/5"}]
    with pytest.raises(PatchError) as error:
        apply_patch(doc, ops)
    assert error.value.index == 1
    assert doc == {"a": [2]}


def test_ops_do_not_share_objects_with_the_document() -> None:
    value = {"hp": 5}
    doc: dict[str, Any] = {}
    apply_patch(doc, [{"op": "add", "path": "/a", "value": value}])
    value["hp"] = 0
    assert doc == {"a": {"hp": 5}}


# -- pointers ------------------------------------------------------------------------

TOKENS = st.lists(st.text(alphabet=st.sampled_from("ab~/01-"), max_size=5), min_size=1, max_size=4)


@given(TOKENS)
def test_join_then_parse_returns_the_same_tokens(tokens: list[str]) -> None:
    assert parse_path(join_path(tokens)) == tuple(tokens)


@given(TOKENS)
def test_parse_then_join_returns_the_same_path(tokens: list[str]) -> None:
    path = join_path(tokens)
    assert join_path(parse_path(path)) == path


@pytest.mark.parametrize(
    ("path", "tokens"),
    [("/a~1b", ["a/b"]), ("/m~0n", ["m~n"]), ("/~01", ["~1"]), ("/a//b", ["a", "", "b"])],
)
def test_parse_path_unescapes_tilde_and_slash(path: str, tokens: list[str]) -> None:
    assert parse_path(path) == tuple(tokens)


@pytest.mark.parametrize("path", ["", "a/b", 7, None])
def test_parse_path_refuses_the_root_and_relative_paths(path: object) -> None:
    with pytest.raises(PatchError):
        parse_path(path)


# -- RFC 6902, appendix A ------------------------------------------------------------

APPENDIX_A: dict[str, tuple[Any, list[dict[str, Any]], Any]] = {
    "A.1 adding an object member": (
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux"}],
        {"baz": "qux", "foo": "bar"},
    ),
    "A.2 adding an array element": (
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
    ),
    "A.3 removing an object member": (
        {"baz": "qux", "foo": "bar"},
        [{"op": "remove", "path": "/baz"}],
        {"foo": "bar"},
    ),
    "A.4 removing an array element": (
        {"foo": ["bar", "qux", "baz"]},
        [{"op": "remove", "path": "/foo/1"}],
        {"foo": ["bar", "baz"]},
    ),
    "A.5 replacing a value": (
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
    ),
    "A.6 moving a value": (
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
    ),
    "A.7 moving an array element": (
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
    ),
    "A.8 testing a value: success": (
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [
            {"op": "test", "path": "/baz", "value": "qux"},
            {"op": "test", "path": "/foo/1", "value": 2},
        ],
        {"baz": "qux", "foo": ["a", 2, "c"]},
    ),
    "A.9 testing a value: error": (
        {"baz": "qux"},
        [{"op": "test", "path": "/baz", "value": "bar"}],
        None,
    ),
    "A.10 adding a nested member object": (
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
    ),
    "A.11 ignoring unrecognized elements": (
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
        {"foo": "bar", "baz": "qux"},
    ),
    "A.12 adding to a nonexistent target": (
        {"foo": "bar"},
        [{"op": "add", "path": "/baz/bat", "value": "qux"}],
        None,
    ),
    "A.14 ~ escape ordering": (
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": 10}],
        {"/": 9, "~1": 10},
    ),
    "A.15 comparing strings and numbers": (
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": "10"}],
        None,
    ),
    "A.16 adding an array value": (
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
    ),
}
"""Each example of the appendix: (document, patch, result, or None where it is an error)."""


@pytest.mark.parametrize("example", list(APPENDIX_A))
def test_rfc6902_appendix_a_examples(example: str) -> None:
    doc, ops, expected = APPENDIX_A[example]
    assert ours(doc, ops) == expected
    assert reference(doc, ops) == expected  # the example means what we think it means


def test_rfc6902_a13_an_op_with_two_op_members_is_refused() -> None:
    """A.13: '{"op": "add", ..., "op": "remove"}' is not a valid patch. Python's json (and
    jsonpatch) let the last one win; the host's JSON reader refuses duplicate keys."""
    text = '[{ "op": "add", "path": "/baz", "value": "qux", "op": "remove" }]'
    with pytest.raises(NotPlainJson, match="twice"):
        load_plain(text, max_depth=8)


# -- what a document may hold ----------------------------------------------------------


def nested(levels: int) -> Any:
    """``levels`` containers, one inside the other, alternating lists and objects."""
    value: Any = 0
    for level in range(levels):
        value = [value] if level % 2 else {"k": value}
    return value


NOT_PLAIN = {
    "nan": math.nan,
    "infinity": math.inf,
    "minus-infinity": -math.inf,
    "integer-beyond-a-double": 2**1024,
    "lone-high-surrogate": "x\ud800",
    "lone-low-surrogate-in-a-key": {"\udc00": 1},
    "reversed-surrogate-pair": "\udc00\ud800",
    "integer-key": {1: "a"},
    "tuple": (1, 2),
    "bytes": b"x",
    "nan-deep-inside": {"a": [1, {"b": [math.nan]}]},
    "nested-past-the-limit": nested(MAX_DOCUMENT_DEPTH),
}


@pytest.mark.parametrize("name", list(NOT_PLAIN))
@pytest.mark.parametrize("kind", ["add", "replace"])
def test_a_value_plain_json_cannot_carry_never_enters_the_document(kind: str, name: str) -> None:
    """Whoever built the op (a handler, the GM app, a test): journal and clients could
    not carry the value, so the applier refuses it and changes nothing."""
    doc: dict[str, Any] = {"a": {"b": 1}}
    with pytest.raises(PatchError, match="not valid"):
        apply_patch(doc, [{"op": kind, "path": "/a/b", "value": NOT_PLAIN[name]}])
    assert doc == {"a": {"b": 1}}


def test_a_written_value_is_a_copy_sharing_nothing_with_the_op() -> None:
    value = {"hp": [5, {"temp": 1}]}
    doc: dict[str, Any] = {}
    apply_patch(doc, [{"op": "add", "path": "/a", "value": value}])
    value["hp"][1]["temp"] = 0
    assert doc == {"a": {"hp": [5, {"temp": 1}]}}


def test_ops_cannot_stack_values_past_the_document_depth() -> None:
    """Each value may be shallow, yet written under a deep path it would nest the
    document past what campaign files accept: refused where it would cross the limit."""
    ten_deep: Any = {}
    for _ in range(9):
        ten_deep = {"k": ten_deep}
    doc: dict[str, Any] = {}
    path = ""
    for _ in range(MAX_DOCUMENT_DEPTH):
        try:
            apply_patch(doc, [{"op": "add", "path": path + "/k", "value": ten_deep}])
        except PatchError:
            break
        path += "/k" * 10
    assert MAX_DOCUMENT_DEPTH - 10 < depth(doc) <= MAX_DOCUMENT_DEPTH


def test_copy_and_move_cannot_nest_the_document_past_its_depth() -> None:
    deep = nested(MAX_DOCUMENT_DEPTH - 2)
    doc: dict[str, Any] = {"a": {"b": deep}, "c": {"d": {}}}
    before = copy.deepcopy(doc)
    for name in ("copy", "move"):
        with pytest.raises(PatchError):
            apply_patch(doc, [{"op": name, "from": "/a/b", "path": "/c/d/e"}])
        assert doc == before
    apply_patch(doc, [{"op": "move", "from": "/a/b", "path": "/c/d"}])  # as deep as before
    assert doc["c"]["d"] == deep


@pytest.mark.parametrize(
    "path",
    ["/a/\ud800", "/\udfff", "/k" * MAX_DOCUMENT_DEPTH],
    ids=["lone-surrogate", "lone-low-surrogate", "deeper-than-a-document"],
)
def test_paths_that_no_document_can_hold_are_refused(path: str) -> None:
    doc: dict[str, Any] = {"a": {}}
    with pytest.raises(PatchError):
        apply_patch(doc, [{"op": "add", "path": path, "value": 1}])
    assert doc == {"a": {}}


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0
