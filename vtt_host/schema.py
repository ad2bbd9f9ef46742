"""The campaign document: one versioned JSON object, described with pydantic.

The host keeps the document as plain dicts (camelCase keys, exactly the wire form) and
uses these models at the edges: to validate a whole document when it is loaded or
imported, to re-validate just the entities a change touched, and to publish the JSON
Schema other tools read campaign files with. ``pluginData`` holds game-system stats and
stays free-form.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)
from pydantic.alias_generators import to_camel

from storage import MAX_DOCUMENT_DEPTH, MAX_SAFE_INTEGER, MAX_VERSION, check_plain
from vtt_host.patching import OP_MEMBERS

SCHEMA_VERSION: Final = 3
"""Bump when the document's shape changes, and register a migration step for it."""

CHANGE_LOG_LIMIT = 200
CHAT_HISTORY_LIMIT = 500

Id = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*$")
]
"""Letters, digits, ``_ - .`` (not first): safe as a file name, a URL part and a key."""
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
JsonObject = dict[str, Any]
Int = Annotated[int, Field(ge=-MAX_SAFE_INTEGER, le=MAX_SAFE_INTEGER)]
"""Every whole number the schema names: browsers read numbers as doubles, which hold
integers exactly only up to 2**53 - 1 (free-form data keeps what a double holds)."""
Count = Annotated[int, Field(ge=0, le=MAX_SAFE_INTEGER)]
Millis = Count
Version = Annotated[int, Field(ge=0, le=MAX_VERSION)]


class Model(BaseModel):
    """Strict camelCase model: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


class Position(Model):
    x: Int
    y: Int


class HitPoints(Model):
    current: Int
    max: Count
    temp: Count = 0


HitPointStatus = Literal["unhurt", "wounded", "bloodied", "down"]


class HitPointsSeen(Model):
    """What a player reads of an NPC's hit points under ``npcHitPoints: "bloodied"``
    (views.py has the rule); never stored in the document."""

    status: HitPointStatus


class Condition(Model):
    name: Name
    rounds: Count | None = None
    note: Text = ""


AbilityScore = Annotated[int, Field(ge=0, le=999)]


class Abilities(Model):
    """The six scores most fantasy systems share; other numbers go in ``Actor.stats``."""

    strength: AbilityScore = 10
    dexterity: AbilityScore = 10
    constitution: AbilityScore = 10
    intelligence: AbilityScore = 10
    wisdom: AbilityScore = 10
    charisma: AbilityScore = 10


class Stat(Model):
    """A named number of any game system (Sanity 45, Stress 2, Level 3)."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    value: Int


class InventoryEntry(Model):
    item_id: Id
    quantity: Count = 1
    equipped: bool = False


class Grid(Model):
    width: Annotated[int, Field(ge=1, le=1000)] = 30
    height: Annotated[int, Field(ge=1, le=1000)] = 20
    cell_size: Annotated[int, Field(ge=4, le=1000)] = 50
    """Pixels of the map image one cell covers."""
    offset_x: Annotated[int, Field(ge=0, le=1000)] = 0
    offset_y: Annotated[int, Field(ge=0, le=1000)] = 0
    """Where the grid's first cell starts on the image, in image pixels."""
    kind: Literal["square", "hex"] = "square"


class ImageSize(Model):
    """An image's size in pixels, read from the file when it became an asset."""

    width: Annotated[int, Field(ge=1, le=65_535)]
    height: Annotated[int, Field(ge=1, le=65_535)]


class Player(Model):
    """A person who has joined the campaign at least once (the GM is not listed)."""

    id: Id
    name: Name
    joined_at: Millis
    last_seen_at: Millis | None = Field(default=None, exclude_if=lambda seen: seen is None)
    """When a connection of theirs last opened or closed; players who own no actor and
    were not seen for a long time are forgotten when the host starts."""


class CampaignInfo(Model):
    name: Name
    description: Text = ""
    plugin_id: Id = "generic"
    tags: list[Name] = Field(default_factory=list)
    settings: JsonObject = Field(default_factory=dict)
    gm_notes: Text = ""


class Actor(Model):
    id: Id
    name: Name
    type: Literal["character", "npc", "monster"] = "npc"
    owner: Id | None = None
    hidden: bool = False
    hp: HitPoints | None = None
    armor_class: Count | None = None
    abilities: Abilities | None = None
    speed: Count | None = None
    """In the map's unit (feet unless the map says otherwise)."""
    initiative_bonus: Int = 0
    stats: Annotated[list[Stat], Field(max_length=100)] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)
    inventory: list[InventoryEntry] = Field(default_factory=list)
    image_asset: Sha256 | None = None
    plugin_data: JsonObject = Field(default_factory=dict)
    notes: Text = ""
    """What the actor's owner and the table may read; ``gmNotes`` stay the GM's."""
    gm_notes: Text = ""

    @model_validator(mode="after")
    def _stat_names_unique(self) -> Actor:
        names = [stat.name.casefold() for stat in self.stats]
        if len(names) != len(set(names)):
            raise ValueError("two stats have the same name")
        return self


