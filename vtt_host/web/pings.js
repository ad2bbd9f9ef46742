// Map pings: a ring that spreads from a point with the pinger's name, for ~3 s.
// Pings are ephemeral frames (map_ping), never campaign state.

import { h } from "./dom.js";

export const PING_MS = 3000;

export class Pings {
  constructor(board) {
    this.board = board;
  }

  show({ x, y, fromName }) {
    const el = h(
      "div.ping",
      { style: { "--x": x, "--y": y }, role: "status" },
      h("span.ping-ring"),
      h("span.ping-ring.late"),
      h("span.ping-name", null, fromName || "Someone"),
    );
    this.board.append(el);
    setTimeout(() => el.remove(), PING_MS);
    return el;
  }
}
