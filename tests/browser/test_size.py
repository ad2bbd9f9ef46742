"""The browser client's own files stay small: no build step, nothing fetched."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "vtt_host" / "web"
LIMIT_BYTES = 200 * 1024


def web_files() -> list[Path]:
    return sorted(p for p in WEB.rglob("*") if p.is_file())


def test_the_page_files_total_at_most_200_kb() -> None:
    sizes = {p.relative_to(WEB).as_posix(): p.stat().st_size for p in web_files()}
    total = sum(sizes.values())
    print(f"\nweb client: {len(sizes)} files, {total} bytes ({total / 1024:.1f} KiB)")
    for name, size in sizes.items():
        print(f"  {name:<16} {size:>7}")
    assert {"index.html", "app.js", "style.css"} <= set(sizes)
    assert total <= LIMIT_BYTES


def test_nothing_is_fetched_from_another_origin() -> None:
    remote = re.compile(r"""(?:src|href|url\(|import[^;]*?from)\s*=?\s*["']?(?:https?:)?//""", re.I)
    for path in web_files():
        text = path.read_text(encoding="utf-8")
        assert not remote.search(text), f"{path.name} refers to another origin"
        assert "@import" not in text, path.name
        assert "@font-face" not in text, path.name


def test_no_text_of_the_campaign_becomes_markup() -> None:
    """Names, notes, handouts and chat reach the page as text (dom.js ``h`` sets
    ``textContent``): no API that parses HTML from a string is used anywhere."""
    parsers = re.compile(
        r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|DOMParser"
        r"|createContextualFragment|srcdoc"
    )
    for path in web_files():
        if path.suffix in {".js", ".html"}:
            found = parsers.search(path.read_text(encoding="utf-8"))
            assert found is None, f"{path.name} uses {found.group(0) if found else ''}"


def test_the_page_asks_for_every_module_at_once() -> None:
    """Each module is preloaded by the page, so the browser fetches them side by side
    instead of one import level after another; and every one it preloads is imported."""
    page = (WEB / "index.html").read_text(encoding="utf-8")
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', page))
    modules = {p.name for p in WEB.glob("*.js")} - {"app.js"}
    assert preloaded == modules
    imported = {
        name
        for path in WEB.glob("*.js")
        for name in re.findall(r'from "\./([^"]+)"', path.read_text(encoding="utf-8"))
    }
    assert modules <= imported
