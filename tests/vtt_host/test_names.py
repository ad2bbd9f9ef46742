"""Display names: one normal form, and the names that could pass for another."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vtt_host.names import BadName, check_name, lookalike, name_key, normalize_name, skeleton


def accepted(raw: str) -> str | None:
    try:
        return check_name(raw)
    except BadName:
        return None


@given(st.text(max_size=80))
def test_an_accepted_name_is_its_own_normal_form(raw: str) -> None:
    name = accepted(raw)
    if name is None:
        return
    assert check_name(name) == name
    assert normalize_name(name) == name
    assert name == name.strip()
    assert "  " not in name


@given(st.text(max_size=80))
def test_an_accepted_name_holds_nothing_invisible(raw: str) -> None:
    name = accepted(raw)
    if name is None:
        return
    categories = {unicodedata.category(char) for char in name}
    assert not categories & {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
    assert all(char == " " or not char.isspace() for char in name)


@given(st.text(alphabet=st.characters(codec="ascii", categories=["L"]), min_size=1, max_size=20))
def test_case_and_width_do_not_make_another_name(word: str) -> None:
    fullwidth = "".join(chr(ord(char) + 0xFEE0) for char in word)
    assert name_key(word) == name_key(word.upper()) == name_key(fullwidth)


@pytest.mark.parametrize(
    ("latin", "lookalike_letter"),
    [("a", "\u0430"), ("e", "\u0435"), ("o", "\u043e"), ("p", "\u0440"), ("o", "\u03bf")],
)
def test_a_cyrillic_or_greek_letter_reads_like_its_latin_twin(
    latin: str, lookalike_letter: str
) -> None:
    name = f"P{latin}l{latin}"
    twin = name.replace(latin, lookalike_letter)
    assert skeleton(twin) == skeleton(name)
    assert lookalike(twin, ["Someone", name]) == name
    assert lookalike(name, [name.upper()]) is None  # the same name is a claim, not a twin


def test_scripts_written_together_may_be_mixed() -> None:
    assert check_name("Taro たろう 太郎") == "Taro たろう 太郎"
    assert check_name("민준 Kim") == "민준 Kim"
    with pytest.raises(BadName, match="Cyrillic and Latin"):
        check_name("J\u043ehn")


def test_an_expanding_character_cannot_make_a_name_too_long() -> None:
    with pytest.raises(BadName, match="at most 64"):
        check_name("\ufdfa" * 4)  # one character, eighteen letters after NFKC
