"""Who may read a handout: the one collection whose visibility differs between players.

A handout is prepared hidden; revealing it shows it to everyone (``sharedWith`` null)
or to the players listed. Nothing in the document refers to a handout, so its
visibility stays here and changes nothing else in a view (references.py keeps the
rule that every other entity looks the same to every player).

A player's view of a handout holds neither ``sharedWith`` (it names who else may read
it) nor ``hidden`` (always false there) nor ``gmNotes``: a handout in a player's view is
one they can read, and revealing or hiding it, for them, is its ``add`` or ``remove``.
"""

from __future__ import annotations

from typing import Any

HANDOUTS = "handouts"
GM_FIELDS = frozenset({"gmNotes", "hidden", "sharedWith"})
"""Fields of a handout players never see."""
VISIBILITY_FIELDS = frozenset({"hidden", "sharedWith"})


def _handout(state: dict[str, Any], handout_id: object) -> dict[str, Any] | None:
    handouts = state.get(HANDOUTS)
    if not isinstance(handouts, dict) or not isinstance(handout_id, str):
        return None
    handout = handouts.get(handout_id)
    return handout if isinstance(handout, dict) else None


def visible_to(state: dict[str, Any], handout_id: object, player_id: str) -> bool:
    """Whether the player may read the handout: revealed, to everyone or to them.

    ``player_id`` "" is a player nobody listed: it reads only handouts shared with all.
    """
    handout = _handout(state, handout_id)
    if handout is None or handout.get("hidden", True) is not False:
        return False
    shared = handout.get("sharedWith")
    return shared is None or (isinstance(shared, list) and player_id in shared)


def handout_view(handout: dict[str, Any]) -> dict[str, Any]:
    """A handout as a player who may read it sees it."""
    return {key: value for key, value in handout.items() if key not in GM_FIELDS}
