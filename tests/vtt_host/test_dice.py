from __future__ import annotations

import random
import re
import secrets
from collections import Counter

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from vtt_host import dice
from vtt_host.dice import DiceError, Modifier, TermSpec

# --- parsing each form -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("5", (TermSpec(sign=1, constant=5),)),
        ("-5", (TermSpec(sign=-1, constant=5),)),
        ("+0", (TermSpec(sign=1, constant=0),)),
        ("1d6", (TermSpec(sign=1, count=1, sides=6),)),
        ("d20", (TermSpec(sign=1, count=1, sides=20),)),
        ("3d8", (TermSpec(sign=1, count=3, sides=8),)),
        ("d%", (TermSpec(sign=1, count=1, sides=100),)),
        ("2d%", (TermSpec(sign=1, count=2, sides=100),)),
        ("d1", (TermSpec(sign=1, count=1, sides=1),)),
        (
            "4d6kh3",
            (TermSpec(1, count=4, sides=6, modifier=Modifier.KEEP_HIGHEST, modifier_count=3),),
        ),
        (
            "4d6kl2",
            (TermSpec(1, count=4, sides=6, modifier=Modifier.KEEP_LOWEST, modifier_count=2),),
        ),
        (
            "4d6dh1",
            (TermSpec(1, count=4, sides=6, modifier=Modifier.DROP_HIGHEST, modifier_count=1),),
        ),
        (
            "4d6dl2",
            (TermSpec(1, count=4, sides=6, modifier=Modifier.DROP_LOWEST, modifier_count=2),),
        ),
        (
            "2d20kh",
            (TermSpec(1, count=2, sides=20, modifier=Modifier.KEEP_HIGHEST, modifier_count=1),),
        ),
        (
            "2d20kl",
            (TermSpec(1, count=2, sides=20, modifier=Modifier.KEEP_LOWEST, modifier_count=1),),
        ),
        (
            "4d6dl",
            (TermSpec(1, count=4, sides=6, modifier=Modifier.DROP_LOWEST, modifier_count=1),),
        ),
    ],
)
def test_parse_single_term_forms(expr: str, expected: tuple[TermSpec, ...]) -> None:
    assert dice.parse(expr) == expected


@pytest.mark.parametrize(
    ("expr", "keep"),
    [
        ("d20adv", Modifier.KEEP_HIGHEST),
        ("1d20adv", Modifier.KEEP_HIGHEST),
        ("d20advantage", Modifier.KEEP_HIGHEST),
        ("d20dis", Modifier.KEEP_LOWEST),
        ("1d20dis", Modifier.KEEP_LOWEST),
        ("d20 Disadvantage", Modifier.KEEP_LOWEST),
    ],
)
def test_advantage_shorthand_means_two_dice_keep_one(expr: str, keep: Modifier) -> None:
    (spec,) = dice.parse(expr)
    assert spec == TermSpec(sign=1, count=2, sides=20, modifier=keep, modifier_count=1)
    assert spec.text == f"2d20{keep}1"


def test_parse_is_case_insensitive_and_ignores_whitespace() -> None:
    assert dice.parse("  2 D 20 K H 1 +\t5 ") == dice.parse("2d20kh1+5")
    # Spaces never separate numbers, so "1d6 2" is a d62, not two terms.
    assert dice.parse("1d6 2") == dice.parse("1d62")


def test_parse_multiple_terms_with_signs() -> None:
    assert dice.parse("-1d4+2d6-3") == (
        TermSpec(sign=-1, count=1, sides=4),
        TermSpec(sign=1, count=2, sides=6),
        TermSpec(sign=-1, constant=3),
    )


def test_roll_normalizes_the_expression() -> None:
    result = dice.roll("D20 ADV + 5 - d%", random.Random(0))
    assert result.expr == "2d20kh1+5-1d100"
    assert [term.text for term in result.terms] == ["2d20kh1", "5", "1d100"]


