"""Finding the collection files of an export and reading their documents.

A file is ``<collection>.json`` (a JSON array, or documents one after another as
``mongoexport`` writes them) or ``<collection>.jsonl`` / ``.ndjson`` (one document per
line). Every document keeps the file and line it came from, so that any later error or
warning can point at it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from vtt_host.legacy.errors import LegacyImportError
from vtt_host.legacy.extended_json import plain

COLLECTIONS: Final = (
    "campaigns",
    "sessions",
    "actors",
    "items",
    "maps",
    "encounters",
    "tokens",
    "effects",
    "players",
    "users",
)
"""Collections read; ``players`` and ``users`` only give names to the actors' owners."""

ALIASES: Final = {
    "campaign": "campaigns",
    "gamesessions": "sessions",
    "game_sessions": "sessions",
    "gamesession": "sessions",
    "session": "sessions",
    "actordocuments": "actors",
    "characters": "actors",
    "itemdocuments": "items",
    "battlemaps": "maps",
}
"""Other names the old host's versions gave to a collection's file."""

EXTENSIONS: Final = (".json", ".jsonl", ".ndjson")
LINES_ONLY_EXTENSIONS: Final = (".jsonl", ".ndjson")
_DECODER: Final = json.JSONDecoder()


@dataclass(slots=True)
class Doc:
    """One document of the export and where it came from (for messages)."""

    where: str
    data: dict[str, Any]


def read_collections(directory: Path) -> dict[str, list[Doc]]:
    """Every collection found in ``directory``, by its canonical name.

    Raises ``LegacyImportError`` for a missing folder, a missing campaigns file, a
    collection exported twice, or a file that is not JSON documents.
    """
    files = collection_files(directory)
    return {name: read_collection(path) for name, path in files.items()}


def collection_files(directory: Path) -> dict[str, Path]:
    """The one file of each collection present; other files are ignored."""
    if not directory.exists():
        raise LegacyImportError(f"{directory}: no such directory")
    if not directory.is_dir():
        raise LegacyImportError(f"{directory}: not a directory (give the export's folder)")
    found: dict[str, list[Path]] = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.suffix.lower() not in EXTENSIONS:
            continue
        stem = path.stem.lower()
        name = ALIASES.get(stem, stem)
        if name in COLLECTIONS:
            found.setdefault(name, []).append(path)
    for name, paths in found.items():
        if len(paths) > 1:
            listed = ", ".join(path.name for path in paths)
            raise LegacyImportError(
                f"{directory}: {name} is exported twice ({listed}); keep one of the files"
            )
    if "campaigns" not in found:
        raise LegacyImportError(
            f"{directory}: no campaigns file (expected campaigns.json, .jsonl or .ndjson)"
        )
    return {name: paths[0] for name, paths in found.items()}


def read_collection(path: Path) -> list[Doc]:
    """The documents of one file, as plain JSON objects with their line numbers."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise LegacyImportError(f"{path.name}: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise LegacyImportError(f"{path.name}: cannot be read ({error.strerror})") from None
    if path.suffix.lower() in LINES_ONLY_EXTENSIONS:
        values = json_lines(text, path.name)
    else:
        values = json_values(text, path.name)
    docs: list[Doc] = []
    for line, value in values:
        where = f"{path.name} line {line}"
        if not isinstance(value, dict):
            raise LegacyImportError(
                f"{where}: a document must be a JSON object, not {_type_name(value)}"
            )
        docs.append(Doc(where, plain(value)))
    return docs


def json_lines(text: str, name: str) -> Iterator[tuple[int, Any]]:
    """JSON Lines: one document per line (blank lines are skipped)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            raise LegacyImportError(
                f"{name} line {number}: malformed JSON ({error.msg}, column {error.colno})"
            ) from None


def json_values(text: str, name: str) -> Iterator[tuple[int, Any]]:
    """The documents in ``text`` with their line numbers.

    A .json file is either one JSON array of documents, or documents one after another
    as ``mongoexport`` writes them (one per line, or pretty-printed).
    """
    lines = _LineCounter(text)
    start = _skip_space(text, 0)
    if start < len(text) and text[start] == "[":
        yield from _array_values(text, start + 1, name, lines)
    else:
        yield from _concatenated_values(text, start, name, lines)


def _concatenated_values(
    text: str, index: int, name: str, lines: _LineCounter
) -> Iterator[tuple[int, Any]]:
    while index < len(text):
        value, end = _decode(text, index, name, lines, in_array=False)
        yield lines.at(index), value
        index = _skip_space(text, end)


def _array_values(
    text: str, index: int, name: str, lines: _LineCounter
) -> Iterator[tuple[int, Any]]:
    index = _skip_space(text, index)
    if index < len(text) and text[index] == "]":
        _expect_end(text, index + 1, name)
        return
    while index < len(text):
        value, end = _decode(text, index, name, lines, in_array=True)
        yield lines.at(index), value
        index = _skip_space(text, end)
        if index < len(text) and text[index] == ",":
            index = _skip_space(text, index + 1)
        elif index < len(text) and text[index] == "]":
            _expect_end(text, index + 1, name)
            return
        else:
            raise LegacyImportError(
                f"{name} line {lines.at(index)}: malformed JSON"
                " (expected ',' or ']' between documents)"
            )
    line = text.count("\n") + 1
    raise LegacyImportError(f"{name} line {line}: malformed JSON (the array is not closed)")


def _decode(
    text: str, index: int, name: str, lines: _LineCounter, *, in_array: bool
) -> tuple[Any, int]:
    """The value starting at ``index`` and where it ends; an error names its line."""
    try:
        return _DECODER.raw_decode(text, index)
    except json.JSONDecodeError as error:
        start = lines.at(index)
        if in_array or error.lineno == start:
            line, detail = error.lineno, f"{error.msg}, column {error.colno}"
        else:  # name the document's first line, and where the parser gave up
            line, detail = start, f"{error.msg} at line {error.lineno}"
        raise LegacyImportError(f"{name} line {line}: malformed JSON ({detail})") from None


class _LineCounter:
    """Line numbers of increasing offsets, counted once (files can be large)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1

    def at(self, index: int) -> int:
        self.line += self.text.count("\n", self.offset, index)
        self.offset = index
        return self.line


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _expect_end(text: str, index: int, name: str) -> None:
    index = _skip_space(text, index)
    if index < len(text):
        line = text.count("\n", 0, index) + 1
        raise LegacyImportError(f"{name} line {line}: malformed JSON (text after the array)")


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"