class Item(Model):
    id: Id
    name: Name
    description: Text = ""
    hidden: bool = False
    image_asset: Sha256 | None = None
    plugin_data: JsonObject = Field(default_factory=dict)
    gm_notes: Text = ""


FogRun = Annotated[list[Annotated[int, Field(ge=0, le=1000)]], Field(min_length=2, max_length=2)]


class Fog(Model):
    """Which cells players see (vtt_host/fog.py has the rules).

    ``revealed`` holds, for each row with revealed cells (its index as a decimal
    string), the sorted, disjoint, non-touching half-open runs ``[x0, x1)`` of revealed
    columns. While ``enabled`` is false players see the whole map.
    """

    enabled: bool = False
    revealed: dict[str, Annotated[list[FogRun], Field(max_length=500)]] = Field(
        default_factory=dict
    )


Diagonal = Literal["5-5-5", "5-10-5", "euclidean"]


class Measure(Model):
    """How the ruler counts: ``perCell`` units of ``unit`` a square; a diagonal step
    costs one square ("5-5-5"), every second one two ("5-10-5"), or its length
    ("euclidean")."""

    per_cell: Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False)] = 5
    unit: Annotated[str, StringConstraints(min_length=1, max_length=16)] = "ft"
    diagonal: Diagonal = "5-5-5"


class MapData(Model):
    id: Id
    name: Name
    hidden: bool = False
    image_asset: Sha256 | None = None
    image_size: ImageSize | None = None
    grid: Grid = Field(default_factory=Grid)
    fog: Fog = Field(default_factory=Fog)
    measure: Measure = Field(default_factory=Measure)
    layers: list[JsonObject] = Field(default_factory=list)
    lighting: JsonObject = Field(default_factory=dict)
    gm_notes: Text = ""

    @model_validator(mode="after")
    def _fog_fits_the_grid(self) -> MapData:
        for key, runs in self.fog.revealed.items():
            if not key.isdigit() or str(int(key)) != key or int(key) >= self.grid.height:
                raise ValueError(f"fog row {key!r} is not a row of the {self.grid.height}-row grid")
            if not runs:
                raise ValueError(f"fog row {key} is empty (leave it out)")
            end = -1
            for start, stop in runs:
                if not start < stop <= self.grid.width or start <= end:
                    raise ValueError(
                        f"fog row {key}: runs must be sorted, apart and within "
                        f"{self.grid.width} columns"
                    )
                end = stop
        return self


class Encounter(Model):
    id: Id
    name: Name
    map_id: Id | None = None
    hidden: bool = False
    status: Literal["draft", "active", "paused", "completed"] = "draft"
    combatants: list[Id] = Field(default_factory=list)
    plugin_data: JsonObject = Field(default_factory=dict)
    gm_notes: Text = ""


class Handout(Model):
    """A letter, a map scrap, a picture: prepared in secret, then shown to everyone or
    to some players. ``sharedWith`` null is everyone once revealed."""

    id: Id
    name: Name
    text: Text = ""
    image_asset: Sha256 | None = None
    hidden: bool = True
    shared_with: list[Id] | None = None
    gm_notes: Text = ""

    @model_validator(mode="after")
    def _shared_once(self) -> Handout:
        if self.shared_with is not None and len(set(self.shared_with)) != len(self.shared_with):
            raise ValueError("a player is listed twice in sharedWith")
        return self


class InitiativeEntry(Model):
    actor_id: Id
    value: Int | None = None


class DieResult(Model):
    sides: Int
    value: Int
    kept: bool


class RollTerm(Model):
    text: str
    sign: Literal[-1, 1]
    value: Int
    dice: list[DieResult] = Field(default_factory=list)


class Roll(Model):
    expr: str
    total: Int
    terms: list[RollTerm]
    label: str | None = None


class ChatMessage(Model):
    id: Id
    from_: Id = Field(alias="from")
    from_name: Name
    text: Text
    to: Id | None = None
    at: Millis
    roll: Roll | None = None


Pointer = Annotated[str, StringConstraints(max_length=1000)]


