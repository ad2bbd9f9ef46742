"""One validated model per action kind (the ``action`` object of an ``action`` frame).

Field names are camelCase on the wire. ``GM_ONLY`` kinds are refused for players before
their handler runs; ``INTERNAL`` kinds are sent by the host itself (presence) and never
accepted from a connection.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from vtt_host.errors import Invalid
from vtt_host.schema import Id, JsonPatchOp, Name
from vtt_host.schema import Model as StateModel


class Model(StateModel):
    """Actions come from the wire: camelCase names only and no type coercion."""

    model_config = ConfigDict(validate_by_name=False, strict=True)


Collection = Literal["actors", "items", "maps", "encounters", "handouts"]
ChatText = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
Summary = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
Coordinate = Annotated[int, Field(ge=-10_000, le=10_000)]
PatchOps = Annotated[list[JsonPatchOp], Field(min_length=1, max_length=1000)]


class MoveToken(Model):
    kind: Literal["move_token"]
    token_id: Id
    x: Coordinate
    y: Coordinate


class RemoveToken(Model):
    kind: Literal["remove_token"]
    token_id: Id


class FogArea(Model):
    x: Coordinate
    y: Coordinate
    width: Annotated[int, Field(ge=1, le=10_000)]
    height: Annotated[int, Field(ge=1, le=10_000)]


class PaintFog(Model):
    """Reveal cells of a map to players, or cover them with fog again."""

    kind: Literal["paint_fog"]
    map_id: Id
    reveal: bool
    areas: Annotated[list[FogArea], Field(min_length=1, max_length=4096)]


class SetFog(Model):
    kind: Literal["set_fog"]
    map_id: Id
    enabled: bool


class Chat(Model):
    kind: Literal["chat"]
    text: ChatText
    to: Id | None = None


class RollDice(Model):
    kind: Literal["roll"]
    expr: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    label: Annotated[str, StringConstraints(max_length=200)] | None = None
    to: Id | None = None


class Propose(Model):
    kind: Literal["propose"]
    summary: Summary
    changes: PatchOps


class Patch(Model):
    kind: Literal["patch"]
    ops: PatchOps
    description: Summary | None = None


class NextTurn(Model):
    kind: Literal["next_turn"]


class PrevTurn(Model):
    kind: Literal["prev_turn"]


class CreateEntity(Model):
    kind: Literal["create_actor", "create_item", "create_map", "create_encounter", "create_handout"]
    data: dict[str, Any]


class UpdateEntity(Model):
    kind: Literal["update_actor", "update_item", "update_map", "update_encounter", "update_handout"]
    id: Id
    set: dict[str, Any] = Field(min_length=1)


class DeleteEntity(Model):
    kind: Literal["delete_actor", "delete_item", "delete_map", "delete_encounter", "delete_handout"]
    id: Id


class SetVisibility(Model):
    kind: Literal["reveal", "hide"]
    collection: Collection
    id: Id
    player_ids: Annotated[list[Id], Field(min_length=1, max_length=64)] | None = None
    """Only for revealing a handout: to these players (others keep theirs); without
    it, to everyone."""


class SetCurrentMap(Model):
    kind: Literal["set_current_map"]
    map_id: Id | None


class AssignActor(Model):
    kind: Literal["assign_actor"]
    actor_id: Id
    player_id: Id | None


class AddCombatant(Model):
    kind: Literal["add_combatant"]
    actor_id: Id
    encounter_id: Id | None = None
    initiative: int | None = None


class RemoveCombatant(Model):
    kind: Literal["remove_combatant"]
    actor_id: Id
    encounter_id: Id | None = None


class RollInitiative(Model):
    kind: Literal["roll_initiative"]
    actor_ids: list[Id] | None = None
    reroll: bool = False


class StartEncounter(Model):
    kind: Literal["start_encounter"]
    encounter_id: Id


class EndEncounter(Model):
    kind: Literal["end_encounter"]


class UpdateSettings(Model):
    kind: Literal["update_settings"]
    require_approval: list[Annotated[str, StringConstraints(max_length=40)]] | None = None
    npc_hit_points: Literal["exact", "bloodied", "none"] | None = None
    notes: Annotated[str, StringConstraints(max_length=20_000)] | None = None


class Undo(Model):
    kind: Literal["undo"]


class Join(Model):
    kind: Literal["join"]
    player_id: Id
    name: Name


class Leave(Model):
    kind: Literal["leave"]
    player_id: Id


class ForgetPlayers(Model):
    kind: Literal["forget_players"]
    player_ids: Annotated[list[Id], Field(min_length=1, max_length=10_000)]


class RemovePlayer(Model):
    kind: Literal["remove_player"]
    player_id: Id


Action = Annotated[
    MoveToken
    | RemoveToken
    | PaintFog
    | SetFog
    | Chat
    | RollDice
    | Propose
    | Patch
    | NextTurn
    | PrevTurn
    | CreateEntity
    | UpdateEntity
    | DeleteEntity
    | SetVisibility
    | SetCurrentMap
    | AssignActor
    | AddCombatant
    | RemoveCombatant
    | RollInitiative
    | StartEncounter
    | EndEncounter
    | UpdateSettings
    | Undo
    | Join
    | Leave
    | ForgetPlayers
    | RemovePlayer,
    Field(discriminator="kind"),
]

ACTION_ADAPTER: TypeAdapter[Action] = TypeAdapter(Action)

PLAYER_KINDS = frozenset({"move_token", "chat", "roll", "propose", "next_turn"})
"""Kinds a player may send; every other client-sent kind is the GM's."""
INTERNAL_KINDS = frozenset({"join", "leave", "forget_players"})
SHEET_EDIT = "sheet_edit"
APPROVABLE_KINDS = frozenset({"move_token", "chat", "roll", "next_turn", SHEET_EDIT})
"""What the GM may route through the approval queue (gmSettings.requireApproval): player
kinds, and ``sheet_edit``, a proposal that only edits the proposer's own sheets
(proposals.py); every other proposal always waits."""


def parse_action(data: object) -> Action:
    """Validate an action object from a frame; raise Invalid with a readable reason."""
    try:
        return ACTION_ADAPTER.validate_python(data)
    except ValidationError as error:
        raise Invalid(describe_validation_error(error)) from None


def describe_validation_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "union_tag_invalid":
        return (
            f"unknown action kind {first['input'].get('kind')!r}"
            if isinstance(first["input"], dict)
            else "unknown action kind"
        )
    if first["type"] == "union_tag_not_found":
        return "an action needs a 'kind'"
    return f"{where}: {first['msg']}" if where else str(first["msg"])
