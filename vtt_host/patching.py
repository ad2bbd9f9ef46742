"""RFC 6902 JSON Patch applied in place, one op at a time, recording how to undo it.

jsonpatch (which clients use) applies a patch but cannot tell what it overwrote. The
host needs exactly that: the inverse ops roll back a change that fails halfway, serve
GM undo, and let per-recipient filters look at the document between two ops. The
property tests check that this applier and jsonpatch agree on every document.

Every value an op writes is checked to be plain JSON on its way in (finite numbers,
valid Unicode, the document no deeper than ``MAX_DOCUMENT_DEPTH``), whoever built the
op: what is in a document can always be journaled, sent and read back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from jsonpointer import escape, unescape

from storage import MAX_DOCUMENT_DEPTH, NotPlainJson, check_plain, clone_plain, depth_within
from vtt_host.errors import PatchError

PATH_CACHE_SIZE = 8192
"""Paths repeat (the same tokens move all evening), so parsing is cached."""

Op = dict[str, Any]
Tokens = tuple[str, ...]

OP_MEMBERS: dict[str, tuple[str, ...]] = {
    "add": ("op", "path", "value"),
    "remove": ("op", "path"),
    "replace": ("op", "path", "value"),
    "move": ("op", "path", "from"),
    "copy": ("op", "path", "from"),
    "test": ("op", "path", "value"),
}
"""The members RFC 6902 defines for each op; any other member is ignored."""
_BAD_ESCAPE = re.compile("~(?![01])")


def parse_path(path: object) -> Tokens:
    """Split an RFC 6901 pointer into unescaped tokens; the root is refused."""
    if not isinstance(path, str):
        raise PatchError("a path must be a string")
    return _parse_path(path)


@lru_cache(maxsize=PATH_CACHE_SIZE)
def _parse_path(path: str) -> Tokens:
    if path == "":
        raise PatchError("an op cannot target the whole document")
    if not path.startswith("/"):
        raise PatchError(f"path {path[:80]!r} must start with '/'")
    try:
        check_plain(path, max_depth=0)
    except NotPlainJson as error:
        raise PatchError(f"a path is not valid: {error}") from None
    if "~" in path:
        if _BAD_ESCAPE.search(path):
            raise PatchError(f"path {path[:80]!r}: '~' must be followed by 0 or 1 (RFC 6901)")
        tokens = tuple(unescape(token) for token in path[1:].split("/"))
    else:
        tokens = tuple(path[1:].split("/"))
    if len(tokens) >= MAX_DOCUMENT_DEPTH:
        raise PatchError(f"a path may be at most {MAX_DOCUMENT_DEPTH - 1} levels deep")
    return tokens


def join_path(tokens: Sequence[str]) -> str:
    """The inverse of :func:`parse_path`."""
    return _join_path(tuple(tokens))


@lru_cache(maxsize=PATH_CACHE_SIZE)
def _join_path(tokens: Tokens) -> str:
    return "".join("/" + escape(token) for token in tokens)


def clone_json(value: Any) -> Any:
    """Copy a JSON value of the document (views keep copies of what they compare)."""
    if isinstance(value, dict):
        return {key: clone_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clone_json(item) for item in value]
    return value


def json_equal(left: Any, right: Any) -> bool:
    """JSON equality: 1 == 1.0, but true is not 1 (RFC 6902 "test")."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(json_equal, left, right))
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    return type(left) is type(right) and bool(left == right)


def resolve(doc: Any, tokens: Sequence[str]) -> Any:
    """The value at ``tokens``; PatchError if it does not exist."""
    node = doc
    for token in tokens:
        if isinstance(node, dict):
            if token not in node:
                raise PatchError(f"{join_path(tokens)} does not exist")
            node = node[token]
        elif isinstance(node, list):
            node = node[_list_index(node, token, allow_end=False)]
        else:
            raise PatchError(f"{join_path(tokens)} does not exist")
    return node


