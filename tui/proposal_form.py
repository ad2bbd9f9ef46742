"""A player's proposal as a form in words, and the form's answers as the same ops, edited.

Players' pages send a few shapes of JSON Patch (vtt_host/web/propose.js): a number
(HP, temporary HP, maximum HP), a condition added, a condition removed (a ``test`` of
its name, then the ``remove``), a text such as notes, a token's position. Each becomes
a row of inputs ("Thorin: HP 12 → [9]"); ``ProposalForm.ops`` puts the answers back
into ops of the shape the player sent, in their order. Ops of any other shape are kept
as they are and listed, so nothing the player asked for is dropped unseen.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from tui.describe import MISSING, cell_text, conditions_text, describe_op, label, lookup, subject
from vtt_host.errors import PatchError
from vtt_host.patching import Op, join_path, parse_path

InputKind = Literal["int", "text", "notes", "choice"]
FIELD_WORDS = {
    ("hp", "current"): "HP",
    ("hp", "temp"): "temporary HP",
    ("hp", "max"): "maximum HP",
    ("hp",): "HP",
    ("tokenPositions",): "position",
}
LONG_TEXT_FIELDS = frozenset({"notes", "description", "gmNotes"})
"""Text fields edited in a box of several lines."""


@dataclass(frozen=True, slots=True)
class FormInput:
    key: str
    """Unique in its form: how ``ProposalForm.ops`` finds the answer."""
    label: str
    value: str
    kind: InputKind = "text"
    choices: tuple[tuple[str, str], ...] = ()
    """(value, shown) of a ``choice``."""
    optional: bool = False


@dataclass(frozen=True, slots=True)
class FormRow:
    title: str
    inputs: tuple[FormInput, ...]
    indexes: tuple[int, ...]
    """The ops of the proposal this row stands for (two for a condition's removal)."""
    build: Callable[[Mapping[str, str]], list[Op]] = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ProposalForm:
    rows: tuple[FormRow, ...]
    kept: tuple[str, ...]
    """Ops the form cannot show in words, described; ``ops`` keeps them unchanged."""
    source: tuple[Op, ...]

    def ops(self, answers: Mapping[str, str]) -> list[Op]:
        """The proposal's ops with the answers put in; ValueError says which is wrong."""
        by_first = {row.indexes[0]: row for row in self.rows}
        covered = {index for row in self.rows for index in row.indexes}
        result: list[Op] = []
        for index, change in enumerate(self.source):
            if index in by_first:
                result.extend(by_first[index].build(answers))
            elif index not in covered:
                result.append(copy.deepcopy(change))
        return result

    def initial(self) -> dict[str, str]:
        return {field.key: field.value for row in self.rows for field in row.inputs}


def whole_number(answers: Mapping[str, str], field: FormInput, title: str) -> int | None:
    text = answers.get(field.key, "").strip()
    if not text and field.optional:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{title} {field.label}: write a whole number") from None


def proposal_form(state: Mapping[str, Any], ops: Sequence[Mapping[str, Any]]) -> ProposalForm:
    """The form for ``ops`` read against the live document."""
    source = tuple(copy.deepcopy(dict(change)) for change in ops)
    rows: list[FormRow] = []
    kept: list[str] = []
    index = 0
    while index < len(source):
        change = source[index]
        following = source[index + 1] if index + 1 < len(source) else None
        row = _removal_row(state, index, change, following) or _value_row(state, index, change)
        if row is None:
            kept.append(describe_op(state, change))
            index += 1
            continue
        rows.append(row)
        index += len(row.indexes)
    return ProposalForm(tuple(rows), tuple(kept), source)


def _tokens(change: Mapping[str, Any]) -> tuple[str, ...] | None:
    try:
        return tuple(parse_path(change.get("path", "")))
    except PatchError:
        return None


def _title(state: Mapping[str, Any], tokens: Sequence[str]) -> tuple[str, str]:
    """(who, what): ``("Thorin", "HP")`` for /actors/…/hp/current."""
    who, rest = subject(state, tokens)
    what = FIELD_WORDS.get(tuple(rest)) or " ".join(label(token) for token in rest)
    return who, what


def _now(state: Mapping[str, Any], tokens: Sequence[str]) -> str:
    value = lookup(state, tokens)
    if value is MISSING:
        return "—"
    if isinstance(value, Mapping) and set(value) == {"x", "y"}:
        return cell_text(value["x"], value["y"])
    if isinstance(value, Mapping) and {"current", "max"} <= set(value):
        return f"{value['current']}/{value['max']}"
    return str(value)


def _value_row(state: Mapping[str, Any], index: int, change: Op) -> FormRow | None:
    """A row for an ``add`` or ``replace`` of a number, text, position, HP or condition."""
    tokens = _tokens(change)
    if change.get("op") not in ("add", "replace") or not tokens:
        return None
    value = change.get("value")
    who, what = _title(state, tokens)
    key = f"{index}"

    def with_value(new: Any) -> list[Op]:
        return [{**copy.deepcopy(change), "value": new}]

    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        title = f"{who}: {what} {_now(state, tokens)} →"
        number = FormInput(f"{key}.value", "", str(value), "int")
        return FormRow(
            title,
            (number,),
            (index,),
            lambda answers: with_value(whole_number(answers, number, title)),
        )
    if isinstance(value, str):
        title = f"{who}: {what}"
        long = tokens[-1] in LONG_TEXT_FIELDS or "\n" in value
        text = FormInput(f"{key}.value", "", value, "notes" if long else "text")
        return FormRow(title, (text,), (index,), lambda answers: with_value(answers[text.key]))
    if not isinstance(value, Mapping):
        return None
    if set(value) == {"x", "y"}:
        title = f"{who}: {what} {_now(state, tokens)} →"
        x = FormInput(f"{key}.x", "x", str(value["x"]), "int")
        y = FormInput(f"{key}.y", "y", str(value["y"]), "int")
        return FormRow(
            title,
            (x, y),
            (index,),
            lambda answers: with_value(
                {"x": whole_number(answers, x, title), "y": whole_number(answers, y, title)}
            ),
        )
    if {"current", "max", "temp"} >= set(value) >= {"current", "max"}:
        title = f"{who}: {what} {_now(state, tokens)} →"
        parts = tuple(
            FormInput(f"{key}.{part}", part, str(value.get(part, 0)), "int")
            for part in ("current", "max", "temp")
        )
        return FormRow(
            title,
            parts,
            (index,),
            lambda answers: with_value(
                {part.label: whole_number(answers, part, title) for part in parts}
            ),
        )
    if tokens[-2:-1] == ("conditions",) and isinstance(value.get("name"), str):
        return _condition_row(state, index, change, tokens)
    return None


def _condition_row(
    state: Mapping[str, Any], index: int, change: Op, tokens: tuple[str, ...]
) -> FormRow:
    who, _ = subject(state, tokens)
    value = change["value"]
    actor = lookup(state, tokens[:2])
    has = conditions_text(actor) if isinstance(actor, Mapping) else ""
    title = f"{who}: add condition" + (f" (has {has})" if has else "")
    name = FormInput(f"{index}.name", "", str(value["name"]), "text")
    rounds = value.get("rounds")
    count = FormInput(
        f"{index}.rounds", "rounds", "" if rounds is None else str(rounds), "int", optional=True
    )

    def build(answers: Mapping[str, str]) -> list[Op]:
        named = answers.get(name.key, "").strip()
        if not named:
            raise ValueError(f"{title}: name the condition")
        condition = {**copy.deepcopy(value), "name": named}
        how_long = whole_number(answers, count, title)
        if how_long is None:
            condition.pop("rounds", None)
        else:
            condition["rounds"] = how_long
        return [{**copy.deepcopy(change), "value": condition}]

    return FormRow(title, (name, count), (index,), build)


def _removal_row(
    state: Mapping[str, Any], index: int, change: Op, following: Op | None
) -> FormRow | None:
    """A condition's removal (with the ``test`` of its name players send first), as a
    choice among the conditions the actor has now."""
    tokens = _tokens(change)
    if not tokens:
        return None
    tested: str | None = None
    if (
        change.get("op") == "test"
        and following is not None
        and following.get("op") == "remove"
        and tokens[-1:] == ("name",)
        and _tokens(following) == tokens[:-1]
    ):
        tested, tokens, count = str(change.get("value")), tokens[:-1], 2
    elif change.get("op") == "remove":
        count = 1
    else:
        return None
    if len(tokens) != 4 or tokens[0] != "actors" or tokens[2] != "conditions":
        return None
    if not tokens[3].isdigit():
        return None
    actor = lookup(state, tokens[:2])
    conditions = actor.get("conditions", []) if isinstance(actor, Mapping) else []
    if not conditions:
        return None
    names = [str(condition.get("name", "")) for condition in conditions]
    position = int(tokens[3])
    chosen = names.index(tested) if tested in names else min(position, len(names) - 1)
    choices = tuple(
        (str(i), conditions_text({"conditions": [condition]}))
        for i, condition in enumerate(conditions)
    )
    who, _ = subject(state, tokens)
    which = FormInput(f"{index}.which", "", str(chosen), "choice", choices)
    base = tokens[:3]

    def build(answers: Mapping[str, str]) -> list[Op]:
        picked = int(answers[which.key])
        path = join_path((*base, str(picked)))
        removal: list[Op] = [{"op": "remove", "path": path}]
        if count == 2:
            return [{"op": "test", "path": f"{path}/name", "value": names[picked]}, *removal]
        return removal

    return FormRow(f"{who}: remove condition", (which,), tuple(range(index, index + count)), build)