def test_limits_are_accepted_at_the_boundary() -> None:
    dice.parse("100d1000")
    dice.parse("10000")
    dice.parse("+".join(["100d6"] * 10))
    dice.parse("+".join(["1"] * dice.MAX_TERMS))
    dice.parse("1" + " " * (dice.MAX_EXPRESSION_CHARS - 1))


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "message", "position"),
    [
        ("", "empty", None),
        ("   ", "empty", None),
        ("2d0", "'2d0': a die needs at least 1 side", 1),
        ("1d1001", "'1d1001': dice have at most 1000 sides", 1),
        ("0d6", "'0d6': roll at least 1 die", 1),
        ("101d6", "'101d6': at most 100 dice in one term", 1),
        ("10001", "'10001': numbers are at most 10000", 1),
        ("1d6x", "unexpected 'x' at position 4", 4),
        ("1d6 + x", "unexpected 'x' at position 7", 7),
        ("3 x", "unexpected 'x' at position 3: expected '+' or '-'", 3),
        ("1d6++2", "unexpected '+' at position 5", 5),
        ("1d6+", "ends too early", 5),
        ("2d", "number of sides after 'd' at position 3, found the end", 3),
        ("2dx", "number of sides after 'd' at position 3, found 'x'", 3),
        ("2d6kh3", "'2d6kh3': cannot keep 3 of 2 dice", 1),
        ("2d6kl0", "'2d6kl0': keep at least 1 die", 1),
        ("4d6dl4", "'4d6dl4': dropping 4 of 4 dice leaves none to keep", 1),
        ("4d6dh0", "'4d6dh0': drop at least 1 die", 1),
        ("2d20adv", "'2d20adv': adv rolls one die twice", 5),
        ("1d6 + 3d20dis", "'3d20dis': dis rolls one die twice", 11),
        ("1d20advx", "unexpected 'advx' at position 5", 5),
        ("4d6kh1d", "unexpected 'd' at position 7", 7),
        ("\uff11d6", "unexpected '\uff11' at position 1", 1),
    ],
)
def test_parse_errors_say_what_and_where(expr: str, message: str, position: int | None) -> None:
    with pytest.raises(DiceError, match=re.escape(message)) as caught:
        dice.parse(expr)
    assert caught.value.position == position


def test_too_long_expression_is_rejected_before_parsing() -> None:
    with pytest.raises(DiceError, match="201 characters long; the limit is 200"):
        dice.parse("1" + " " * dice.MAX_EXPRESSION_CHARS)


def test_too_many_terms_is_rejected() -> None:
    with pytest.raises(DiceError, match="too many terms; the limit is 20"):
        dice.parse("+".join(["1"] * (dice.MAX_TERMS + 1)))


def test_too_many_dice_in_all_is_rejected() -> None:
    with pytest.raises(DiceError, match="rolls 1001 dice; the limit is 1000"):
        dice.parse("+".join(["100d6"] * 10) + "+d6")


def test_advantage_counts_both_dice_towards_the_total_limit() -> None:
    with pytest.raises(DiceError, match="rolls 1002 dice"):
        dice.parse("+".join(["100d6"] * 10) + "+d20adv")


def test_dice_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unexpected"):
        dice.roll("hello")


# --- rolling -----------------------------------------------------------------------------


def test_keep_highest_marks_the_lower_die_dropped() -> None:
    result = dice.roll("2d20kh1+5", random.Random(3))
    first, second = result.terms[0].dice
    assert first.kept != second.kept
    kept = first if first.kept else second
    assert result.total == kept.value + 5


def test_ties_keep_the_earlier_die() -> None:
    result = dice.roll("3d1kh1")
    assert [die.kept for die in result.terms[0].dice] == [True, False, False]


def test_describe_shows_every_die_and_marks_dropped_ones() -> None:
    result = dice.RollResult(
        expr="2d20kh1+5-1d4",
        total=19,
        terms=(
            dice.Term("2d20kh1", 1, (dice.Die(20, 17, True), dice.Die(20, 4, False)), 17),
            dice.Term("5", 1, (), 5),
            dice.Term("1d4", -1, (dice.Die(4, 3, True),), -3),
        ),
    )
    assert result.describe() == "2d20kh1+5-1d4 = [17, 4 dropped] + 5 - [3] = 19"


