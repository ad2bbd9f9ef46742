// Hit points as this player may know them. The host sends an actor's `hp` as stored
// ({current, max, temp}), as a status ({status: "bloodied"}), or null, as the GM chooses
// for the actors the player does not own; the shape can change while the page is open.

import { h } from "./dom.js";

const STATUS_WORDS = new Map([
  ["unhurt", "Unhurt"],
  ["wounded", "Wounded"],
  ["bloodied", "Bloodied"],
  ["down", "Down"],
]);

// {kind: "exact", current, max, temp, level} | {kind: "status", level, word} | null
export function health(hp) {
  if (!hp || typeof hp !== "object") return null;
  if (Number.isFinite(hp.current) && Number.isFinite(hp.max)) {
    const temp = Number.isFinite(hp.temp) ? hp.temp : 0;
    return { kind: "exact", current: hp.current, max: hp.max, temp, level: levelOf(hp.current, hp.max) };
  }
  if (typeof hp.status === "string" && hp.status.trim()) {
    const status = hp.status.trim();
    const word = STATUS_WORDS.get(status.toLowerCase());
    return { kind: "status", level: word ? status.toLowerCase() : "unknown", word: word || capitalise(status) };
  }
  return null;
}

function levelOf(current, max) {
  if (current <= 0) return "down";
  if (current >= max) return "unhurt";
  return current * 2 <= max ? "bloodied" : "wounded";
}

function capitalise(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// "HP 5/7 (+2 temp)", "Bloodied", or "" when the player is not told.
export function healthText(info) {
  if (!info) return "";
  if (info.kind === "status") return info.word;
  return `HP ${info.current}/${info.max}${info.temp ? ` (+${info.temp} temp)` : ""}`;
}

// A small badge for lists and cards; null when there is nothing to show.
export function healthBadge(info) {
  if (!info) return null;
  return h(
    `span.health.${info.kind}`,
    { dataset: { testid: "health", level: info.level }, title: info.kind === "status" ? `Hit points: ${info.word}` : null },
    info.kind === "status" ? h("span.sr-only", null, "Hit points: ") : null,
    healthText(info),
  );
}
