"""Trying out changes before they wait for the GM: a player's against their own view.

A proposal is checked now (could it apply?) and applied later, when the GM approves.
Checked against the whole campaign, its answer would be an oracle: a ``test`` op on a
hidden actor's hit points, followed by an op that fails, tells by which op the refusal
names whether the test passed. So a player's ops are tried on that player's view,
validated with the view's shapes (no GM notes, no GM settings): what they may read and
write is what they see, and whether they are refused, and why, is the same whatever
the GM hides. Approval applies them to the whole document, as the GM sees them.

Positions are the one thing a view cannot answer for: lists a player sees in part
(the chat, the initiative order, inventories, an encounter's combatants) have other
indices in the campaign. Whatever they hold, a proposal may only append to them
(``add`` at ``-``); the proposals queue is the host's, and the turn moves with
``next_turn``.

A proposal that only edits the proposer's own sheets (``own_sheets_edited``) applies at
once, as their change, while the table does not list ``sheet_edit`` in
``gmSettings.requireApproval``; it is tried on their view first all the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vtt_host.errors import Invalid, PatchError
from vtt_host.patching import Op, Tokens, apply_patch, join_path, parse_path, restore
from vtt_host.references import visible
from vtt_host.validation import PLAYER_VIEW, Scope, Shapes, check_scopes, scopes_written

_SEEN_IN_PART: dict[tuple[str | None, ...], str] = {
    ("currentSession", "chatMessages"): "the chat",
    ("currentSession", "initiative"): "the initiative order",
    ("actors", None, "inventory"): "an inventory",
    ("encounters", None, "combatants"): "an encounter's combatants",
}
"""Lists a player may see part of, as path patterns (None: any id)."""


def _seen_in_part(tokens: Tokens) -> str | None:
    for pattern, name in _SEEN_IN_PART.items():
        head = tokens[: len(pattern)]
        if len(head) < len(pattern):
            continue
        if all(p is None or p == t for p, t in zip(pattern, head, strict=True)):
            return name
    return None


SHEET_FIELDS = frozenset(
    {"hp", "conditions", "notes", "inventory", "stats", "abilities", "armorClass", "speed"}
)
"""What a player may change on their own actors without the GM, unless the table lists
``sheet_edit`` in ``requireApproval``; who owns an actor, whether it is hidden, what it
is, its id, image and GM notes are always the GM's to decide."""


def own_sheets_edited(state: dict[str, Any], ops: Sequence[Op], player_id: str) -> list[str] | None:
    """The actors whose sheets ``ops`` edit, if they only read and write sheet fields
    of visible actors this player owns (``from`` included: a copy from another actor
    would read it); else None.

    Judged on what the player sees too: ownership, and visibility, are in their view.
    """
    touched: dict[str, None] = {}
    actors = state["actors"]
    for change in ops:
        for key in ("path", "from"):
            path = change.get(key)
            if path is None:
                continue
            tokens = parse_path(path)
            if len(tokens) < 3 or tokens[0] != "actors" or tokens[2] not in SHEET_FIELDS:
                return None
            actor = actors.get(tokens[1])
            if not visible(state, "actors", tokens[1]) or actor.get("owner") != player_id:
                return None
            touched.setdefault(tokens[1])
    return list(touched) or None


def check_positions(ops: Sequence[Op]) -> None:
    """Refuse what a view cannot answer for, judged on the paths alone (never on what
    the lists hold, which would tell whether they hold something hidden)."""
    for change in ops:
        for key in ("path", "from"):
            if isinstance(change.get(key), str):
                _check_position(change["op"], key, parse_path(change[key]))


def _check_position(name: str, key: str, tokens: Tokens) -> None:
    path = join_path(tokens)
    if tokens[:2] == ("currentSession", "pendingActions"):
        raise Invalid(f"{path} is managed by the host and cannot be changed")
    if tokens[:2] == ("currentSession", "turn"):
        raise Invalid(f"{path}: the turn moves with next_turn, not in a proposal")
    what = _seen_in_part(tokens)
    if what is None:
        return
    depth = 3 if tokens[0] != "currentSession" else 2
    appends = key == "path" and name == "add" and len(tokens) == depth + 1
    if not (appends and tokens[depth] == "-"):
        raise Invalid(
            f"{path}: positions in {what} may differ between your view and the campaign,"
            " so a proposal can only add to its end ('-')"
        )


def check_against_view(seen: dict[str, Any], ops: Sequence[Op]) -> None:
    """Refuse ops that could not apply to ``seen``, a player's view (``views.view``).

    The view shares objects with the campaign, so the trial changes the campaign in
    place for a moment and puts back exactly the objects it changed; call it between
    two changes, without awaiting. The view is left as it was, and may be reused until
    the campaign next changes.
    """
    check_positions(ops)
    try_ops(seen, ops, PLAYER_VIEW)


def try_ops(document: dict[str, Any], ops: Sequence[Op], shapes: Shapes) -> None:
    """Refuse ops that could not apply to ``document`` now; it is left as it was."""
    scopes: dict[Scope, None] = {}

    def touched(_: int, change: Op) -> None:
        for scope in scopes_written(change):
            scopes.setdefault(scope)

    try:
        undo = apply_patch(document, ops, around_op=touched)
    except PatchError as error:
        raise Invalid(f"these changes do not apply to the campaign ({error.message})") from None
    try:
        check_scopes(document, scopes, shapes)
    finally:
        restore(document, undo)
