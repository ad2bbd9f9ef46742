// The ruler: a line from cell centre to cell centre and its length in squares and in
// the map's unit (maps[id].measure). Local to this page; nothing is sent.

import { h } from "./dom.js";

export const DEFAULT_MEASURE = { perCell: 5, unit: "ft", diagonal: "5-5-5" };

export function measureOf(map) {
  const m = map?.measure || {};
  return {
    perCell: Number.isFinite(m.perCell) && m.perCell > 0 ? m.perCell : DEFAULT_MEASURE.perCell,
    unit: typeof m.unit === "string" && m.unit ? m.unit : DEFAULT_MEASURE.unit,
    diagonal: ["5-5-5", "5-10-5", "euclidean"].includes(m.diagonal) ? m.diagonal : DEFAULT_MEASURE.diagonal,
  };
}

// Squares between two cells under a diagonal rule: "5-5-5" a diagonal step is one
// square, "5-10-5" every second diagonal step is two, "euclidean" the straight line.
export function squares(from, to, diagonal) {
  const dx = Math.abs(to.x - from.x);
  const dy = Math.abs(to.y - from.y);
  if (diagonal === "euclidean") return Math.hypot(dx, dy);
  const diagonals = Math.min(dx, dy);
  const straight = Math.max(dx, dy) - diagonals;
  if (diagonal === "5-10-5") return straight + diagonals + Math.floor(diagonals / 2);
  return straight + diagonals;
}

function number(value) {
  const rounded = Math.round(value * 10) / 10;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1);
}

export function rulerText(from, to, measure) {
  const n = squares(from, to, measure.diagonal);
  return `${number(n)} ${n === 1 ? "square" : "squares"} · ${number(n * measure.perCell)} ${measure.unit}`;
}

export class Ruler {
  constructor(board) {
    this.line = h("div.ruler-line", { "aria-hidden": "true", hidden: true });
    this.label = h("div.ruler-label", { role: "status", hidden: true });
    board.append(this.line, this.label);
    this.from = null;
    this.to = null;
  }

  show(from, to, map) {
    this.from = from;
    this.to = to;
    const dx = to.x - from.x;
    const dy = to.y - from.y;
    const style = this.line.style;
    style.setProperty("--x0", from.x);
    style.setProperty("--y0", from.y);
    style.setProperty("--len", Math.hypot(dx, dy));
    style.setProperty("--angle", `${Math.atan2(dy, dx)}rad`);
    this.label.style.setProperty("--x", to.x);
    this.label.style.setProperty("--y", to.y);
    this.label.textContent = rulerText(from, to, measureOf(map));
    this.line.hidden = false;
    this.label.hidden = false;
  }

  hide() {
    this.from = null;
    this.line.hidden = true;
    this.label.hidden = true;
  }
}
