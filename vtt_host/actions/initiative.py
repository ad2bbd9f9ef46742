"""Combat: encounters start and end, combatants join and leave, turns advance.

The active encounter's order lives in ``currentSession.initiative`` (with ``round`` and
``turn``), so a client draws the turn order from the session alone.

Every combatant present for a whole round gets exactly one turn in it. The order says
who has acted this round: those before ``turn`` have, those after it have not. So a
roll during a round sorts each side on its own and the turn stays with the combatant
acting (a roll before anyone ended a turn, at a round's first turn, sorts the whole
order and gives the turn to the top of it); each new round follows the initiative
values. Adding a combatant puts them in their place by initiative: before the turn
they wait for the next round.
"""

from __future__ import annotations

from typing import Any

from vtt_host import dice
from vtt_host.actions._common import (
    find_entity,
    in_initiative_order,
    initiative_key,
    initiative_removal_ops,
    new_round_ops,
    op,
)
from vtt_host.actions.context import SYSTEM_CALLER, Caller, Compiled, Context
from vtt_host.actions.models import (
    AddCombatant,
    EndEncounter,
    NextTurn,
    PrevTurn,
    RemoveCombatant,
    RollInitiative,
    StartEncounter,
)
from vtt_host.actions.table import chat_message_ops
from vtt_host.errors import Forbidden, Invalid, NotFound
from vtt_host.references import visible
from vtt_host.views import GM_ID


def _active_encounter(state: dict[str, Any]) -> dict[str, Any]:
    encounter_id = state["currentSession"].get("activeEncounterId")
    if encounter_id is None:
        raise Invalid("no encounter is running")
    encounter: dict[str, Any] = state["encounters"][encounter_id]
    return encounter


def _target_encounter(
    state: dict[str, Any], encounter_id: str | None, caller: Caller
) -> dict[str, Any]:
    if encounter_id is None:
        return _active_encounter(state)
    return find_entity(state, "encounters", encounter_id, caller)


def start_encounter(
    state: dict[str, Any], action: StartEncounter, caller: Caller, ctx: Context
) -> Compiled:
    encounter = find_entity(state, "encounters", action.encounter_id, caller)
    session = state["currentSession"]
    if session.get("activeEncounterId") is not None:
        raise Invalid("another encounter is running; end it first")
    order = [{"actorId": actor_id, "value": None} for actor_id in encounter["combatants"]]
    ops = [
        op("replace", "encounters", encounter["id"], "status", value="active"),
        op("replace", "currentSession", "initiative", value=order),
        op("replace", "currentSession", "turn", value=0),
        op("replace", "currentSession", "round", value=1),
        op("replace", "currentSession", "activeEncounterId", value=encounter["id"]),
    ]
    if encounter.get("mapId") is not None:
        ops.append(op("replace", "currentSession", "currentMapId", value=encounter["mapId"]))
    return Compiled(
        ops,
        f"GM started the encounter {encounter['name']}",
        mentions=(("encounters", encounter["id"]),),
    )


def end_encounter(
    state: dict[str, Any], action: EndEncounter, caller: Caller, ctx: Context
) -> Compiled:
    encounter = _active_encounter(state)
    return Compiled(
        [
            op("replace", "encounters", encounter["id"], "status", value="completed"),
            op("replace", "currentSession", "activeEncounterId", value=None),
            op("replace", "currentSession", "turn", value=0),
            op("replace", "currentSession", "initiative", value=[]),
            op("replace", "currentSession", "round", value=0),
        ],
        f"GM ended the encounter {encounter['name']}",
        mentions=(("encounters", encounter["id"]),),
    )


def add_combatant(
    state: dict[str, Any], action: AddCombatant, caller: Caller, ctx: Context
) -> Compiled:
    encounter = _target_encounter(state, action.encounter_id, caller)
    actor = find_entity(state, "actors", action.actor_id, caller)
    if action.actor_id in encounter["combatants"]:
        raise Invalid(f"{actor['name']} is already in {encounter['name']}")
    ops = [op("add", "encounters", encounter["id"], "combatants", "-", value=action.actor_id)]
    session = state["currentSession"]
    if session.get("activeEncounterId") == encounter["id"]:
        entry = {"actorId": action.actor_id, "value": action.initiative}
        order = session["initiative"]
        index = next(
            (i for i, other in enumerate(order) if initiative_key(entry) < initiative_key(other)),
            len(order),
        )
        ops.append(op("add", "currentSession", "initiative", str(index), value=entry))
        if order and index <= session["turn"]:
            ops.append(op("replace", "currentSession", "turn", value=session["turn"] + 1))
    mentions = (("actors", action.actor_id), ("encounters", encounter["id"]))
    return Compiled(ops, f"GM added {actor['name']} to {encounter['name']}", mentions=mentions)


def remove_combatant(
    state: dict[str, Any], action: RemoveCombatant, caller: Caller, ctx: Context
) -> Compiled:
    encounter = _target_encounter(state, action.encounter_id, caller)
    if action.actor_id not in encounter["combatants"]:
        raise NotFound(f"{action.actor_id!r} is not in {encounter['name']}")
    index = encounter["combatants"].index(action.actor_id)
    ops = [op("remove", "encounters", encounter["id"], "combatants", str(index))]
    if state["currentSession"].get("activeEncounterId") == encounter["id"]:
        ops.extend(initiative_removal_ops(state["currentSession"], action.actor_id))
    name = state["actors"][action.actor_id]["name"]
    mentions = (("actors", action.actor_id), ("encounters", encounter["id"]))
    return Compiled(ops, f"GM removed {name} from {encounter['name']}", mentions=mentions)


