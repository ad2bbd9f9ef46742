// Token elements: initials or the actor's picture, a colour per kind, and stacks of
// tokens on one cell fanned out with a count. Pictures load on their own: one listener
// on the board (load/error captured) rather than one per token.

import { cellText, h, initials } from "./dom.js";
import { health, healthText } from "./health.js";

const SHA256 = /^[0-9a-f]{64}$/;

export function assetUrl(sha) {
  return typeof sha === "string" && SHA256.test(sha) ? `/assets/${sha}` : "";
}

export function newToken(actorId) {
  return h(
    "button.token",
    { type: "button", dataset: { actorId } },
    h("span.disc", null, h("span.initials")),
    h("span.name"),
  );
}

// Shows the picture once it has loaded; a picture that fails leaves the initials.
export function watchTokenImages(board) {
  board.addEventListener(
    "load",
    (event) => {
      if (event.target.classList?.contains("token-img")) event.target.closest(".token")?.classList.add("has-art");
    },
    true,
  );
  board.addEventListener(
    "error",
    (event) => {
      if (!event.target.classList?.contains("token-img")) return;
      event.target.closest(".token")?.classList.remove("has-art");
      event.target.remove();
    },
    true,
  );
}

function setImage(el, actor) {
  const src = assetUrl(actor.imageAsset);
  if ((el.dataset.image || "") === src) return;
  el.dataset.image = src;
  el.classList.remove("has-art");
  el.querySelector(".token-img")?.remove();
  if (!src) return;
  const img = h("img.token-img", { alt: "", decoding: "async", draggable: "false" });
  img.src = src;
  el.querySelector(".disc").append(img);
}

// What a token says and looks like; `ctx` = {me, gm, currentActor, selected, pending, playerName}.
export function updateToken(el, actor, pos, ctx) {
  const mine = ctx.gm || (Boolean(ctx.me) && actor.owner === ctx.me);
  const { x, y } = pos;
  if (el.dataset.x !== String(x) || el.dataset.y !== String(y)) {
    el.dataset.x = x;
    el.dataset.y = y;
    el.style.setProperty("--x", x);
    el.style.setProperty("--y", y);
  }
  const label = initials(actor.name);
  const text = el.querySelector(".initials");
  if (text.textContent !== label) text.textContent = label;
  if (el.lastChild.textContent !== actor.name) el.lastChild.textContent = actor.name;
  setImage(el, actor);
  el.dataset.kind = ["character", "npc", "monster"].includes(actor.type) ? actor.type : "npc";
  el.classList.toggle("owned", Boolean(actor.owner));
  el.classList.toggle("mine", Boolean(ctx.me) && actor.owner === ctx.me && !ctx.gm);
  el.classList.toggle("movable", mine);
  el.classList.toggle("secret", Boolean(actor.hidden));
  el.classList.toggle("current", actor.id === ctx.currentActor);
  el.classList.toggle("pending", ctx.pending);
  const info = health(actor.hp);
  const hpText = healthText(info);
  el.classList.toggle("down", info?.level === "down");
  if (info && info.level !== "unknown") el.dataset.health = info.level;
  else delete el.dataset.health;
  const yours = !ctx.gm && mine;
  const owner = yours ? "yours" : actor.owner ? `${ctx.playerName(actor.owner)}'s` : actor.type || "npc";
  const hint = mine ? ". Drag, or use the arrow keys, to move" : "";
  const secret = actor.hidden ? ", hidden from players" : "";
  const spokenHp = hpText ? `, ${info.kind === "status" ? `hit points: ${hpText}` : hpText}` : "";
  el.setAttribute("aria-label", `${actor.name} (${owner})${secret}${spokenHp} at ${cellText(x, y)}${hint}`);
  el.title = `${actor.name}${actor.owner ? ` — ${yours ? "you" : ctx.playerName(actor.owner)}` : ""}${hpText ? ` · ${hpText}` : ""}${actor.hidden ? " · hidden" : ""}`;
  if (mine) el.setAttribute("aria-pressed", String(ctx.selected === actor.id));
  else el.removeAttribute("aria-pressed");
}

// Where the i-th of n tokens on one cell sits: offset from the cell (in cells) and scale.
export function fanSlot(i, n) {
  if (n <= 1) return { fx: 0, fy: 0, scale: 1 };
  const radius = n === 2 ? 0.22 : n <= 4 ? 0.25 : 0.29;
  const scale = n === 2 ? 0.62 : n <= 4 ? 0.56 : 0.46;
  const angle = (n === 2 ? Math.PI : -Math.PI / 2) + (i * 2 * Math.PI) / n;
  return { fx: Math.cos(angle) * radius, fy: Math.sin(angle) * radius, scale };
}

// Fans out tokens that share a cell and keeps one count badge per such cell.
export function layoutStacks(board, tokens, badges) {
  const cells = new Map();
  for (const el of tokens.values()) {
    const key = `${el.dataset.x},${el.dataset.y}`;
    if (!cells.has(key)) cells.set(key, []);
    cells.get(key).push(el);
  }
  const used = new Set();
  for (const [key, group] of cells) {
    group.sort((a, b) => (a.dataset.actorId < b.dataset.actorId ? -1 : 1));
    group.forEach((el, i) => {
      const slot = fanSlot(i, group.length);
      const value = `${slot.fx.toFixed(3)} ${slot.fy.toFixed(3)} ${slot.scale}`;
      if (el.dataset.fan === value) return;
      el.dataset.fan = value;
      el.style.setProperty("--fx", slot.fx.toFixed(3));
      el.style.setProperty("--fy", slot.fy.toFixed(3));
      el.style.setProperty("--fs", slot.scale);
      el.classList.toggle("stacked", group.length > 1);
    });
    if (group.length < 2) continue;
    used.add(key);
    let badge = badges.get(key);
    if (!badge) {
      badge = h("span.stack-count", { "aria-hidden": "true" });
      badges.set(key, badge);
      board.append(badge);
    }
    const [x, y] = key.split(",");
    badge.style.setProperty("--x", x);
    badge.style.setProperty("--y", y);
    badge.textContent = String(group.length);
    badge.title = `${group.length} tokens here`;
  }
  for (const [key, badge] of badges) {
    if (!used.has(key)) {
      badge.remove();
      badges.delete(key);
    }
  }
}
