// Your character sheet(s), the others on the map, the initiative order and who is at
// the table. Every text of the document goes in as text (dom.js `h`), never as HTML.

import { cellText, h, hueFor, initials, replaceChildren } from "./dom.js";
import { health, healthBadge } from "./health.js";

const ABILITIES = [
  ["strength", "STR", "Strength"],
  ["dexterity", "DEX", "Dexterity"],
  ["constitution", "CON", "Constitution"],
  ["intelligence", "INT", "Intelligence"],
  ["wisdom", "WIS", "Wisdom"],
  ["charisma", "CHA", "Charisma"],
];

export function ownedActors(view, me) {
  return Object.values(view.actors || {})
    .filter((a) => me && a.owner === me)
    .sort((a, b) => a.name.localeCompare(b.name));
}

// The others a player can look at: whoever is on the map or in the fight, not theirs.
export function otherActors(view, me) {
  const session = view.currentSession || {};
  const ids = new Set([...Object.keys(session.tokenPositions || {}), ...(session.initiative || []).map((e) => e.actorId)]);
  return [...ids]
    .map((id) => view.actors?.[id])
    .filter((a) => a && !(me && a.owner === me))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const openOthers = new Set(); // actor ids whose card the player opened, kept across redraws

export function renderSheet(root, view, me) {
  const actors = ownedActors(view, me);
  const parts = actors.length
    ? actors.map((actor) => sheetCard(actor, view, me))
    : [h("p.empty", null, "You have no character yet. The GM gives you one — it will appear here, and its token on the map will be highlighted.")];
  const others = otherActors(view, me);
  if (others.length) {
    parts.push(h("h3.others-title", null, "Others on the map"));
    parts.push(h("div.others", null, others.map((actor) => otherCard(actor, view))));
  }
  replaceChildren(root, parts);
}

function sheetCard(actor, view, me) {
  const position = view.currentSession?.tokenPositions?.[actor.id];
  const where = position ? `at ${cellText(position.x, position.y)}` : "not on the map";
  return h(
    "article.sheet-card",
    { dataset: { actorId: actor.id }, "aria-label": `${actor.name}'s sheet` },
    h(
      "header.sheet-head",
      null,
      h("span.avatar", { style: { "--hue": hueFor(me) }, "aria-hidden": "true" }, initials(actor.name)),
      h("div.sheet-title", null, h("h3", null, actor.name), h("p.muted", null, `${typeName(actor)} · ${where}`)),
    ),
    hpBlock(actor.hp),
    details(actor, view, { full: true }),
  );
}

function otherCard(actor, view) {
  const owner = actor.owner ? view.players?.[actor.owner]?.name || "another player" : null;
  const body = details(actor, view, { full: false });
  const summary = [
    h("span.other-name", null, actor.name),
    h("span.other-kind.muted", null, owner ? `${owner}'s` : typeName(actor)),
    healthBadge(health(actor.hp)),
  ];
  if (!body.childNodes.length) {
    return h("div.other-card.plain", { dataset: { actorId: actor.id } }, h("div.other-summary", null, summary));
  }
  const card = h(
    "details.other-card",
    { dataset: { actorId: actor.id }, open: openOthers.has(actor.id) },
    h("summary.other-summary", null, summary),
    body,
  );
  card.addEventListener("toggle", () => {
    if (card.open) openOthers.add(actor.id);
    else openOthers.delete(actor.id);
  });
  return card;
}

function typeName(actor) {
  return { character: "Character", npc: "NPC", monster: "Monster" }[actor.type] || "NPC";
}

// The sections a sheet shows for what the actor has; `full` for the player's own.
function details(actor, view, { full }) {
  const conditions = Array.isArray(actor.conditions) ? actor.conditions : [];
  const stats = Array.isArray(actor.stats) ? actor.stats.filter((s) => s && s.name) : [];
  const inventory = Array.isArray(actor.inventory) ? actor.inventory : [];
  const notes = typeof actor.notes === "string" && actor.notes.trim() ? actor.notes : "";
  return h(
    "div.sheet-body",
    null,
    vitals(actor, full),
    actor.abilities && typeof actor.abilities === "object" ? abilityBlock(actor.abilities) : null,
    stats.length
      ? [h("h4", null, "Stats"), h("dl.stats", null, stats.map((s) => h("div.stat", null, h("dt", null, s.name), h("dd", null, String(s.value)))))]
      : null,
    full || conditions.length ? [h("h4", null, "Conditions"), conditionList(conditions)] : null,
    full ? [h("h4", null, "Inventory"), inventoryList(inventory, view)] : null,
    notes ? [h("h4", null, "Notes"), h("p.notes", { dataset: { testid: "notes" } }, notes)] : null,
  );
}

function vitals(actor, full) {
  const tiles = [];
  if (Number.isFinite(actor.armorClass)) tiles.push(tile("AC", String(actor.armorClass), "Armour class", "ac"));
  if (Number.isFinite(actor.speed)) tiles.push(tile("Speed", `${actor.speed} ft`, "Speed", "speed"));
  if (full) tiles.push(tile("Init", signed(actor.initiativeBonus || 0), "Initiative bonus", "init"));
  return tiles.length ? h("div.vitals", null, tiles) : null;
}

function tile(short, value, long, key) {
  return h(
    "div.vital",
    { dataset: { testid: key }, title: long },
    h("span.vital-label", { "aria-hidden": "true" }, short),
    h("span.sr-only", null, `${long}: `),
    h("span.vital-value", null, value),
  );
}

// D&D's rule, floor((score - 10) / 2); other systems put their numbers in `stats`.
export function modifier(score) {
  return Math.floor((score - 10) / 2);
}

function abilityBlock(abilities) {
  return [
    h("h4", null, "Abilities"),
    h(
      "ul.abilities",
      null,
      ABILITIES.map(([key, short, long]) => {
        const score = Number.isFinite(abilities[key]) ? abilities[key] : null;
        return h(
          "li.ability",
          { dataset: { ability: key }, title: long },
          h("span.ability-name", { "aria-hidden": "true" }, short),
          h("span.sr-only", null, `${long} `),
          h("span.ability-mod", { dataset: { testid: "modifier" } }, score === null ? "–" : signed(modifier(score))),
          h("span.ability-score", null, h("span.sr-only", null, ", score "), score === null ? "–" : String(score)),
        );
      }),
    ),
  ];
}

function conditionList(conditions) {
  if (!conditions.length) return h("p.muted", null, "None");
  return h(
    "ul.chips.conditions",
    null,
    conditions.map((c) =>
      h(
        "li.chip",
        { title: c.note || null },
        h("span.chip-name", null, c.name),
        Number.isFinite(c.rounds) ? h("span.rounds", null, ` · ${roundsLeft(c.rounds)}`) : null,
        c.note ? h("span.chip-note", null, c.note) : null,
      ),
    ),
  );
}

function roundsLeft(rounds) {
  if (rounds <= 0) return "ends this round";
  return rounds === 1 ? "1 round left" : `${rounds} rounds left`;
}

function inventoryList(inventory, view) {
  if (!inventory.length) return h("p.muted", null, "Empty");
  return h(
    "ul.inventory",
    null,
    inventory.map((entry) => {
      const item = view.items?.[entry.itemId];
      return h(
        "li",
        null,
        h(
          "div.item-line",
          null,
          h("span.item-name", null, item ? item.name : "Unknown item"),
          entry.quantity !== 1 ? h("span.qty", null, `×${entry.quantity}`) : null,
          entry.equipped ? h("span.badge", null, "equipped") : null,
        ),
        item?.description ? h("p.item-desc", { title: item.description }, item.description) : null,
      );
    }),
  );
}

function hpBlock(raw) {
  const info = health(raw);
  if (!info) return h("p.muted.hp-none", null, "No hit points recorded.");
  if (info.kind === "status") return h("div.hp", null, healthBadge(info));
  const { current, max, temp } = info;
  const scale = Math.max(max, 1);
  const pct = Math.max(0, Math.min(100, (current / scale) * 100));
  const tempPct = Math.max(0, Math.min(100 - pct, (temp / scale) * 100));
  const level = pct <= 25 ? "low" : pct <= 50 ? "mid" : "high";
  return h(
    "div.hp",
    null,
    h(
      "div.hp-numbers",
      null,
      h("span.hp-label", null, "HP"),
      h("span.hp-current", { dataset: { testid: "hp-current" } }, String(current)),
      h("span.hp-sep", null, "/"),
      h("span.hp-max", null, String(max)),
      temp ? h("span.hp-temp", null, `+${temp} temp`) : null,
    ),
    h(
      `div.hp-bar.${level}`,
      {
        role: "meter",
        "aria-label": "Hit points",
        "aria-valuemin": 0,
        "aria-valuemax": max,
        "aria-valuenow": Math.max(0, current),
        "aria-valuetext": `${current} of ${max}${temp ? `, ${temp} temporary` : ""}`,
      },
      h("span.hp-fill", { style: { width: `${pct}%` } }),
      h("span.hp-tempfill", { style: { width: `${tempPct}%` } }),
    ),
  );
}

// "+3", "−1": a true minus sign, as printed sheets have it.
export function signed(n) {
  return n >= 0 ? `+${n}` : `−${Math.abs(n)}`;
}

// The combatant whose turn it is, or null outside combat.
export function currentTurn(view) {
  const session = view.currentSession || {};
  const order = session.initiative || [];
  if (!order.length) return null;
  const entry = order[session.turn] || null;
  return entry ? { entry, actor: view.actors?.[entry.actorId] || null } : null;
}

export function renderTurns(root, view, me, onEndTurn) {
  const session = view.currentSession || {};
  const order = session.initiative || [];
  const encounter = session.activeEncounterId ? view.encounters?.[session.activeEncounterId] : null;
  const parts = [];
  if (!order.length) {
    parts.push(h("p.empty", null, encounter ? "The GM has not set the order yet." : "No fight right now."));
  } else {
    parts.push(h("p.round", null, encounter ? `${encounter.name} · ` : "", h("strong", null, `Round ${session.round || 1}`)));
    parts.push(
      h(
        "ol.initiative",
        null,
        order.map((entry, index) => {
          const actor = view.actors?.[entry.actorId];
          const current = index === session.turn;
          const mine = actor && actor.owner === me;
          const cls = ["init-row", current ? "current" : "", mine ? "mine" : ""].filter(Boolean).join(".");
          return h(
            `li.${cls}`,
            { "aria-current": current ? "true" : null, dataset: { actorId: entry.actorId } },
            h("span.init-value", null, entry.value == null ? "–" : String(entry.value)),
            h("span.init-name", null, actor ? actor.name : "Unknown"),
            mine ? h("span.badge", null, "you") : null,
            current ? h("span.badge.turn", null, "turn") : null,
            actor ? healthBadge(health(actor.hp)) : null,
          );
        }),
      ),
    );
    const turn = currentTurn(view);
    if (turn?.actor && turn.actor.owner === me) {
      parts.push(h("button.primary.end-turn", { type: "button", onclick: onEndTurn }, "End my turn"));
    }
  }
  const online = new Set((session.connectedPlayers || []).map((c) => c.playerId));
  const players = Object.values(view.players || {}).sort((a, b) => a.name.localeCompare(b.name));
  parts.push(h("h3", null, "At the table"));
  parts.push(
    h(
      "ul.people",
      null,
      players.map((p) =>
        h(
          `li${online.has(p.id) ? ".online" : ""}`,
          null,
          h("span.dot", { style: { "--hue": hueFor(p.id) }, "aria-hidden": "true" }),
          p.name,
          p.id === me ? h("span.badge", null, "you") : null,
          h("span.sr-only", null, online.has(p.id) ? " (online)" : " (away)"),
        ),
      ),
    ),
  );
  replaceChildren(root, parts);
}
