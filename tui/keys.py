"""The GM app's keys as a person reads them: where each one works and what it does.

Built from the ``BINDINGS`` of the app, the screen in use and the widgets on it each
time it is asked, so the help screen and the palette's key hints never go stale when
a binding is added or changed. Only our own classes' bindings are listed: Textual's
(cursor keys in a table, editing keys in a text box) are what every terminal app does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import TabbedContent, TabPane

OUR_PACKAGE = "tui."
PALETTE_DESCRIPTION = "Command palette: every action by name"
ANYWHERE = "Anywhere"
EVERY_TAB = "Every tab"


@dataclass(frozen=True, slots=True)
class KeyHelp:
    keys: str
    """How the keys read in the footer (``a``, ``^q``, ``+ / =``)."""
    description: str
    action: str
    """The action without its namespace: ``approve``, ``show_tab('queue')``."""


@dataclass(frozen=True, slots=True)
class KeyGroup:
    title: str
    keys: tuple[KeyHelp, ...]
    current: bool = False
    """The group of the tab on screen."""


def own_bindings(node: DOMNode | type[DOMNode]) -> list[Binding]:
    """The bindings our classes declare for ``node`` (its class and our base classes)."""
    cls = node if isinstance(node, type) else type(node)
    found: list[Binding] = []
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith(OUR_PACKAGE) and "BINDINGS" in vars(klass):
            found.extend(b for b in Binding.make_bindings(vars(klass)["BINDINGS"]) if not b.system)
    return found


def _action(binding: Binding) -> str:
    for namespace in ("app.", "screen."):
        if binding.action.startswith(namespace):
            return binding.action.removeprefix(namespace)
    return binding.action


def _merged(app: App[Any], bindings: Iterable[Binding]) -> tuple[KeyHelp, ...]:
    """One line per action, its keys side by side (``+ / =``), in declaration order."""
    keys: dict[tuple[str, str], list[str]] = {}
    for binding in bindings:
        shown = app.get_key_display(binding)
        listed = keys.setdefault((_action(binding), binding.description or _action(binding)), [])
        if shown not in listed:
            listed.append(shown)
    return tuple(
        KeyHelp(" / ".join(shown), description, action)
        for (action, description), shown in keys.items()
    )


def screen_title(screen: Screen[Any]) -> str:
    """``EditOpsScreen`` -> ``Edit ops``: a dialog's name, for its group of keys."""
    name = type(screen).__name__.removesuffix("Screen")
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return words[:1].upper() + words[1:] if words else "This screen"


def key_groups(app: App[Any], screen: Screen[Any]) -> list[KeyGroup]:
    """The keys of ``app`` and of ``screen``, grouped: anywhere, the screen, each tab."""
    app_bindings = [
        Binding(app.COMMAND_PALETTE_BINDING, "command_palette", PALETTE_DESCRIPTION),
        *own_bindings(app),
    ]
    groups = [KeyGroup(ANYWHERE, _merged(app, app_bindings))]
    panes = list(screen.query(TabPane))
    in_panes: set[DOMNode] = set()
    tab_groups: list[KeyGroup] = []
    for pane in panes:
        widgets = [pane, *pane.query("*")]
        in_panes.update(widgets)
        tabbed = next((a for a in pane.ancestors if isinstance(a, TabbedContent)), None)
        title = str(tabbed.get_tab(pane).label) if tabbed is not None and pane.id else "Tab"
        current = tabbed is not None and tabbed.active == pane.id
        bindings = _unique_classes(widgets)
        tab_groups.append(KeyGroup(title, _merged(app, bindings), current))
    others = [w for w in screen.query("*") if w not in in_panes]
    screen_bindings = own_bindings(screen) + _unique_classes(others)
    if screen_bindings:
        title = EVERY_TAB if panes else screen_title(screen)
        groups.append(KeyGroup(title, _merged(app, screen_bindings)))
    groups.extend(group for group in tab_groups if group.keys)
    return groups


def _unique_classes(nodes: Iterable[DOMNode]) -> list[Binding]:
    """The bindings of each class among ``nodes`` once, however many instances there are."""
    seen: set[type[DOMNode]] = set()
    bindings: list[Binding] = []
    for node in nodes:
        if type(node) not in seen:
            seen.add(type(node))
            bindings.extend(own_bindings(node))
    return bindings


def keys_by_action(app: App[Any], screen: Screen[Any]) -> dict[str, str]:
    """Action (without namespace) -> the keys that run it, for the palette's hints."""
    found: dict[str, str] = {}
    for group in key_groups(app, screen):
        for key in group.keys:
            found.setdefault(key.action, key.keys)
    return found
