"""Dice expressions: parse what a player types ("2d20kh1+5") and roll it.

Parsing and rolling are pure functions of their inputs (the randomness comes in as an
`rng` argument), so the server can validate a request before it touches the campaign and
tests can replay any roll from a seed.

Grammar (case-insensitive, whitespace ignored)::

    expression := [sign] term (sign term)*
    term       := constant | [count] "d" sides [modifier]
    sides      := integer | "%"                      # d% is d100
    modifier   := ("kh" | "kl" | "dh" | "dl") [integer]   # missing count means 1
                | "adv" | "advantage" | "dis" | "disadvantage"

`d20adv` means `2d20kh1` and `d20dis` means `2d20kl1`; they apply to a single die.
Dice may have a single side: a d1 is a fixed 1, which some systems use as a placeholder,
and it costs nothing to allow.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, TypedDict

__all__ = [
    "DEFAULT_RNG",
    "MAX_CONSTANT",
    "MAX_DICE_PER_TERM",
    "MAX_DICE_TOTAL",
    "MAX_EXPRESSION_CHARS",
    "MAX_SIDES",
    "MAX_TERMS",
    "MIN_SIDES",
    "DiceError",
    "Die",
    "Modifier",
    "RollResult",
    "Term",
    "TermSpec",
    "parse",
    "roll",
]

# Limits keep one request from costing the host real CPU or flooding the chat log.
MAX_EXPRESSION_CHARS: Final = 200
MAX_TERMS: Final = 20
MAX_DICE_PER_TERM: Final = 100
MAX_DICE_TOTAL: Final = 1000
MIN_SIDES: Final = 1
MAX_SIDES: Final = 1000
MAX_CONSTANT: Final = 10_000

DEFAULT_RNG: Final[random.Random] = secrets.SystemRandom()
"""Used when `roll` gets no rng: players must not be able to predict the next roll."""

_DIGITS: Final = "0123456789"
_LETTERS: Final = "abcdefghijklmnopqrstuvwxyz"
_SIGNS: Final = "+-"
_ADVANTAGE_WORDS: Final = frozenset({"adv", "advantage"})
_DISADVANTAGE_WORDS: Final = frozenset({"dis", "disadvantage"})
_MODIFIER_HINT: Final = "after dice, use kh, kl, dh, dl, adv or dis"


class DiceError(ValueError):
    """A dice expression that cannot be rolled.

    `str()` is a message a player understands: what is wrong and where. `position` is
    the 1-based character index in the original text it points at, when there is one,
    so a client can underline it.
    """

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class Modifier(StrEnum):
    """Which dice of a term count towards the total."""

    KEEP_HIGHEST = "kh"
    KEEP_LOWEST = "kl"
    DROP_HIGHEST = "dh"
    DROP_LOWEST = "dl"


@dataclass(frozen=True, slots=True)
class TermSpec:
    """One parsed term, before rolling: a constant when `count` is 0, else dice.

    `modifier_count` is the K of khK/klK/dhK/dlK; parse guarantees it leaves at least
    one die kept.
    """

    sign: int
    constant: int = 0
    count: int = 0
    sides: int = 0
    modifier: Modifier | None = None
    modifier_count: int = 0

    @property
    def is_constant(self) -> bool:
        return self.count == 0

    @property
    def text(self) -> str:
        """Canonical unsigned text, e.g. "2d20kh1"; parsing it gives this spec back."""
        if self.is_constant:
            return str(self.constant)
        suffix = "" if self.modifier is None else f"{self.modifier}{self.modifier_count}"
        return f"{self.count}d{self.sides}{suffix}"

    @property
    def kept_count(self) -> int:
        """How many of the rolled dice count towards the total."""
        if self.modifier in (Modifier.KEEP_HIGHEST, Modifier.KEEP_LOWEST):
            return self.modifier_count
        if self.modifier in (Modifier.DROP_HIGHEST, Modifier.DROP_LOWEST):
            return self.count - self.modifier_count
        return self.count

    @property
    def keeps_highest(self) -> bool:
        """True when the kept dice are the highest ones (kh and dl)."""
        return self.modifier in (Modifier.KEEP_HIGHEST, Modifier.DROP_LOWEST)


@dataclass(frozen=True, slots=True)
class Die:
    """One rolled die; `kept` is False when a keep/drop modifier discarded it."""

    sides: int
    value: int
    kept: bool


@dataclass(frozen=True, slots=True)
class Term:
    """One rolled term; `value` is its signed contribution to the total."""

    text: str
    sign: int
    dice: tuple[Die, ...]
    value: int


class DieJson(TypedDict):
    sides: int
    value: int
    kept: bool


class TermJson(TypedDict):
    text: str
    sign: int
    value: int
    dice: list[DieJson]


class RollJson(TypedDict):
    expr: str
    total: int
    terms: list[TermJson]


@dataclass(frozen=True, slots=True)
class RollResult:
    """A finished roll: the normalized expression, the total and every die behind it."""

    expr: str
    total: int
    terms: tuple[Term, ...]

    def to_json(self) -> RollJson:
        """Plain JSON-ready data, so clients can render or animate each die."""
        return {
            "expr": self.expr,
            "total": self.total,
            "terms": [
                {
                    "text": term.text,
                    "sign": term.sign,
                    "value": term.value,
                    "dice": [
                        {"sides": die.sides, "value": die.value, "kept": die.kept}
                        for die in term.dice
                    ],
                }
                for term in self.terms
            ],
        }

    def describe(self) -> str:
        """Plain text for the chat log: "2d20kh1+5 = [17, 4 dropped] + 5 = 22".

        Dropped dice stay in roll order, marked with "dropped", so players can check the
        arithmetic without markup.
        """
        parts: list[str] = []
        for index, term in enumerate(self.terms):
            if term.dice:
                shown = "[" + ", ".join(_describe_die(die) for die in term.dice) + "]"
            else:
                shown = term.text
            if index == 0:
                parts.append(f"-{shown}" if term.sign < 0 else shown)
            else:
                parts.append(f"{'-' if term.sign < 0 else '+'} {shown}")
        return f"{self.expr} = {' '.join(parts)} = {self.total}"


def _describe_die(die: Die) -> str:
    return str(die.value) if die.kept else f"{die.value} dropped"


def parse(expr: str) -> tuple[TermSpec, ...]:
    """Parse and validate `expr` without rolling.

    Raises DiceError for anything malformed or over a limit, so callers can reject a
    request before doing any work.
    """
    if len(expr) > MAX_EXPRESSION_CHARS:
        raise DiceError(
            f"the expression is {len(expr)} characters long; the limit is {MAX_EXPRESSION_CHARS}"
        )
    scanner = _Scanner(expr)
    if scanner.at_end():
        raise DiceError("the expression is empty; try something like '1d20+5'")
    terms: list[TermSpec] = []
    while True:
        sign = 1
        if scanner.peek() in _SIGNS:
            sign = -1 if scanner.take() == "-" else 1
        elif terms:
            raise DiceError(
                f"unexpected {scanner.peek_raw()!r} at position {scanner.position()}: "
                "expected '+' or '-' between terms",
                position=scanner.position(),
            )
        terms.append(_parse_term(scanner, sign))
        if len(terms) > MAX_TERMS:
            raise DiceError(f"too many terms; the limit is {MAX_TERMS}")
        if scanner.at_end():
            break
    dice_total = sum(term.count for term in terms)
    if dice_total > MAX_DICE_TOTAL:
        raise DiceError(f"the expression rolls {dice_total} dice; the limit is {MAX_DICE_TOTAL}")
    return tuple(terms)


def roll(expr: str, rng: random.Random | None = None) -> RollResult:
    """Parse and roll `expr`.

    `rng` exists for deterministic tests and replays; leave it None in play so the roll
    comes from the operating system's secure source. Raises DiceError like `parse`.
    """
    specs = parse(expr)
    source = DEFAULT_RNG if rng is None else rng
    terms = tuple(_roll_term(spec, source) for spec in specs)
    return RollResult(
        expr=_normalize(specs),
        total=sum(term.value for term in terms),
        terms=terms,
    )


def _normalize(specs: tuple[TermSpec, ...]) -> str:
    pieces: list[str] = []
    for index, spec in enumerate(specs):
        if spec.sign < 0:
            pieces.append("-")
        elif index > 0:
            pieces.append("+")
        pieces.append(spec.text)
    return "".join(pieces)


def _roll_term(spec: TermSpec, rng: random.Random) -> Term:
    if spec.is_constant:
        return Term(text=spec.text, sign=spec.sign, dice=(), value=spec.sign * spec.constant)
    values = [rng.randint(1, spec.sides) for _ in range(spec.count)]
    # Ties go to the earlier die (sorted is stable, also with reverse=True), so the
    # same rolls always mark the same dice as dropped.
    ranked = sorted(range(spec.count), key=values.__getitem__, reverse=spec.keeps_highest)
    kept = set(ranked[: spec.kept_count])
    dice = tuple(
        Die(sides=spec.sides, value=value, kept=index in kept) for index, value in enumerate(values)
    )
    return Term(
        text=spec.text,
        sign=spec.sign,
        dice=dice,
        value=spec.sign * sum(die.value for die in dice if die.kept),
    )


class _Scanner:
    """The non-space characters of an expression, remembering where each one was.

    Positions in errors refer to the text the player typed, spaces included.
    """

    def __init__(self, expr: str) -> None:
        self._expr = expr
        self._indexes = [i for i, char in enumerate(expr) if not char.isspace()]
        self._next = 0

    def at_end(self) -> bool:
        return self._next >= len(self._indexes)

    def peek(self) -> str:
        """The next character, lowercased if ASCII, or "" at the end."""
        raw = self.peek_raw()
        return raw.lower() if raw.isascii() else raw

    def peek_raw(self) -> str:
        return "" if self.at_end() else self._expr[self._indexes[self._next]]

    def position(self) -> int:
        """1-based position of the next character; one past the text at the end."""
        if self.at_end():
            return len(self._expr) + 1
        return self._indexes[self._next] + 1

    def mark(self) -> int:
        return self._next

    def take(self) -> str:
        char = self.peek()
        self._next += 1
        return char

    def take_run(self, alphabet: str) -> str:
        run: list[str] = []
        while not self.at_end() and self.peek() in alphabet:
            run.append(self.take())
        return "".join(run)

    def text_since(self, mark: int) -> str:
        """What the player typed from `mark` to here, without spaces."""
        return "".join(self._expr[i] for i in self._indexes[mark : self._next])


def _parse_term(scanner: _Scanner, sign: int) -> TermSpec:
    start = scanner.mark()
    start_position = scanner.position()
    if scanner.at_end():
        raise DiceError(
            "the expression ends too early: expected a number or dice like 'd20'",
            position=start_position,
        )
    char = scanner.peek()
    if char not in _DIGITS and char != "d":
        raise DiceError(
            f"unexpected {scanner.peek_raw()!r} at position {start_position}: "
            "expected a number or dice like 'd20'",
            position=start_position,
        )
    count_digits = scanner.take_run(_DIGITS)
    if scanner.peek() != "d":
        constant = int(count_digits)
        if constant > MAX_CONSTANT:
            raise DiceError(
                f"'{count_digits}': numbers are at most {MAX_CONSTANT}", position=start_position
            )
        return TermSpec(sign=sign, constant=constant)
    scanner.take()
    count = int(count_digits) if count_digits else 1
    sides = _parse_sides(scanner)
    modifier, modifier_count, count = _parse_modifier(scanner, count, start)
    spec = TermSpec(
        sign=sign,
        count=count,
        sides=sides,
        modifier=modifier,
        modifier_count=modifier_count,
    )
    _check_dice(spec, scanner.text_since(start), start_position)
    return spec


def _parse_sides(scanner: _Scanner) -> int:
    if scanner.peek() == "%":
        scanner.take()
        return 100
    digits = scanner.take_run(_DIGITS)
    if digits:
        return int(digits)
    position = scanner.position()
    found = "the end" if scanner.at_end() else repr(scanner.peek_raw())
    raise DiceError(
        f"expected the number of sides after 'd' at position {position}, found {found}; "
        "write e.g. 'd6' or 'd%'",
        position=position,
    )


def _parse_modifier(
    scanner: _Scanner, count: int, term_start: int
) -> tuple[Modifier | None, int, int]:
    """Read an optional modifier; returns (modifier, its K, the dice count to roll)."""
    position = scanner.position()
    word_start = scanner.mark()
    word = scanner.take_run(_LETTERS)
    if not word:
        return None, 0, count
    if word in _ADVANTAGE_WORDS or word in _DISADVANTAGE_WORDS:
        if count != 1:
            raise DiceError(
                f"'{scanner.text_since(term_start)}': {word} rolls one die twice; "
                f"leave off the count, or keep from {count} dice with kh or kl",
                position=position,
            )
        keep = Modifier.KEEP_HIGHEST if word in _ADVANTAGE_WORDS else Modifier.KEEP_LOWEST
        return keep, 1, 2
    try:
        modifier = Modifier(word)
    except ValueError:
        raise DiceError(
            f"unexpected {scanner.text_since(word_start)!r} at position {position}: "
            + _MODIFIER_HINT,
            position=position,
        ) from None
    digits = scanner.take_run(_DIGITS)
    return modifier, int(digits) if digits else 1, count


def _check_dice(spec: TermSpec, text: str, position: int) -> None:
    def fail(problem: str) -> DiceError:
        return DiceError(f"'{text}': {problem}", position=position)

    if spec.count < 1:
        raise fail("roll at least 1 die")
    if spec.count > MAX_DICE_PER_TERM:
        raise fail(f"at most {MAX_DICE_PER_TERM} dice in one term")
    if spec.sides < MIN_SIDES:
        raise fail(f"a die needs at least {MIN_SIDES} side")
    if spec.sides > MAX_SIDES:
        raise fail(f"dice have at most {MAX_SIDES} sides")
    if spec.modifier in (Modifier.KEEP_HIGHEST, Modifier.KEEP_LOWEST):
        if spec.modifier_count < 1:
            raise fail("keep at least 1 die")
        if spec.modifier_count > spec.count:
            raise fail(f"cannot keep {spec.modifier_count} of {spec.count} dice")
    elif spec.modifier in (Modifier.DROP_HIGHEST, Modifier.DROP_LOWEST):
        if spec.modifier_count < 1:
            raise fail(f"drop at least 1 die, or leave off '{spec.modifier}'")
        if spec.modifier_count >= spec.count:
            raise fail(f"dropping {spec.modifier_count} of {spec.count} dice leaves none to keep")
