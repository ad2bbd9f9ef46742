// Fog of war (maps[id].fog): players see every unrevealed cell as opaque fog; the GM
// sees it translucent and paints it. One canvas pixel per cell, scaled up by CSS, and
// redrawn only when the fog itself changes.

import { h } from "./dom.js";

const PLAYER_FOG = "#07080b";
const GM_FOG = "rgba(10, 14, 30, 0.55)";

export function fogOf(map) {
  const fog = map?.fog;
  return fog && fog.enabled ? fog : null;
}

// Whether cell (x, y) lies in one of its row's half-open runs [x0, x1).
export function revealed(fog, x, y) {
  const runs = fog?.revealed?.[String(y)];
  return Array.isArray(runs) && runs.some(([x0, x1]) => x >= x0 && x < x1);
}

// Painted cells ("x,y" strings) as one rectangle per run of neighbours in a row.
export function rowAreas(cells) {
  const rows = new Map();
  for (const key of cells) {
    const [x, y] = key.split(",").map(Number);
    if (!rows.has(y)) rows.set(y, []);
    rows.get(y).push(x);
  }
  const areas = [];
  for (const y of [...rows.keys()].sort((a, b) => a - b)) {
    const xs = rows.get(y).sort((a, b) => a - b);
    let start = xs[0];
    for (let i = 1; i <= xs.length; i += 1) {
      if (i < xs.length && xs[i] === xs[i - 1] + 1) continue;
      areas.push({ x: start, y, width: xs[i - 1] - start + 1, height: 1 });
      start = xs[i];
    }
  }
  return areas;
}

export class FogLayer {
  constructor(board) {
    this.canvas = h("canvas.fog-layer", { "aria-hidden": "true", hidden: true });
    board.append(this.canvas);
    this.key = null;
  }

  render(map, grid, gm) {
    const fog = fogOf(map);
    const key = fog ? `${map.id}|${gm}|${grid.width}x${grid.height}|${JSON.stringify(fog.revealed || {})}` : "";
    if (key === this.key) return;
    this.key = key;
    this.canvas.hidden = !fog;
    this.canvas.classList.toggle("gm", gm);
    if (!fog) return;
    this.canvas.width = grid.width;
    this.canvas.height = grid.height;
    this.fill = gm ? GM_FOG : PLAYER_FOG;
    const ctx = this.canvas.getContext("2d");
    ctx.fillStyle = this.fill;
    ctx.fillRect(0, 0, grid.width, grid.height);
    for (const [row, runs] of Object.entries(fog.revealed || {})) {
      if (!Array.isArray(runs)) continue;
      for (const [x0, x1] of runs) ctx.clearRect(x0, Number(row), x1 - x0, 1);
    }
  }

  // The GM's brush, shown at once; the host's answer redraws the real fog.
  preview(x, y, reveal) {
    if (this.canvas.hidden) return;
    const ctx = this.canvas.getContext("2d");
    ctx.clearRect(x, y, 1, 1);
    if (!reveal) {
      ctx.fillStyle = this.fill;
      ctx.fillRect(x, y, 1, 1);
    }
  }

  redraw() {
    this.key = null;
  }
}