def test_describe_leading_negative_term() -> None:
    result = dice.roll("-2+1d1")
    assert result.describe() == "-2+1d1 = -2 + [1] = -1"


def test_to_json_shape() -> None:
    result = dice.roll("d20dis-2", random.Random(7))
    data = result.to_json()
    assert data["expr"] == "2d20kl1-2"
    assert data["total"] == result.total
    term, constant = data["terms"]
    assert set(term) == {"text", "sign", "value", "dice"}
    assert term["text"] == "2d20kl1"
    assert [set(die) for die in term["dice"]] == [{"sides", "value", "kept"}] * 2
    assert constant == {"text": "2", "sign": -1, "value": -2, "dice": []}


def test_seeded_rolls_are_reproducible() -> None:
    assert dice.roll("10d20dl3+4", random.Random(42)) == dice.roll("10d20dl3+4", random.Random(42))


def test_default_rng_is_system_random() -> None:
    assert isinstance(dice.DEFAULT_RNG, secrets.SystemRandom)


def test_roll_without_rng_draws_from_default_rng(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dice, "DEFAULT_RNG", random.Random(5))
    assert dice.roll("5d20") == dice.roll("5d20", random.Random(5))


def test_one_d6_hits_every_face_evenly() -> None:
    rolls_n = 6000
    rng = random.Random(20240601)
    faces = Counter(dice.roll("1d6", rng).total for _ in range(rolls_n))
    assert set(faces) == {1, 2, 3, 4, 5, 6}
    expected = rolls_n / 6
    chi_square = sum((count - expected) ** 2 / expected for count in faces.values())
    # 20.52 is the 99.9th percentile of chi-square with 5 degrees of freedom.
    assert chi_square < 20.52
    assert all(850 < count < 1150 for count in faces.values())


# --- properties --------------------------------------------------------------------------


@st.composite
def dice_terms(draw: st.DrawFn) -> tuple[str, TermSpec]:
    """A dice term as a player might type it, with the spec it should parse to."""
    count = draw(st.integers(1, 100))
    sides = draw(st.integers(dice.MIN_SIDES, dice.MAX_SIDES))
    count_text = "" if count == 1 and draw(st.booleans()) else str(count)
    sides_text = "%" if sides == 100 and draw(st.booleans()) else str(sides)
    kind = draw(st.sampled_from(["none", "kh", "kl", "dh", "dl", "adv", "dis"]))
    if kind in ("adv", "dis"):
        words = ["adv", "advantage"] if kind == "adv" else ["dis", "disadvantage"]
        prefix = "1" if draw(st.booleans()) else ""
        text = f"{prefix}d{sides_text}{draw(st.sampled_from(words))}"
        keep = Modifier.KEEP_HIGHEST if kind == "adv" else Modifier.KEEP_LOWEST
        return text, TermSpec(1, count=2, sides=sides, modifier=keep, modifier_count=1)
    text = f"{count_text}d{sides_text}"
    most_k = count if kind in ("kh", "kl") else count - 1
    if kind == "none" or most_k < 1:
        return text, TermSpec(1, count=count, sides=sides)
    modifier = Modifier(kind)
    k = draw(st.integers(1, most_k))
    k_text = "" if k == 1 and draw(st.booleans()) else str(k)
    return f"{text}{kind}{k_text}", TermSpec(
        1, count=count, sides=sides, modifier=modifier, modifier_count=k
    )


@st.composite
def terms(draw: st.DrawFn) -> tuple[str, TermSpec]:
    if draw(st.booleans()):
        value = draw(st.integers(0, dice.MAX_CONSTANT))
        return str(value), TermSpec(1, constant=value)
    return draw(dice_terms())


def _scramble(draw: st.DrawFn, text: str) -> str:
    """Random case and spaces, which the grammar ignores."""
    out: list[str] = []
    for char in text:
        if draw(st.booleans()) and len(out) < 40:
            out.append(" ")
        out.append(char.upper() if draw(st.booleans()) else char)
    return "".join(out)


