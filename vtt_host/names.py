"""Players' display names: one normal form, and the names a table refuses.

A name is what other people read on screen, so two names that look the same must be
the same name, and a name must not be able to pass for another. Pure functions, no
state: the host normalises every name it stores or compares with ``normalize_name``,
compares with ``name_key`` and looks for near-lookalikes with ``skeleton``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

NAME_MAX_CHARS = 64
"""After normalisation (NFKC can make a name longer: one ligature becomes 18 letters)."""
COMBINING_RUN_MAX = 3
"""Accents on one letter: more than this is a glyph tower that covers other text."""
RESERVED_KEYS = frozenset({"gm", "game master"})

_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Controls (tabs and newlines too), format characters (bidi controls, zero-width
joiners), surrogates, private use, unassigned, line and paragraph separators. Spaces
(Zs) are allowed: ``normalize_name`` makes each run of them one space."""
_INVISIBLE = frozenset(
    (
        *(0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164, 0xFFA0),
        *range(0x180B, 0x1810),
        *range(0xFE00, 0xFE10),
        *range(0xE0100, 0xE01F0),
    )
)
"""Default-ignorable or blank characters that are letters or marks, not format
characters: the combining grapheme joiner, Hangul fillers, Khmer inherent vowels,
Mongolian and other variation selectors, and the blank Braille pattern."""

_SCRIPT_ALIASES = {
    "CJK": "HAN",
    "KATAKANA-HIRAGANA": "KATAKANA",
    "ARABIC-INDIC": "ARABIC",
    "EXTENDED": "ARABIC",
}
_COMMON_PREFIXES = frozenset({"MODIFIER", "IDEOGRAPHIC"})
_MIXES_ALLOWED = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
)
"""Scripts that are written together (Unicode TR39 "highly restrictive")."""

_CYRILLIC_LOOKALIKES = {
    "CAPITAL LETTER A": "A", "CAPITAL LETTER VE": "B", "CAPITAL LETTER ES": "C",
    "CAPITAL LETTER IE": "E", "CAPITAL LETTER EN": "H", "CAPITAL LETTER JE": "J",
    "CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I": "l", "CAPITAL LETTER KA": "K",
    "CAPITAL LETTER EM": "M", "CAPITAL LETTER O": "O", "CAPITAL LETTER ER": "P",
    "CAPITAL LETTER DZE": "S", "CAPITAL LETTER TE": "T", "CAPITAL LETTER HA": "X",
    "CAPITAL LETTER U": "Y", "CAPITAL LETTER STRAIGHT U": "Y", "CAPITAL LETTER QA": "Q",
    "CAPITAL LETTER WE": "W", "LETTER PALOCHKA": "l", "SMALL LETTER PALOCHKA": "l",
    "SMALL LETTER A": "a", "SMALL LETTER VE": "b", "SMALL LETTER ES": "c",
    "SMALL LETTER IE": "e", "SMALL LETTER IO": "e", "SMALL LETTER SHHA": "h",
    "SMALL LETTER BYELORUSSIAN-UKRAINIAN I": "i", "SMALL LETTER YI": "i",
    "SMALL LETTER JE": "j", "SMALL LETTER KA": "k", "SMALL LETTER EM": "m",
    "SMALL LETTER EN": "h", "SMALL LETTER O": "o", "SMALL LETTER ER": "p",
    "SMALL LETTER QA": "q", "SMALL LETTER GHE": "r", "SMALL LETTER DZE": "s",
    "SMALL LETTER TE": "t", "SMALL LETTER U": "y", "SMALL LETTER STRAIGHT U": "y",
    "SMALL LETTER WE": "w", "SMALL LETTER HA": "x", "SMALL LETTER SOFT SIGN": "b",
}  # fmt: skip
_GREEK_LOOKALIKES = {
    "CAPITAL LETTER ALPHA": "A", "CAPITAL LETTER BETA": "B", "CAPITAL LETTER EPSILON": "E",
    "CAPITAL LETTER ZETA": "Z", "CAPITAL LETTER ETA": "H", "CAPITAL LETTER IOTA": "l",
    "CAPITAL LETTER KAPPA": "K", "CAPITAL LETTER MU": "M", "CAPITAL LETTER NU": "N",
    "CAPITAL LETTER OMICRON": "O", "CAPITAL LETTER RHO": "P", "CAPITAL LETTER TAU": "T",
    "CAPITAL LETTER UPSILON": "Y", "CAPITAL LETTER CHI": "X",
    "SMALL LETTER ALPHA": "a", "SMALL LETTER BETA": "b", "SMALL LETTER GAMMA": "y",
    "SMALL LETTER EPSILON": "e", "SMALL LETTER ETA": "n", "SMALL LETTER IOTA": "i",
    "SMALL LETTER KAPPA": "k", "SMALL LETTER NU": "v", "SMALL LETTER OMICRON": "o",
    "SMALL LETTER RHO": "p", "SMALL LETTER TAU": "t", "SMALL LETTER UPSILON": "u",
    "SMALL LETTER CHI": "x", "SMALL LETTER OMEGA": "w",
}  # fmt: skip
_LOOKALIKES = str.maketrans(
    {
        **{unicodedata.lookup(f"CYRILLIC {n}"): v for n, v in _CYRILLIC_LOOKALIKES.items()},
        **{unicodedata.lookup(f"GREEK {n}"): v for n, v in _GREEK_LOOKALIKES.items()},
        # Latin and digits that read as each other
        "I": "l", "1": "l", "|": "l", "0": "o",
    }
)  # fmt: skip
"""Letters of other scripts drawn like Latin ones (after Unicode TR39's confusables)."""