def roll_initiative(
    state: dict[str, Any], action: RollInitiative, caller: Caller, ctx: Context
) -> Compiled:
    _active_encounter(state)
    session = state["currentSession"]
    order: list[dict[str, Any]] = session["initiative"]
    wanted = set(action.actor_ids) if action.actor_ids is not None else None
    if wanted is not None and not wanted <= {entry["actorId"] for entry in order}:
        raise NotFound("some of those actors are not in the initiative order")
    rolled = []
    for entry in order:
        chosen = wanted is None or entry["actorId"] in wanted
        if chosen and (entry["value"] is None or action.reroll):
            bonus = int(state["actors"][entry["actorId"]].get("initiativeBonus", 0))
            total = dice.roll(f"1d20{bonus:+d}" if bonus else "1d20", ctx.rng).total
            rolled.append({"actorId": entry["actorId"], "value": total})
        else:
            rolled.append(entry)
    turn = session["turn"]
    if turn == 0:  # nobody has ended a turn this round: the top of the order begins
        new_order, new_turn = in_initiative_order(rolled), 0
    else:
        acted, waiting = rolled[:turn], rolled[turn + 1 :]
        new_order = [*in_initiative_order(acted), rolled[turn], *in_initiative_order(waiting)]
        new_turn = turn
    ops = []
    if new_order != order:
        ops.append(op("replace", "currentSession", "initiative", value=new_order))
    if new_turn != turn:
        ops.append(op("replace", "currentSession", "turn", value=new_turn))
    return Compiled(ops, "GM rolled initiative", mentions=())


def next_turn(state: dict[str, Any], action: NextTurn, caller: Caller, ctx: Context) -> Compiled:
    _active_encounter(state)
    session = state["currentSession"]
    order = session["initiative"]
    if not caller.is_gm:
        _check_players_turn(state, caller)
    elif not order:
        raise Invalid("the initiative order is empty")
    ops = _turn_end_ops(state, order[session["turn"]]["actorId"], ctx)
    turn = session["turn"] + 1
    if turn == len(order):
        ops.extend(new_round_ops(session, order))
    else:
        ops.append(op("replace", "currentSession", "turn", value=turn))
    who = "ended their turn" if not caller.is_gm else "advanced the turn"
    return Compiled(ops, f"{caller.name} {who}", mentions=())


def _turn_end_ops(state: dict[str, Any], actor_id: str, ctx: Context) -> list[dict[str, Any]]:
    """The combatant's turn ends: their conditions' ``rounds`` count down by one, and
    those reaching 0 end, told in chat by the host (to the GM alone while the actor is
    hidden, so players learn nothing of it)."""
    actor = state["actors"][actor_id]
    kept, ended = [], []
    for condition in actor.get("conditions", []):
        rounds = condition.get("rounds")
        if rounds is None:
            kept.append(condition)
        elif rounds <= 1:
            ended.append(condition["name"])
        else:
            kept.append({**condition, "rounds": rounds - 1})
    if kept == actor.get("conditions", []):
        return []
    ops = [op("replace", "actors", actor_id, "conditions", value=kept)]
    if ended:
        message = {
            "id": ctx.make_id("m"),
            "from": SYSTEM_CALLER.player_id,
            "fromName": SYSTEM_CALLER.name,
            "text": f"{actor['name']} is no longer {_listed(ended)}.",
            "to": None if visible(state, "actors", actor_id) else GM_ID,
            "at": ctx.now_ms,
            "roll": None,
        }
        ops.extend(chat_message_ops(state, message))
    return ops


def _listed(names: list[str]) -> str:
    """ "Poisoned", "Poisoned or Prone", "Blinded, Poisoned or Prone"."""
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} or {names[-1]}"


def _check_players_turn(state: dict[str, Any], caller: Caller) -> None:
    """A player ends their own combatant's turn, judged on the order they see: one they
    see empty is empty, and a combatant they cannot see is never theirs."""
    session = state["currentSession"]
    order = session["initiative"]
    if not any(visible(state, "actors", entry["actorId"]) for entry in order):
        raise Invalid("the initiative order is empty")
    current = state["actors"][order[session["turn"]]["actorId"]]
    if current.get("hidden", False) or current.get("owner") != caller.player_id:
        raise Forbidden("it is not your turn")


def prev_turn(state: dict[str, Any], action: PrevTurn, caller: Caller, ctx: Context) -> Compiled:
    _active_encounter(state)
    session = state["currentSession"]
    order = session["initiative"]
    if not order:
        raise Invalid("the initiative order is empty")
    turn, round_ = session["turn"] - 1, session["round"]
    if turn < 0:
        if round_ <= 1:
            raise Invalid("this is already the first turn")
        turn, round_ = len(order) - 1, round_ - 1
    ops = [op("replace", "currentSession", "turn", value=turn)]
    if round_ != session["round"]:
        ops.append(op("replace", "currentSession", "round", value=round_))
    return Compiled(ops, "GM went back a turn", mentions=())
