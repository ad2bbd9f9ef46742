"""Staleness by path overlap: one version number, and no false alarms.

A GM decision (or an undo) based on version V is stale only if a change journaled
after V wrote a path that overlaps a path the decision writes. Two paths overlap when
one is a prefix of the other. Adding or removing a list element shifts its siblings,
so it counts as writing the whole list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from vtt_host.patching import Op, join_path, parse_path

Path = tuple[str, ...]

NOT_COMPARED: tuple[Path, ...] = (("currentSession", "pendingActions"), ("changeLog",))
"""Paths the host writes on every decision or change; they never make anything stale."""


ID_KEYED: frozenset[Path] = frozenset(
    {
        ("players",),
        ("actors",),
        ("items",),
        ("maps",),
        ("encounters",),
        ("handouts",),
        ("currentSession", "tokenPositions"),
    }
)
"""Objects keyed by id: a key of digits there is an id, not a list index."""


def written_paths(ops: Iterable[Op]) -> list[Path]:
    """The paths a list of ops writes, widened to whole lists where indices shift."""
    paths: list[Path] = []
    for op in ops:
        name = op["op"]
        if name == "test":
            continue
        targets = [op["path"]] + ([op["from"]] if name == "move" else [])
        for target in targets:
            tokens = tuple(parse_path(target))
            shifts_siblings = name in ("add", "remove", "move", "copy")
            if shifts_siblings and _is_index(tokens[-1]) and tokens[:-1] not in ID_KEYED:
                tokens = tokens[:-1]
            if not any(tokens[: len(skip)] == skip for skip in NOT_COMPARED):
                paths.append(tokens)
    return paths


def _is_index(token: str) -> bool:
    return token == "-" or token.isdigit()


def overlaps(left: Path, right: Path) -> bool:
    shorter = min(len(left), len(right))
    return left[:shorter] == right[:shorter]


def overlapping(mine: Sequence[Path], theirs: Iterable[Path]) -> list[str]:
    """The paths of ``theirs`` that overlap any of ``mine``, as JSON Pointers, deduplicated."""
    found: dict[str, None] = {}
    for path in theirs:
        if any(overlaps(path, own) for own in mine):
            found[join_path(path)] = None
    return list(found)