class BadName(ValueError):
    """A name the table refuses; ``reason`` is said to the person who typed it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalize_name(raw: str) -> str:
    """NFKC, every run of whitespace one space, none at the ends."""
    return " ".join(unicodedata.normalize("NFKC", raw).split())


def name_key(name: str) -> str:
    """What two names are compared by: normalised and case-folded (NFKC_Casefold-like)."""
    return unicodedata.normalize("NFKC", normalize_name(name).casefold())


def skeleton(name: str) -> str:
    """A name with lookalike letters made the same: "Alice" with a Cyrillic "A" reads
    "alice", as do "ALICE" and "AIice"."""
    mapped = normalize_name(name).translate(_LOOKALIKES).casefold()
    return mapped.replace("rn", "m")


def check_name(raw: str) -> str:
    """The normal form of a name a player may take; BadName with the reason if not."""
    _check_characters(unicodedata.normalize("NFKC", raw))
    name = normalize_name(raw)
    if not name:
        raise BadName("a name needs at least one visible character")
    if len(name) > NAME_MAX_CHARS:
        raise BadName(f"a name has at most {NAME_MAX_CHARS} characters")
    _check_scripts(name)
    if name_key(name) in RESERVED_KEYS or skeleton(name) in RESERVED_KEYS:
        raise BadName(f'"{name}" is reserved for the game master')
    return name


def lookalike(name: str, others: Iterable[str]) -> str | None:
    """The first of ``others`` that reads like ``name`` without being the same name."""
    key, shape = name_key(name), skeleton(name)
    for other in others:
        if name_key(other) != key and skeleton(other) == shape:
            return other
    return None


def _check_characters(name: str) -> None:
    run = 0
    for char in name:
        category = unicodedata.category(char)
        if category in _REFUSED_CATEGORIES or ord(char) in _INVISIBLE:
            shown = f"U+{ord(char):04X}"
            raise BadName(f"names cannot contain invisible or control characters ({shown})")
        run = run + 1 if category in ("Mn", "Me") else 0
        if run > COMBINING_RUN_MAX:
            raise BadName("too many accents on one letter")


def _script(char: str) -> str | None:
    """The script of a letter or a non-ASCII digit; None for everything shared."""
    category = unicodedata.category(char)
    if not (category.startswith("L") or (category == "Nd" and not char.isascii())):
        return None
    first = unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]
    if first in _COMMON_PREFIXES:
        return None
    return _SCRIPT_ALIASES.get(first, first)


def _check_scripts(name: str) -> None:
    scripts = {script for script in map(_script, name) if script is not None}
    if len(scripts) <= 1 or any(scripts <= allowed for allowed in _MIXES_ALLOWED):
        return
    shown = " and ".join(sorted(script.title() for script in scripts))
    raise BadName(f"a name cannot mix alphabets ({shown}): they make lookalike names")
