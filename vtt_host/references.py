"""Fields that name other entities, and what a player sees of them.

A player's view holds no reference to a hidden entity (docs/protocol.md "State and
views"). Every field of the schema that names an entity is decided here, once:

| field | names | what a player sees |
|---|---|---|
| ``actors[].inventory[].itemId`` | items | only the entries whose item they can see |
| ``encounters[].combatants[]`` | actors | only the combatants they can see |
| ``encounters[].mapId`` | maps | null while the map is hidden |
| ``currentSession.initiative[].actorId`` | actors | only the entries they can see |
| ``currentSession.turn`` | an entry of the order | see :func:`turn_seen` |
| ``currentSession.currentMapId`` | maps | null while the map is hidden |
| ``currentSession.activeEncounterId`` | encounters | null while it is hidden |
| ``currentSession.tokenPositions`` keys | actors | visible actors' only (views.py) |

Left as they are: ``actors[].owner``, chat ``from``/``to``, ``pendingActions[].playerId``
and ``connectedPlayers[].playerId`` name players, who are never hidden; ``imageAsset``
is a content hash, not an entity. Hiding a running encounter hides the encounter (its
name, its id as the player's ``activeEncounterId``), not the turns of the visible
actors fighting in it.

Visibility is the same for every player, so everything here depends on the state
alone: an actor is hidden while the GM hides it, and while its token stands in fog
(fog.py). The one exception, handouts (shown to some players only), is referred to by
nothing, so it stays in handouts.py and never reaches this table.

Values that are not what the schema says (a patch halfway through) count as
naming nothing visible; validation refuses such a change once it is applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vtt_host.fog import in_fog
from vtt_host.patching import Tokens

SESSION = "currentSession"


@dataclass(frozen=True, slots=True)
class Reference:
    """A field naming entities of ``target``: one id (or null), or a list of them."""

    target: str
    many: bool = False
    key: str | None = None
    """For a list of objects, the member holding the id."""


ENTITY_REFERENCES: dict[str, dict[str, Reference]] = {
    "actors": {"inventory": Reference("items", many=True, key="itemId")},
    "encounters": {
        "combatants": Reference("actors", many=True),
        "mapId": Reference("maps"),
    },
}
"""Reference fields inside entities, by collection and field."""

SESSION_REFERENCES: dict[str, Reference] = {
    "initiative": Reference("actors", many=True, key="actorId"),
    "currentMapId": Reference("maps"),
    "activeEncounterId": Reference("encounters"),
}
"""Reference fields of ``currentSession``; ``turn`` follows ``initiative``."""

ORDER_UNITS: tuple[Tokens, Tokens] = ((SESSION, "initiative"), (SESSION, "turn"))
"""A player's ``turn`` is an index into their ``initiative``: the two change together."""


def visible(state: dict[str, Any], collection: str, entity_id: object) -> bool:
    """Whether players can see the entity: it exists, is not hidden, and (an actor)
    does not stand in fog (fog.py)."""
    entities = state.get(collection)
    if not isinstance(entities, dict) or not isinstance(entity_id, str):
        return False
    entity = entities.get(entity_id)
    if not isinstance(entity, dict) or entity.get("hidden", False):
        return False
    return collection != "actors" or not in_fog(state, entity_id)


def _named(reference: Reference, element: Any) -> Any:
    if reference.key is None:
        return element
    return element.get(reference.key) if isinstance(element, dict) else None


def seen(state: dict[str, Any], reference: Reference, value: Any) -> Any:
    """What a player sees of a reference field: ``value`` itself when it names nothing
    hidden (no copy), else a filtered list or null."""
    if not reference.many:
        return value if value is None or visible(state, reference.target, value) else None
    if not isinstance(value, list):
        return value
    kept = [item for item in value if visible(state, reference.target, _named(reference, item))]
    return value if len(kept) == len(value) else kept


def names_hidden(state: dict[str, Any], reference: Reference, value: Any) -> bool:
    """Whether a player's view of the field differs from ``value``."""
    if not reference.many:
        return value is not None and not visible(state, reference.target, value)
    return seen(state, reference, value) is not value


def order_names_hidden(state: dict[str, Any]) -> bool:
    """Whether players see the initiative order (and so ``turn``) differently."""
    order = state[SESSION].get("initiative")
    return names_hidden(state, SESSION_REFERENCES["initiative"], order)


def turn_seen(state: dict[str, Any]) -> Any:
    """A player's ``turn``: the position, in their initiative, of the combatant acting
    now if they can see it; while one they cannot see acts, of the next one they can see
    (wrapping to the start of the order). 0 when they see no combatant at all.

    So the index always points at a combatant of the player's own list, the same one
    the GM sees acting whenever it is visible, and it does not move while hidden
    combatants take their turns.
    """
    session = state[SESSION]
    order, turn = session.get("initiative"), session.get("turn")
    if not isinstance(order, list):
        return turn
    shown = [visible(state, "actors", _named(SESSION_REFERENCES["initiative"], e)) for e in order]
    if all(shown):
        return turn
    if not any(shown) or not isinstance(turn, int) or isinstance(turn, bool):
        return 0
    current = next((i for i in range(max(turn, 0), len(order)) if shown[i]), shown.index(True))
    return sum(shown[:current])


def referrers(state: dict[str, Any], collection: str, entity_id: str) -> list[Tokens]:
    """The parts of the document whose player view changes when the entity is revealed,
    hidden, created or removed (each the smallest unit a filter resends whole)."""
    session = state[SESSION]
    units: list[Tokens] = []
    if collection == "actors":
        if entity_id in _mapping(session.get("tokenPositions")):
            units.append((SESSION, "tokenPositions", entity_id))
        order = SESSION_REFERENCES["initiative"]
        if any(_named(order, entry) == entity_id for entry in _items(session.get("initiative"))):
            units.extend(ORDER_UNITS)
    elif collection == "maps" and session.get("currentMapId") == entity_id:
        units.append((SESSION, "currentMapId"))
    elif collection == "encounters" and session.get("activeEncounterId") == entity_id:
        units.append((SESSION, "activeEncounterId"))
    for holder, fields in ENTITY_REFERENCES.items():
        for field, reference in fields.items():
            if reference.target != collection:
                continue
            for key, entity in _mapping(state.get(holder)).items():
                if _names(reference, _mapping(entity).get(field), entity_id):
                    units.append((holder, key, field))
    return units


def collection_referrers(collection: str) -> list[Tokens]:
    """What may change for players when a whole collection is replaced at once."""
    units: list[Tokens] = [
        (SESSION, name) for name, ref in SESSION_REFERENCES.items() if ref.target == collection
    ]
    if collection == "actors":
        units.extend([(SESSION, "tokenPositions"), (SESSION, "turn")])
    units.extend(
        (holder,)
        for holder, fields in ENTITY_REFERENCES.items()
        if any(ref.target == collection for ref in fields.values())
    )
    return units


def _names(reference: Reference, value: Any, entity_id: str) -> bool:
    if reference.many:
        return any(_named(reference, item) == entity_id for item in _items(value))
    return bool(value == entity_id)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
