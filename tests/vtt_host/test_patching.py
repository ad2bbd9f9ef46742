"""Our in-place JSON Patch applier against jsonpatch (what clients use), and its inverses."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonpatch
import jsonpointer
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtt_host.errors import PatchError
from vtt_host.patching import apply_patch, join_path, parse_path, restore

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
        {"op": "add", "path": "/a", "value": 1, "note": "x"},
        {"op": "remove", "path": "/a", "value": 1},
        {"op": "replace", "path": "/a"},
        {"op": "move", "path": "/b"},
        {"op": "copy", "path": "/b", "from": 3},
        {"op": "merge", "path": "/a", "value": 1},
        ["add", "/a", 1],
    ],
    ids=["extra-field", "stray-value", "no-value", "no-from", "from-not-text", "unknown", "list"],
)
def test_malformed_ops_are_refused(op: Any) -> None:
    doc = {"a": 0}
    with pytest.raises(PatchError):
        apply_patch(doc, [op])
    assert doc == {"a": 0}


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
