// Chat: messages (whispers marked, rolls with every die), the recipient picker and the
// composer, which understands /roll (or /r) and /w.

import { h, replaceChildren, timeOf } from "./dom.js";

const GM = "gm";
const SVG = "http://www.w3.org/2000/svg";

function lockIcon() {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("class", "lock");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M4 7V5a4 4 0 0 1 8 0v2h1v8H3V7h1zm2 0h4V5a2 2 0 0 0-4 0v2z");
  svg.append(path);
  return svg;
}

export class ChatView {
  constructor(root, { onSend, onRoll, onNotice }) {
    this.root = root;
    this.log = root.querySelector(".chat-log");
    this.form = root.querySelector(".chat-form");
    this.input = root.querySelector("#chat-text");
    this.to = root.querySelector("#chat-to");
    this.rollForm = root.querySelector(".roll-form");
    this.rollExpr = root.querySelector("#roll-expr");
    this.onSend = onSend;
    this.onRoll = onRoll;
    this.onNotice = onNotice;
    this.items = new Map(); // message id -> element
    this.view = null;
    this.me = null;
    this.unread = 0;
    this.onUnread = () => {};

    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.rollForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const expr = this.rollExpr.value.trim();
      if (expr) this.roll(expr, null, this.rollExpr);
    });
    for (const button of root.querySelectorAll("[data-die]")) {
      button.addEventListener("click", () => this.roll(`1${button.dataset.die}`, null, null));
    }
  }

  recipient() {
    return this.to.value || null;
  }

  async submit() {
    const text = this.input.value.trim();
    if (!text) return;
    const command = /^\/(roll|r)\s+(\S+)(?:\s+(.+))?$/i.exec(text);
    if (command) {
      await this.roll(command[2], command[3] || null, this.input);
      return;
    }
    if (/^\/(roll|r)\s*$/i.test(text)) {
      this.onNotice("Write the dice after /roll, for example /roll 1d20+5.", "error");
      return;
    }
    let to = this.recipient();
    let body = text;
    const whisper = /^\/w(?:hisper)?\s+(\S+)\s+(.+)$/i.exec(text);
    if (whisper) {
      to = this.findRecipient(whisper[1]);
      if (to === undefined) {
        this.onNotice(`No one called ${whisper[1]} is at this table.`, "error");
        return;
      }
      body = whisper[2];
    } else if (text.startsWith("/")) {
      this.onNotice("Commands: /roll 2d20kh1+3 [label], /w NAME message.", "info");
      return;
    }
    this.busy(this.form, true);
    const ok = await this.onSend(body, to);
    this.busy(this.form, false);
    if (ok) this.input.value = "";
    this.input.focus();
  }

  async roll(expr, label, field) {
    const form = field ? field.form : this.rollForm;
    this.busy(form, true);
    const ok = await this.onRoll(expr, label, this.recipient());
    this.busy(form, false);
    if (ok && field) field.value = "";
  }

  busy(form, on) {
    for (const button of form.querySelectorAll("button")) button.disabled = on;
  }

  findRecipient(name) {
    const wanted = name.toLowerCase();
    if (wanted === "gm") return GM;
    const player = Object.values(this.view.players || {}).find(
      (p) => p.id !== this.me && p.name.toLowerCase() === wanted,
    );
    return player ? player.id : undefined;
  }

  nameOf(id) {
    if (id === GM) return "GM";
    if (id === this.me) return "you";
    return this.view.players?.[id]?.name || "someone";
  }

  renderRecipients() {
    const selected = this.to.value;
    const players = Object.values(this.view.players || {})
      .filter((p) => p.id !== this.me)
      .sort((a, b) => a.name.localeCompare(b.name));
    const online = new Set((this.view.currentSession?.connectedPlayers || []).map((c) => c.playerId));
    const options = [
      h("option", { value: "" }, "Everyone"),
      h("option", { value: GM }, "GM (whisper)"),
      ...players.map((p) => h("option", { value: p.id }, `${p.name} (whisper)${online.has(p.id) ? "" : " — away"}`)),
    ];
    replaceChildren(this.to, options);
    this.to.value = [...this.to.options].some((o) => o.value === selected) ? selected : "";
  }

  render(view, me, { players = true, messages = true, fresh = false } = {}) {
    this.view = view;
    this.me = me;
    if (players) this.renderRecipients();
    if (!messages) return;
    const list = view.currentSession?.chatMessages || [];
    const keep = new Set(list.map((m) => m.id));
    for (const [id, el] of this.items) {
      if (!keep.has(id)) {
        el.remove();
        this.items.delete(id);
      }
    }
    const nearBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
    let added = 0;
    let previous = null;
    for (const message of list) {
      let el = this.items.get(message.id);
      if (!el) {
        el = this.message(message);
        this.items.set(message.id, el);
        if (previous) previous.after(el);
        else this.log.prepend(el);
        added += 1;
        if (!fresh && message.from !== me) this.unread += 1;
      }
      previous = el;
    }
    this.root.querySelector(".chat-empty").hidden = list.length > 0;
    if (added && (nearBottom || fresh)) this.log.scrollTop = this.log.scrollHeight;
    if (added) this.onUnread(this.unread);
  }

  markRead() {
    this.unread = 0;
    this.onUnread(0);
    this.log.scrollTop = this.log.scrollHeight;
  }

  message(m) {
    const mine = m.from === this.me;
    const whisper = Boolean(m.to);
    const classes = ["msg", mine ? "mine" : "", whisper ? "whisper" : "", m.roll ? "roll" : "", m.from === GM ? "from-gm" : ""]
      .filter(Boolean)
      .join(".");
    let whisperLabel = null;
    if (whisper) {
      const text = mine ? `whisper to ${this.nameOf(m.to)}` : m.to === this.me ? "whispered to you" : `whisper to ${this.nameOf(m.to)}`;
      whisperLabel = h("span.whisper-tag", null, lockIcon(), text);
    }
    const head = h(
      "div.msg-head",
      null,
      h("span.msg-from", null, m.from === GM ? "GM" : m.fromName),
      whisperLabel,
      h("time.msg-time", { datetime: new Date(m.at).toISOString() }, timeOf(m.at)),
    );
    const body = m.roll ? this.rollBody(m.roll) : h("p.msg-text", null, m.text);
    return h(`li.${classes}`, { dataset: { id: m.id } }, head, body);
  }

  rollBody(roll) {
    const terms = [];
    roll.terms.forEach((term, index) => {
      if (index > 0 || term.sign < 0) terms.push(h("span.op", { "aria-hidden": "true" }, term.sign < 0 ? "−" : "+"));
      if (term.dice && term.dice.length) {
        const dice = term.dice.map((die) => {
          const crit = die.kept && die.value === die.sides && die.sides > 1 ? ".crit" : "";
          const fumble = die.kept && die.value === 1 && die.sides > 1 ? ".fumble" : "";
          const state = die.kept ? "" : ".dropped";
          return h(`span.die${state}${crit}${fumble}`, {
            title: `d${die.sides}: ${die.value}${die.kept ? "" : " (dropped)"}`,
            "aria-label": `d${die.sides} rolled ${die.value}${die.kept ? "" : ", dropped"}`,
          }, String(die.value));
        });
        terms.push(h("span.term", { title: term.text }, h("span.term-text", null, term.text), h("span.dice", null, dice)));
      } else {
        terms.push(h("span.term.const", null, String(term.value)));
      }
    });
    return h(
      "div.roll-body",
      null,
      h("div.roll-line", null, roll.label ? h("span.roll-label", null, roll.label) : null, h("code.roll-expr", null, roll.expr)),
      h("div.roll-result", null, h("span.roll-terms", null, terms), h("span.eq", { "aria-hidden": "true" }, "="), h("strong.roll-total", { "aria-label": `total ${roll.total}` }, String(roll.total))),
    );
  }
}
