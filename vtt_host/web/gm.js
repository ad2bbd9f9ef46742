// The GM's page: every actor of the campaign to place on the map, reveal or hide; fog
// painted with the map's Reveal and Hide tools and switched on and off.

import { $, h, replaceChildren } from "./dom.js";

const KIND_WORDS = { character: "PC", npc: "NPC", monster: "Monster" };

export class GmPanel {
  constructor(root, { onPlace, onReveal }) {
    this.root = root;
    this.onPlace = onPlace;
    this.onReveal = onReveal;
    this.list = $(".gm-actors", root);
    // One listener for the whole list, however many actors it holds.
    this.list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-act]");
      if (!button) return;
      const id = button.closest("[data-actor-id]").dataset.actorId;
      if (button.dataset.act === "place") this.onPlace(id);
      else this.onReveal(id, button.dataset.act === "reveal");
    });
  }

  render(view) {
    const positions = view.currentSession?.tokenPositions || {};
    const actors = Object.values(view.actors || {}).sort((a, b) => a.name.localeCompare(b.name));
    const rows = actors.map((actor) =>
      h(
        "li.gm-actor",
        { dataset: { actorId: actor.id, kind: actor.type || "npc" }, class: actor.hidden ? "gm-actor secret" : "gm-actor" },
        h("span.gm-actor-name", null, actor.name),
        h("span.muted.gm-actor-kind", null, `${KIND_WORDS[actor.type] || "NPC"}${actor.hidden ? " · hidden" : ""}${positions[actor.id] ? "" : " · not placed"}`),
        h("button.small", { type: "button", dataset: { act: "place" }, "aria-label": `Place ${actor.name} on the map` }, positions[actor.id] ? "Move" : "Place"),
        h(
          "button.small",
          { type: "button", dataset: { act: actor.hidden ? "reveal" : "hide" }, "aria-label": `${actor.hidden ? "Reveal" : "Hide"} ${actor.name}` },
          actor.hidden ? "Reveal" : "Hide",
        ),
      ),
    );
    replaceChildren(this.list, rows.length ? rows : h("li.empty", null, "No actors in this campaign yet."));
  }
}
