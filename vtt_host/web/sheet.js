// Your character sheet(s), the initiative order and who is at the table.

import { cellText, h, hueFor, initials, replaceChildren } from "./dom.js";

export function ownedActors(view, me) {
  return Object.values(view.actors || {})
    .filter((a) => me && a.owner === me)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function renderSheet(root, view, me) {
  const actors = ownedActors(view, me);
  if (actors.length === 0) {
    replaceChildren(
      root,
      h("p.empty", null, "You have no character yet. The GM gives you one — it will appear here, and its token on the map will be highlighted."),
    );
    return;
  }
  replaceChildren(root, actors.map((actor) => sheetCard(actor, view, me)));
}

function sheetCard(actor, view, me) {
  const hp = actor.hp;
  let hpBlock = h("p.muted", null, "No hit points recorded.");
  if (hp) {
    const max = Math.max(hp.max, 1);
    const pct = Math.max(0, Math.min(100, (hp.current / max) * 100));
    const tempPct = Math.max(0, Math.min(100 - pct, (hp.temp / max) * 100));
    const level = pct <= 25 ? "low" : pct <= 50 ? "mid" : "high";
    hpBlock = h(
      "div.hp",
      null,
      h(
        "div.hp-numbers",
        null,
        h("span.hp-label", null, "HP"),
        h("span.hp-current", { dataset: { testid: "hp-current" } }, String(hp.current)),
        h("span.hp-sep", null, "/"),
        h("span.hp-max", null, String(hp.max)),
        hp.temp ? h("span.hp-temp", null, `+${hp.temp} temp`) : null,
      ),
      h(
        `div.hp-bar.${level}`,
        {
          role: "meter",
          "aria-label": "Hit points",
          "aria-valuemin": 0,
          "aria-valuemax": hp.max,
          "aria-valuenow": Math.max(0, hp.current),
          "aria-valuetext": `${hp.current} of ${hp.max}${hp.temp ? `, ${hp.temp} temporary` : ""}`,
        },
        h("span.hp-fill", { style: { width: `${pct}%` } }),
        h("span.hp-tempfill", { style: { width: `${tempPct}%` } }),
      ),
    );
  }
  const conditions = actor.conditions || [];
  const inventory = actor.inventory || [];
  const position = view.currentSession?.tokenPositions?.[actor.id];
  return h(
    "article.sheet-card",
    { dataset: { actorId: actor.id }, "aria-label": `${actor.name}'s sheet` },
    h(
      "header.sheet-head",
      null,
      h("span.avatar", { style: { "--hue": hueFor(me) }, "aria-hidden": "true" }, initials(actor.name)),
      h("div", null, h("h3", null, actor.name), h("p.muted", null, `${actor.type}${actor.initiativeBonus ? ` · initiative ${signed(actor.initiativeBonus)}` : ""}${position ? ` · at ${cellText(position.x, position.y)}` : " · not on the map"}`)),
    ),
    hpBlock,
    h("h4", null, "Conditions"),
    conditions.length
      ? h(
          "ul.chips.conditions",
          null,
          conditions.map((c) => h("li.chip", { title: c.note || "" }, c.name, c.rounds != null ? h("span.rounds", null, ` ${c.rounds} rd`) : null)),
        )
      : h("p.muted", null, "None"),
    h("h4", null, "Inventory"),
    inventory.length
      ? h(
          "ul.inventory",
          null,
          inventory.map((entry) => {
            const item = view.items?.[entry.itemId];
            return h(
              "li",
              { title: item?.description || "" },
              h("span.item-name", null, item ? item.name : "Unknown item"),
              entry.quantity !== 1 ? h("span.qty", null, `×${entry.quantity}`) : null,
              entry.equipped ? h("span.badge", null, "equipped") : null,
            );
          }),
        )
      : h("p.muted", null, "Empty"),
  );
}

function signed(n) {
  return n >= 0 ? `+${n}` : `${n}`;
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
            { "aria-current": current ? "true" : null },
            h("span.init-value", null, entry.value == null ? "–" : String(entry.value)),
            h("span.init-name", null, actor ? actor.name : "Unknown"),
            mine ? h("span.badge", null, "you") : null,
            current ? h("span.badge.turn", null, "turn") : null,
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
