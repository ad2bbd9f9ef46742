// Handouts the GM shares: a letter, a picture, a clue. One enters the view (`handouts`)
// when the GM reveals it to this player and leaves when it is hidden again. A new or
// changed one is announced and counted on the tab; the page never switches to it by
// itself.

import { h } from "./dom.js";

const SHA256 = /^[0-9a-f]{64}$/;

export class HandoutsView {
  // onArrived(handouts, {updated}) for each batch that came in; onUnseen(count) whenever
  // the number not yet looked at changes; onSeen(ids) to keep what was read.
  constructor(root, { onArrived, onUnseen, onSeen }) {
    this.list = root.querySelector(".handouts");
    this.empty = root.querySelector(".handouts-empty");
    this.onArrived = onArrived;
    this.onUnseen = onUnseen;
    this.onSeen = onSeen;
    this.cards = new Map(); // id -> {el, key}
    this.order = []; // ids, newest first
    this.known = null; // id -> content key at the last render; null before the first
    this.seen = new Set(); // ids (with their content key) the player has had on screen
    this.marked = new Set(); // ids shown as "new" while the tab is open
    this.open = false;
  }

  // Start over for another player or campaign, with what that one read before on this
  // device (store.js).
  reset(seenEntries) {
    for (const card of this.cards.values()) card.el.remove();
    this.cards.clear();
    this.order = [];
    this.known = null;
    this.seen = new Set(seenEntries);
    this.marked.clear();
  }

  render(view) {
    const present = new Map();
    const raw = view.handouts && typeof view.handouts === "object" ? view.handouts : {};
    for (const [id, handout] of Object.entries(raw)) {
      if (handout && typeof handout === "object") present.set(id, handout);
    }
    const keys = new Map([...present].map(([id, handout]) => [id, contentKey(handout)]));
    const first = this.known === null;
    const arrived = [];
    const updated = [];
    for (const [id, key] of keys) {
      if (first || !this.known.has(id)) arrived.push(id);
      else if (this.known.get(id) !== key) updated.push(id);
    }
    this.order = first
      ? [...keys.keys()].reverse()
      : [...arrived.slice().reverse(), ...this.order.filter((id) => keys.has(id))];
    this.known = keys;

    // What was read stays read only while it is there and unchanged.
    const current = new Set([...keys].map(([id, key]) => seenKey(id, key)));
    this.seen = new Set([...this.seen].filter((entry) => current.has(entry)));
    if (this.open) {
      for (const id of [...arrived, ...updated]) this.markSeen(id);
    }
    this.draw(present);
    this.onSeen([...this.seen]);
    this.onUnseen(this.unseenCount());

    const news = first ? arrived.filter((id) => !this.isSeen(id)) : arrived;
    if (news.length) this.onArrived(news.map((id) => present.get(id)), { updated: false, first });
    if (updated.length) this.onArrived(updated.map((id) => present.get(id)), { updated: true, first });
  }

  // The tab was opened or left: opening marks everything as read, and what was new keeps
  // its mark until the player looks elsewhere.
  setOpen(open) {
    if (open === this.open) return;
    this.open = open;
    this.marked.clear();
    if (open && this.known) {
      for (const id of this.known.keys()) if (!this.isSeen(id)) this.markSeen(id);
      this.onSeen([...this.seen]);
    }
    this.refreshMarks();
    this.onUnseen(this.unseenCount());
  }

  markSeen(id) {
    this.marked.add(id);
    this.seen.add(seenKey(id, this.known.get(id)));
  }

  isSeen(id) {
    return this.seen.has(seenKey(id, this.known.get(id)));
  }

  unseenCount() {
    return this.known ? [...this.known.keys()].filter((id) => !this.isSeen(id)).length : 0;
  }

  draw(present) {
    for (const [id, card] of this.cards) {
      if (!present.has(id)) {
        card.el.remove();
        this.cards.delete(id);
      }
    }
    for (const id of this.order) {
      const key = this.known.get(id);
      let card = this.cards.get(id);
      if (!card || card.key !== key) {
        const el = handoutCard(id, present.get(id));
        if (card) card.el.replaceWith(el);
        card = { el, key };
        this.cards.set(id, card);
      }
      this.list.append(card.el); // in order, newest first; moving keeps loaded images
    }
    this.empty.hidden = present.size > 0;
    this.refreshMarks();
  }

  refreshMarks() {
    for (const [id, card] of this.cards) {
      card.el.classList.toggle("is-new", this.marked.has(id) || !this.isSeen(id));
    }
  }
}

function contentKey(handout) {
  return JSON.stringify([handout.name ?? "", handout.text ?? "", handout.imageAsset ?? null]);
}

function seenKey(id, key) {
  return `${id} ${hashOf(key || "")}`;
}

// A short fingerprint, so that the read list stays small in localStorage.
function hashOf(text) {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return (hash >>> 0).toString(36);
}

function handoutCard(id, handout) {
  const name = typeof handout.name === "string" && handout.name ? handout.name : "Handout";
  const text = typeof handout.text === "string" ? handout.text : "";
  const sha = typeof handout.imageAsset === "string" && SHA256.test(handout.imageAsset) ? handout.imageAsset : null;
  let picture = null;
  if (sha) {
    const img = h("img.handout-image", { src: `/assets/${sha}`, alt: `Picture: ${name}`, loading: "lazy", decoding: "async" });
    picture = h("a.handout-picture", { href: `/assets/${sha}`, target: "_blank", rel: "noopener", title: "Open the picture in full" }, img);
    img.addEventListener("error", () => picture.replaceWith(h("p.muted.handout-missing", null, "The picture could not be loaded.")));
  }
  return h(
    "li.handout",
    { dataset: { handoutId: id } },
    h("article", { "aria-label": name }, h("header.handout-head", null, h("h3", null, name), h("span.badge.new-mark", null, "new")), picture, text ? h("p.handout-text", null, text) : null),
  );
}
