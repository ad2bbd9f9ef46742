// Asking the GM: a form that builds JSON Patch ops against your own actor, your
// waiting requests and the GM's answers.

import { h, replaceChildren, timeOf } from "./dom.js";
import { ownedActors } from "./sheet.js";

const escapeToken = (token) => String(token).replace(/~/g, "~0").replace(/\//g, "~1");
const pointer = (...tokens) => `/${tokens.map(escapeToken).join("/")}`;

export class ProposeView {
  constructor(root, { onPropose, onNotice }) {
    this.root = root;
    this.form = root.querySelector(".propose-form");
    this.actor = root.querySelector("#propose-actor");
    this.kind = root.querySelector("#propose-kind");
    this.number = root.querySelector("#propose-number");
    this.condition = root.querySelector("#propose-condition");
    this.rounds = root.querySelector("#propose-rounds");
    this.existing = root.querySelector("#propose-existing");
    this.summary = root.querySelector("#propose-summary");
    this.pendingList = root.querySelector(".pending-list");
    this.historyList = root.querySelector(".history-list");
    this.onPropose = onPropose;
    this.onNotice = onNotice;
    this.summaries = new Map(); // actionId -> summary, kept after the entry leaves the queue
    this.history = [];
    this.summaryEdited = false;
    this.view = null;
    this.me = null;

    this.form.addEventListener("input", (e) => {
      if (e.target === this.summary) this.summaryEdited = this.summary.value.trim() !== "";
      else this.refreshForm();
    });
    this.form.addEventListener("change", (e) => {
      if (e.target !== this.summary) this.refreshForm();
    });
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
  }

  selectedActor() {
    return this.view?.actors?.[this.actor.value] || null;
  }

  refreshForm() {
    const kind = this.kind.value;
    const actor = this.selectedActor();
    for (const field of this.form.querySelectorAll("[data-for]")) {
      field.hidden = !field.dataset.for.split(" ").includes(kind);
    }
    const label = this.form.querySelector("label[for=propose-number]");
    label.textContent = kind === "temp" ? "Temporary HP" : kind === "max" ? "Maximum HP" : "Current HP";
    if (actor && document.activeElement !== this.number && ["hp", "temp", "max"].includes(kind)) {
      const hp = Number.isFinite(actor.hp?.current) ? actor.hp : { current: 0, max: 0, temp: 0 };
      if (this.lastPrefill !== `${actor.id}:${kind}`) {
        this.number.value = kind === "temp" ? hp.temp : kind === "max" ? hp.max : hp.current;
        this.lastPrefill = `${actor.id}:${kind}`;
      }
    }
    const conditions = actor?.conditions || [];
    const chosen = this.existing.value;
    replaceChildren(
      this.existing,
      conditions.length ? conditions.map((c, i) => h("option", { value: String(i) }, c.name)) : h("option", { value: "" }, "No conditions"),
    );
    if ([...this.existing.options].some((o) => o.value === chosen)) this.existing.value = chosen;
    if (!this.summaryEdited) this.summary.value = this.describe() || "";
  }

  describe() {
    const actor = this.selectedActor();
    if (!actor) return "";
    const n = this.number.value;
    switch (this.kind.value) {
      case "hp":
        return `Set ${actor.name}'s HP to ${n}`;
      case "temp":
        return `Set ${actor.name}'s temporary HP to ${n}`;
      case "max":
        return `Set ${actor.name}'s maximum HP to ${n}`;
      case "add-condition": {
        const name = this.condition.value.trim();
        const rounds = this.rounds.value ? ` for ${this.rounds.value} rounds` : "";
        return name ? `Add ${name} to ${actor.name}${rounds}` : "";
      }
      case "remove-condition": {
        const c = (actor.conditions || [])[Number(this.existing.value)];
        return c ? `Remove ${c.name} from ${actor.name}` : "";
      }
      default:
        return "";
    }
  }

  // The JSON Patch ops for the form, or a string saying what is missing.
  changes() {
    const actor = this.selectedActor();
    if (!actor) return "Choose one of your characters.";
    const kind = this.kind.value;
    if (["hp", "temp", "max"].includes(kind)) {
      const raw = this.number.value.trim();
      if (!/^-?\d+$/.test(raw)) return "Enter a whole number.";
      const n = Number(raw);
      if (kind !== "hp" && n < 0) return "That cannot be negative.";
      if (!actor.hp) {
        const hp = { current: n, max: Math.max(n, 0), temp: 0 };
        if (kind === "temp") Object.assign(hp, { current: 0, max: 0, temp: n });
        return [{ op: "add", path: pointer("actors", actor.id, "hp"), value: hp }];
      }
      const field = kind === "hp" ? "current" : kind;
      return [{ op: "replace", path: pointer("actors", actor.id, "hp", field), value: n }];
    }
    if (kind === "add-condition") {
      const name = this.condition.value.trim();
      if (!name) return "Name the condition.";
      const condition = { name, note: "" };
      if (this.rounds.value) {
        const rounds = Number(this.rounds.value);
        if (!Number.isInteger(rounds) || rounds < 0) return "Rounds must be a whole number.";
        condition.rounds = rounds;
      }
      return [{ op: "add", path: pointer("actors", actor.id, "conditions", "-"), value: condition }];
    }
    if (kind === "remove-condition") {
      const index = Number(this.existing.value);
      const c = (actor.conditions || [])[index];
      if (this.existing.value === "" || !c) return "There is no condition to remove.";
      const path = pointer("actors", actor.id, "conditions", String(index));
      return [
        { op: "test", path: `${path}/name`, value: c.name },
        { op: "remove", path },
      ];
    }
    return "Choose what to change.";
  }

  async submit() {
    const changes = this.changes();
    if (typeof changes === "string") {
      this.onNotice(changes, "error");
      return;
    }
    const summary = this.summary.value.trim() || this.describe();
    const button = this.form.querySelector("button[type=submit]");
    button.disabled = true;
    const ack = await this.onPropose(summary, changes);
    button.disabled = false;
    if (ack && ack.status === "pending") {
      this.summaries.set(ack.actionId, summary);
      this.summaryEdited = false;
      this.condition.value = "";
      this.rounds.value = "";
      this.lastPrefill = null;
      this.refreshForm();
    }
  }

  // A `decided` frame: returns the text of the notification to show.
  decided(frame) {
    const summary = this.summaries.get(frame.actionId) || "Your request";
    const entry = { actionId: frame.actionId, summary, approved: frame.approved, reason: frame.reason || "", at: Date.now() };
    this.history.unshift(entry);
    this.history = this.history.slice(0, 30);
    this.renderHistory();
    return entry;
  }

  render(view, me) {
    this.view = view;
    this.me = me;
    const actors = ownedActors(view, me);
    const chosen = this.actor.value;
    replaceChildren(
      this.actor,
      actors.length ? actors.map((a) => h("option", { value: a.id }, a.name)) : h("option", { value: "" }, "No character yet"),
    );
    if (actors.some((a) => a.id === chosen)) this.actor.value = chosen;
    this.form.querySelector("button[type=submit]").disabled = actors.length === 0;
    this.refreshForm();

    const pending = (view.currentSession?.pendingActions || []).filter((p) => p.playerId === me);
    for (const p of pending) this.summaries.set(p.id, p.summary);
    replaceChildren(
      this.pendingList,
      pending.length
        ? pending.map((p) =>
            h(
              "li.pending-item",
              { dataset: { actionId: p.id } },
              h("span.status-pill.waiting", null, "waiting"),
              h("span.summary", null, p.summary),
              h("time.muted", { datetime: new Date(p.createdAt).toISOString() }, timeOf(p.createdAt)),
            ),
          )
        : h("li.empty", null, "Nothing waiting for the GM."),
    );
  }

  renderHistory() {
    this.root.querySelector(".history").hidden = this.history.length === 0;
    replaceChildren(
      this.historyList,
      this.history.map((e) =>
        h(
          `li.decided.${e.approved ? "approved" : "rejected"}`,
          { dataset: { actionId: e.actionId } },
          h(`span.status-pill.${e.approved ? "approved" : "rejected"}`, null, e.approved ? "approved" : "rejected"),
          h("span.summary", null, e.summary),
          e.reason ? h("span.reason", null, `“${e.reason}”`) : null,
        ),
      ),
    );
  }
}