@st.composite
def expressions(draw: st.DrawFn) -> tuple[str, tuple[TermSpec, ...]]:
    """A valid expression and its expected specs; at most 10 terms keeps dice <= 1000."""
    parts = draw(st.lists(terms(), min_size=1, max_size=10))
    pieces: list[str] = []
    specs: list[TermSpec] = []
    for index, (text, spec) in enumerate(parts):
        sign = draw(st.sampled_from([1, -1]))
        if sign < 0:
            pieces.append("-")
        elif index > 0 or draw(st.booleans()):
            pieces.append("+")
        pieces.append(text)
        specs.append(
            TermSpec(
                sign, spec.constant, spec.count, spec.sides, spec.modifier, spec.modifier_count
            )
        )
    expr = _scramble(draw, "".join(pieces))
    assume(len(expr) <= dice.MAX_EXPRESSION_CHARS)
    return expr, tuple(specs)


def _bounds(specs: tuple[TermSpec, ...]) -> tuple[int, int]:
    low = high = 0
    for spec in specs:
        if spec.is_constant:
            term_low = term_high = spec.constant
        else:
            term_low, term_high = spec.kept_count, spec.kept_count * spec.sides
        if spec.sign > 0:
            low, high = low + term_low, high + term_high
        else:
            low, high = low - term_high, high - term_low
    return low, high


@given(expressions())
def test_generated_expressions_parse_to_their_specs(case: tuple[str, tuple[TermSpec, ...]]) -> None:
    expr, specs = case
    assert dice.parse(expr) == specs


@given(expressions())
def test_normalized_expression_parses_back_to_the_same_specs(
    case: tuple[str, tuple[TermSpec, ...]],
) -> None:
    expr, specs = case
    assert dice.parse(dice.roll(expr, random.Random(0)).expr) == specs


@given(expressions(), st.randoms(use_true_random=False))
def test_roll_invariants(case: tuple[str, tuple[TermSpec, ...]], rng: random.Random) -> None:
    expr, specs = case
    result = dice.roll(expr, rng)
    low, high = _bounds(specs)
    assert low <= result.total <= high
    assert len(result.terms) == len(specs)
    expected_total = 0
    for spec, term in zip(specs, result.terms, strict=True):
        assert term.sign == spec.sign
        assert term.text == spec.text
        if spec.is_constant:
            assert term.dice == ()
            assert term.value == spec.sign * spec.constant
        else:
            assert len(term.dice) == spec.count
            assert all(
                die.sides == spec.sides and 1 <= die.value <= spec.sides for die in term.dice
            )
            kept = [die.value for die in term.dice if die.kept]
            dropped = [die.value for die in term.dice if not die.kept]
            assert len(kept) == spec.kept_count
            if kept and dropped:
                if spec.keeps_highest:
                    assert min(kept) >= max(dropped)
                else:
                    assert max(kept) <= min(dropped)
            assert term.value == spec.sign * sum(kept)
        expected_total += term.value
    assert result.total == expected_total


@given(st.integers(1, dice.MAX_SIDES), st.randoms(use_true_random=False))
def test_advantage_is_never_lower_than_either_die(sides: int, rng: random.Random) -> None:
    (term,) = dice.roll(f"d{sides}adv", rng).terms
    values = [die.value for die in term.dice]
    assert len(values) == 2
    assert term.value == max(values)
    assert all(term.value >= value for value in values)


@given(st.integers(1, dice.MAX_SIDES), st.randoms(use_true_random=False))
def test_disadvantage_keeps_the_lower_die(sides: int, rng: random.Random) -> None:
    (term,) = dice.roll(f"d{sides}dis", rng).terms
    values = [die.value for die in term.dice]
    assert len(values) == 2
    assert term.value == min(values)
    assert term.value >= 1


@given(st.text(max_size=60))
def test_arbitrary_text_either_parses_or_raises_dice_error(text: str) -> None:
    try:
        dice.parse(text)
    except DiceError as error:
        message = str(error)
    else:
        message = "parsed"
    assert message
