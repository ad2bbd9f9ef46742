"""What a sheet reads from the GM's typing: no empty field becomes a silent 0."""

from __future__ import annotations

import pytest

from tui.sheet_fields import FieldError, ability_scores, changed_fields, hit_points, whole_number

SIX = ("strength", "dexterity", "constitution", "intelligence", "wisdom", "charisma")


def test_empty_optional_number_is_none_not_zero() -> None:
    assert whole_number("  ", field="ac", label="AC", required=False) is None


def test_empty_required_number_is_an_error_naming_its_field() -> None:
    with pytest.raises(FieldError) as error:
        whole_number("", field="initiative-bonus", label="Initiative bonus")
    assert error.value.field == "initiative-bonus"
    assert "type a number" in error.value.message


@pytest.mark.parametrize(("text", "value"), [("+3", 3), ("-2", -2), (" 15 ", 15)])
def test_signed_numbers_are_read(text: str, value: int) -> None:
    assert whole_number(text, field="x", label="X") == value


def test_words_and_out_of_range_numbers_are_refused() -> None:
    with pytest.raises(FieldError, match="not a whole number"):
        whole_number("ten", field="x", label="X")
    with pytest.raises(FieldError, match="must be 0 to 999"):
        whole_number("1000", field="x", label="X", minimum=0, maximum=999)
    with pytest.raises(FieldError, match="cannot be below 0"):
        whole_number("-1", field="x", label="X", minimum=0)


def test_all_hp_fields_empty_means_no_hit_points() -> None:
    assert hit_points("", "", "", allow_over_max=False) is None


def test_hp_with_an_empty_current_is_refused_not_zeroed() -> None:
    with pytest.raises(FieldError) as error:
        hit_points("", "12", "", allow_over_max=False)
    assert error.value.field == "hp-current"


def test_hp_with_an_empty_max_is_refused() -> None:
    with pytest.raises(FieldError) as error:
        hit_points("5", "", "", allow_over_max=False)
    assert error.value.field == "hp-max"


def test_empty_temp_hp_means_no_temporary_hit_points() -> None:
    assert hit_points("5", "12", "", allow_over_max=False) == {"current": 5, "max": 12, "temp": 0}


def test_current_above_max_needs_the_gms_say_so() -> None:
    with pytest.raises(FieldError, match="allow over max"):
        hit_points("15", "12", "", allow_over_max=False)
    assert hit_points("15", "12", "2", allow_over_max=True) == {"current": 15, "max": 12, "temp": 2}


def test_negative_current_hp_is_allowed_but_not_negative_max() -> None:
    assert hit_points("-3", "12", "", allow_over_max=False) == {"current": -3, "max": 12, "temp": 0}
    with pytest.raises(FieldError):
        hit_points("1", "-1", "", allow_over_max=False)


def test_ability_scores_are_all_six_or_none() -> None:
    assert ability_scores(dict.fromkeys(SIX, "")) is None
    assert ability_scores(dict.fromkeys(SIX, "12")) == dict.fromkeys(SIX, 12)
    partial = {**dict.fromkeys(SIX, "10"), "wisdom": ""}
    with pytest.raises(FieldError) as error:
        ability_scores(partial)
    assert error.value.field == "ability-wisdom"


def test_changed_fields_are_those_the_gm_edited() -> None:
    original = {"name": "Thorin", "hp": {"current": 9, "max": 12, "temp": 0}, "notes": ""}
    edited = {"name": "Thorin", "hp": {"current": 7, "max": 12, "temp": 0}, "notes": ""}
    assert changed_fields(original, edited) == {"hp": {"current": 7, "max": 12, "temp": 0}}
