"""The documentation's links and citations lead somewhere.

A reader following a link in README.md or docs/, or a citation such as
``docs/protocol.md "Limits"`` in the code, must land on a file and a section that
exist; and nothing may point at the protocol pages that were folded into
docs/protocol.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PROTOCOL = DOCS / "protocol.md"

TEXT_SUFFIXES = frozenset(
    {".py", ".js", ".md", ".html", ".css", ".tcss", ".toml", ".txt", ".json", ".yml", ".sh"}
)
SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "build", "dist"})
GONE_PAGES = ("PROTOCOL" + ".md", "protocol" + "-extensions")
"""Pages that no longer exist (written in two parts so this file does not name them)."""

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CITATION = re.compile(r"docs/([\w.-]+\.md)\s+\"([^\"]{1,120})\"")
COMMENT_WRAP = re.compile(r"\s*\n\s*(?:#+|//|\*)?\s*")
"""A citation's section name wrapped onto a comment's next line."""
INNER_REFERENCE = re.compile(r"\(\"([A-Z][^\"]{1,60})\"[),:]")
"""docs/protocol.md's references to its own sections: ("Limits"), ("Limits": ...)."""


def source_files() -> Iterator[Path]:
    """Every text file of the project (not the virtualenv, caches or build output)."""
    for path in sorted(ROOT.rglob("*")):
        parts = path.relative_to(ROOT).parts
        if any(
            part.startswith(".") or part.endswith(".egg-info") or part in SKIPPED_DIRS
            for part in parts[:-1]
        ):
            continue
        if path.suffix in TEXT_SUFFIXES and path.is_file():
            yield path


def markdown_pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def prose(markdown: str) -> str:
    """The page without its fenced code blocks (examples are not links)."""
    return FENCE.sub("", markdown)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = heading.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def headings(page: Path) -> frozenset[str]:
    return frozenset(
        match.group(1).replace("`", "") for match in HEADING.finditer(prose(page.read_text()))
    )


def anchors(page: Path) -> frozenset[str]:
    return frozenset(slug(heading) for heading in headings(page))


def test_the_protocol_page_has_the_sections_the_project_cites_most() -> None:
    assert {
        "Limits",
        "Errors",
        "Close codes",
        "Headless start",
        "HTTP routes",
        "Tunnels",
        "Join page and QR code",
    } <= headings(PROTOCOL)


@pytest.mark.parametrize("page", markdown_pages(), ids=lambda page: page.name)
def test_every_relative_link_points_at_a_file_that_exists(page: Path) -> None:
    broken = []
    for match in LINK.finditer(prose(page.read_text())):
        target = match.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        file_part, _, fragment = target.partition("#")
        linked = (page.parent / file_part).resolve() if file_part else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
            broken.append(f"{target}: no heading with that anchor")
    assert broken == [], f"{page.relative_to(ROOT)}: {broken}"


def test_every_citation_of_a_docs_section_names_a_heading_that_exists() -> None:
    broken = []
    for path in source_files():
        for match in CITATION.finditer(path.read_text(errors="replace")):
            page = DOCS / match.group(1)
            section = COMMENT_WRAP.sub(" ", match.group(2)).strip()
            if not page.is_file() or section not in headings(page):
                broken.append(f"{path.relative_to(ROOT)}: docs/{match.group(1)} {section!r}")
    assert broken == []


def test_the_protocol_page_refers_only_to_its_own_sections() -> None:
    text = prose(PROTOCOL.read_text())
    named = {match.group(1) for match in INNER_REFERENCE.finditer(text)}
    assert named, 'the page refers to its sections as ("Name")'
    assert named - headings(PROTOCOL) == set()


def test_no_file_mentions_the_pages_folded_into_the_protocol_page() -> None:
    mentions = [
        f"{path.relative_to(ROOT)}: {gone}"
        for path in source_files()
        for gone in GONE_PAGES
        if gone in path.read_text(errors="replace")
    ]
    assert mentions == []