class JsonPatchOp(Model):
    """One RFC 6902 operation: in proposals, patch actions and decisions.

    Members the op does not define are ignored, as RFC 6902 says, and dropped, so they
    are never applied, journaled or stored: a ``remove`` keeps only ``op`` and ``path``.
    Validated again (against the document) when applied.
    """

    model_config = ConfigDict(extra="ignore")

    op: Literal["add", "remove", "replace", "move", "copy", "test"]
    path: Pointer
    value: Any = None
    from_: Pointer | None = Field(default=None, alias="from")

    @model_validator(mode="before")
    @classmethod
    def _defined_members_only(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("op"), str):
            return data
        members = OP_MEMBERS.get(data["op"])
        if members is None:
            return data  # the op field's own check names the valid ops
        if members[-1] == "value" and "value" not in data:
            raise ValueError(f"{data['op']} op needs a value")
        if members[-1] == "from" and not isinstance(data.get("from"), str):
            raise ValueError(f"{data['op']} op needs a 'from' path string")
        return {key: value for key, value in data.items() if key in members}

    @model_serializer(mode="wrap")
    def _dump_defined_members(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        dumped: dict[str, Any] = handler(self)
        members = OP_MEMBERS[self.op]
        return {key: value for key, value in dumped.items() if key in members}


class PendingAction(Model):
    id: Id
    player_id: Id
    kind: str
    summary: Text
    changes: list[JsonPatchOp]
    created_at: Millis
    version: Version


class ConnectedPlayer(Model):
    player_id: Id
    name: Name
    since: Millis


NpcHitPoints = Literal["exact", "bloodied", "none"]


class GmSettings(Model):
    require_approval: list[str] = Field(default_factory=lambda: ["sheet_edit"])
    """Player action kinds (and ``sheet_edit``) that wait for the GM's approval."""
    npc_hit_points: NpcHitPoints = "bloodied"
    """What players read of the hit points of actors that are not player characters
    and not theirs: the numbers, a status, or nothing (views.py)."""
    notes: Text = ""


class CurrentSession(Model):
    active_encounter_id: Id | None = None
    current_map_id: Id | None = None
    token_positions: dict[str, Position] = Field(default_factory=dict)
    initiative: list[InitiativeEntry] = Field(default_factory=list)
    round: Count = 0
    turn: Count = 0
    connected_players: list[ConnectedPlayer] = Field(default_factory=list)
    chat_messages: list[ChatMessage] = Field(default_factory=list)
    pending_actions: list[PendingAction] = Field(default_factory=list)
    gm_settings: GmSettings = Field(default_factory=GmSettings)


class ChangeLogEntry(Model):
    version: Annotated[Version, Field(ge=1)]
    by: str
    description: str
    at: Millis


class CampaignState(Model):
    """The whole campaign; ``version`` counts every change since it was created."""

    schema_version: Literal[3] = SCHEMA_VERSION
    id: Id
    version: Version = 0
    created_at: Millis
    last_modified: Millis
    campaign: CampaignInfo
    players: dict[str, Player] = Field(default_factory=dict)
    actors: dict[str, Actor] = Field(default_factory=dict)
    items: dict[str, Item] = Field(default_factory=dict)
    maps: dict[str, MapData] = Field(default_factory=dict)
    encounters: dict[str, Encounter] = Field(default_factory=dict)
    handouts: dict[str, Handout] = Field(default_factory=dict)
    current_session: CurrentSession = Field(default_factory=CurrentSession)
    change_log: list[ChangeLogEntry] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _plain_json(cls, data: Any) -> Any:
        # First, so that pydantic never walks a value nested thousands of levels deep.
        check_plain(data, max_depth=MAX_DOCUMENT_DEPTH)
        return data

    @model_validator(mode="after")
    def _references_hold(self) -> CampaignState:
        for problem in reference_problems(self.model_dump(by_alias=True)):
            raise ValueError(problem)
        return self


def reference_problems(state: dict[str, Any]) -> list[str]:
    """Cross-entity rules no single model can check (keys match ids, links resolve)."""
    problems: list[str] = []
    for collection in ("players", "actors", "items", "maps", "encounters", "handouts"):
        for key, entity in state.get(collection, {}).items():
            if isinstance(entity, dict) and entity.get("id") != key:
                problems.append(f"{collection}/{key}: its id is {entity.get('id')!r}")
    actors = state.get("actors", {})
    session = state.get("currentSession", {})
    for actor_id in session.get("tokenPositions", {}):
        if actor_id not in actors:
            problems.append(f"token position for unknown actor {actor_id!r}")
    for entry in session.get("initiative", []):
        if entry.get("actorId") not in actors:
            problems.append(f"initiative entry for unknown actor {entry.get('actorId')!r}")
    for name, collection in (("activeEncounterId", "encounters"), ("currentMapId", "maps")):
        ref = session.get(name)
        if ref is not None and ref not in state.get(collection, {}):
            problems.append(f"{name} {ref!r} does not exist")
    players = state.get("players", {})
    for key, handout in state.get("handouts", {}).items():
        for player_id in (handout.get("sharedWith") or []) if isinstance(handout, dict) else []:
            if player_id not in players:
                problems.append(f"handout {key!r} is shared with unknown player {player_id!r}")
    initiative = session.get("initiative", [])
    if initiative and session.get("turn", 0) >= len(initiative):
        problems.append("turn is past the end of the initiative order")
    return problems


def new_state(campaign_id: str, name: str, *, now_ms: int, description: str = "") -> dict[str, Any]:
    """A fresh, empty campaign document in wire form."""
    state = CampaignState(
        id=campaign_id,
        created_at=now_ms,
        last_modified=now_ms,
        campaign={"name": name, "description": description},
    )
    return state.model_dump(by_alias=True, mode="json")


def validate_state(state: dict[str, Any]) -> dict[str, Any]:
    """Validate a whole document (load, import) and return it in canonical wire form."""
    return CampaignState.model_validate(state).model_dump(by_alias=True, mode="json")


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of the campaign document."""
    schema = CampaignState.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://vtt-host.invalid/schema/campaign-state-v{SCHEMA_VERSION}.json"
    return schema