def _list_index(node: list[Any], token: str, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(node)
    if not token.isdigit() or (token != "0" and token.startswith("0")) or not token.isascii():
        raise PatchError(f"{token!r} is not a list index")
    index = int(token)
    limit = len(node) if allow_end else len(node) - 1
    if index > limit:
        raise PatchError(f"list index {index} is out of range")
    return index


def _parent(doc: Any, tokens: Tokens) -> Any:
    parent = resolve(doc, tokens[:-1])
    if not isinstance(parent, dict | list):
        raise PatchError(f"{join_path(tokens[:-1])} is not an object or a list")
    return parent


def _admit(value: Any, tokens: Tokens) -> Any:
    """A copy of ``value`` to write at ``tokens``, so the document never shares objects
    with an op; PatchError unless it is plain JSON that keeps the document within
    ``MAX_DOCUMENT_DEPTH``."""
    try:
        return clone_plain(value, max_depth=MAX_DOCUMENT_DEPTH - len(tokens))
    except NotPlainJson as error:
        raise PatchError(f"the value for {join_path(tokens)} is not valid: {error}") from None


def _add(doc: Any, tokens: Tokens, value: Any) -> list[Op]:
    parent, key = _parent(doc, tokens), tokens[-1]
    if isinstance(parent, dict):
        if key in parent:
            inverse: Op = {"op": "replace", "path": join_path(tokens), "value": parent[key]}
        else:
            inverse = {"op": "remove", "path": join_path(tokens)}
        parent[key] = value
        return [inverse]
    index = _list_index(parent, key, allow_end=True)
    parent.insert(index, value)
    return [{"op": "remove", "path": join_path((*tokens[:-1], str(index)))}]


def _remove(doc: Any, tokens: Tokens) -> tuple[Any, list[Op]]:
    parent, key = _parent(doc, tokens), tokens[-1]
    if isinstance(parent, dict):
        if key not in parent:
            raise PatchError(f"{join_path(tokens)} does not exist")
        old = parent.pop(key)
    else:
        old = parent.pop(_list_index(parent, key, allow_end=False))
    return old, [{"op": "add", "path": join_path(tokens), "value": old}]


def _replace(doc: Any, tokens: Tokens, value: Any) -> list[Op]:
    parent, key = _parent(doc, tokens), tokens[-1]
    if isinstance(parent, dict):
        if key not in parent:
            raise PatchError(f"{join_path(tokens)} does not exist")
        old = parent[key]
        parent[key] = value
    else:
        index = _list_index(parent, key, allow_end=False)
        old = parent[index]
        parent[index] = value
    return [{"op": "replace", "path": join_path(tokens), "value": old}]


def check_op(op: object) -> Op:
    """Check an op's shape (not whether it applies); return it with only its own members.

    RFC 6902 section 4: members an op does not define are ignored. Dropping them here
    keeps them out of what is applied, journaled, broadcast and stored in proposals. An
    op that has nothing extra is returned as it is (no copy on the hot path).
    """
    if not isinstance(op, dict):
        raise PatchError("a JSON Patch operation is an object")
    name = op.get("op")
    members = OP_MEMBERS.get(name) if isinstance(name, str) else None
    if members is None:
        raise PatchError(f"'op' must be one of {', '.join(OP_MEMBERS)}")
    if not isinstance(op.get("path"), str):
        raise PatchError(f"{name} op needs a 'path' string")
    if members[-1] == "value" and "value" not in op:
        raise PatchError(f"{name} op needs a value")
    if members[-1] == "from" and not isinstance(op.get("from"), str):
        raise PatchError(f"{name} op needs a 'from' path string")
    if len(op) == len(members):
        return op
    return {member: op[member] for member in members}


def normalize_ops(ops: Sequence[object]) -> list[Op]:
    """Every op checked and reduced to its own members (see :func:`check_op`)."""
    return [check_op(op) for op in ops]


def apply_op(doc: Any, op: Op) -> list[Op]:
    """Apply one op in place; return the ops that undo it, in the order to apply them.

    PatchError if it does not apply or writes a value that is not plain JSON.
    """
    return _apply(doc, op, _admit)


def _copy_trusted(value: Any, _: Tokens) -> Any:
    return clone_json(value)


def _same(value: Any, _: Tokens) -> Any:
    return value


def _apply(doc: Any, op: Op, admit: Callable[[Any, Tokens], Any]) -> list[Op]:
    name = op["op"]
    tokens = parse_path(op["path"])
    if name == "add":
        return _add(doc, tokens, admit(op["value"], tokens))
    if name == "remove":
        return _remove(doc, tokens)[1]
    if name == "replace":
        return _replace(doc, tokens, admit(op["value"], tokens))
    if name == "test":
        if not json_equal(resolve(doc, tokens), op["value"]):
            raise PatchError(f"test failed at {op['path']}")
        return []
    source = parse_path(op["from"])
    if name == "move":
        if source == tokens:
            resolve(doc, source)
            return []
        if tokens[: len(source)] == source:
            raise PatchError("cannot move a value into itself")
        if len(tokens) > len(source) and not depth_within(
            resolve(doc, source), MAX_DOCUMENT_DEPTH - len(tokens)
        ):
            raise PatchError(f"the document may nest at most {MAX_DOCUMENT_DEPTH} levels deep")
        value, undo_remove = _remove(doc, source)
        try:
            undo_add = _add(doc, tokens, value)
        except PatchError:
            restore(doc, undo_remove)
            raise
        return undo_add + undo_remove
    return _add(doc, tokens, admit(resolve(doc, source), tokens))


def apply_ops_unchecked(doc: Any, ops: Sequence[Op]) -> None:
    """Apply trusted ops (journal replay) with no undo bookkeeping.

    Their values were checked when they were first applied, so they are only copied.
    """
    for op in ops:
        _apply(doc, op, _copy_trusted)


def restore(doc: Any, inverse: Sequence[Op]) -> None:
    """Undo in place with ops that :func:`apply_patch` returned, putting back the very
    objects they hold rather than copies.

    An inverse holds the objects an op removed or overwrote, and a later op of the same
    patch may change one of them in place (a list that was moved, then appended to).
    The later op's own inverse undoes that change on the object itself; had the earlier
    inverse put back a copy, the change would stay in the original and the "undone"
    document would differ from the one before the patch.
    """
    for op in inverse:
        _apply(doc, op, _same)


OpHook = Callable[[int, Op], Callable[[], None] | None]


def apply_patch(doc: Any, ops: Sequence[Op], *, around_op: OpHook | None = None) -> list[Op]:
    """Apply ``ops`` in place, all or nothing; return the ops that undo the whole patch.

    ``around_op(index, op)`` runs before each op and may return a callable that runs
    right after it: that is how per-recipient filters see the document on both sides
    of every op. If any op fails, every earlier op is undone and PatchError is raised.
    """
    undo_steps: list[list[Op]] = []
    try:
        for index, given in enumerate(ops):
            try:
                op = check_op(given)
            except PatchError as error:
                raise PatchError(error.message, index=index) from None
            finish = around_op(index, op) if around_op is not None else None
            try:
                undo_steps.append(apply_op(doc, op))
            except PatchError as error:
                raise PatchError(error.message, index=index) from None
            if finish is not None:
                finish()
    except BaseException:
        restore(doc, _reversed_ops(undo_steps))
        raise
    return _reversed_ops(undo_steps)


def _reversed_ops(steps: list[list[Op]]) -> list[Op]:
    return [op for step in reversed(steps) for op in step]
