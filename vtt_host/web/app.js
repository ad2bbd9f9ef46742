// The players' client: join or resume, keep the view in step, draw the table.

import { ChatView } from "./chat.js";
import { GmPanel } from "./gm.js";
import { Link } from "./connection.js";
import { $, $$, h } from "./dom.js";
import { HandoutsView } from "./handouts.js";
import { MapView } from "./map.js";
import { ProposeView } from "./propose.js";
import { currentTurn, renderSheet, renderTurns } from "./sheet.js";
import * as store from "./store.js";

const params = new URLSearchParams(location.search);
const hashParams = new URLSearchParams(location.hash.replace(/^#/, ""));
const urlCode = params.get("code") || hashParams.get("code") || "";
const urlCampaign = params.get("campaign") || hashParams.get("campaign") || null;
// `?gm=<ticket>`: the GM's own page, from a one-time link the GM app makes.
const gmMode = params.has("gm");
const gmTicket = params.get("gm") || "";

const ALL = ["header", "map", "chat", "players", "sheet", "turns", "propose", "handouts"];

const app = {
  link: null,
  me: null,
  name: "",
  dirty: new Set(),
  moved: new Set(), // tokens whose position alone changed since the last draw
  mapWhole: false, // the map needs more than those tokens moved
  renderQueued: false,
  freshChat: true,
  lastTurnKey: null,
};

// -- notifications ------------------------------------------------------------------

// `action` ({label, run}) adds a button, for a notice the player may follow up on.
function toast(text, kind = "info", quiet = false, action = null, topic = null) {
  const box = $("#toasts");
  const button = action
    ? h("button.small", { type: "button", onclick: () => { el.remove(); action.run(); } }, action.label)
    : null;
  const el = h(`div.toast.${kind}`, { dataset: topic ? { topic } : null }, h("span", null, text), button, h("button.ghost.small", { type: "button", "aria-label": "Dismiss", onclick: () => el.remove() }, "×"));
  box.append(el);
  while (box.children.length > 3) box.firstChild.remove();
  if (kind === "error" && !quiet) $("#alerts").textContent = text;
  setTimeout(() => el.remove(), kind === "error" ? 8000 : 5000);
}

// -- connection status ----------------------------------------------------------------

const STATUS_TEXT = { connected: "Connected", connecting: "Connecting…", reconnecting: "Reconnecting…", offline: "Offline" };

function showStatus(status, detail) {
  const el = $("#status");
  el.dataset.status = status;
  $(".status-text", el).textContent = STATUS_TEXT[status] || status;
  el.title = detail || STATUS_TEXT[status] || "";
  document.body.dataset.connection = status;
}

// -- screens ----------------------------------------------------------------------------

function showJoin(message = "") {
  $("#game").hidden = true;
  $("#me").hidden = true;
  $("#join-screen").hidden = false;
  $("#claim-wait").hidden = true;
  const error = $("#join-error");
  error.textContent = message;
  error.hidden = !message;
  $("#join-button").disabled = false;
  $("#join-button").textContent = "Join";
  const name = $("#join-name");
  if (!name.value) name.value = store.lastName();
  const code = $("#join-code");
  if (!code.value) code.value = urlCode;
  (name.value ? code : name).focus();
  document.title = "Join — vtt-host";
}

function showGame() {
  $("#join-screen").hidden = true;
  $("#game").hidden = false;
  $("#me").hidden = false;
}

// -- joining and resuming ------------------------------------------------------------------

function join(event) {
  event.preventDefault();
  const name = $("#join-name").value.trim();
  const code = $("#join-code").value.trim();
  const recovery = $("#join-recovery").value.trim();
  const error = $("#join-error");
  if (!name || !code) {
    error.textContent = !name ? "Enter your name." : "Enter the join code.";
    error.hidden = false;
    (!name ? $("#join-name") : $("#join-code")).focus();
    return;
  }
  error.hidden = true;
  $("#join-button").disabled = true;
  $("#join-button").textContent = "Joining…";
  app.name = name;
  store.saveName(name);
  window.__vttJoinStarted = performance.now();
  app.recoveryTried = Boolean(recovery);
  app.link.join(name, code, recovery);
}

// The host asked the GM whether this device is the player of that name.
function claimPending(frame) {
  const minutes = Math.max(1, Math.round((frame.timeoutMs || 120000) / 60000));
  $("#claim-wait-text").textContent =
    `“${app.name}” is already at this table. Waiting for the GM to confirm that it is you (up to ${minutes} min)…`;
  $("#claim-wait").hidden = false;
  $("#join-error").hidden = true;
  $("#join-button").textContent = "Waiting for the GM…";
}

function cancelClaim() {
  app.link.stop();
  showJoin("");
}

const REFUSALS = {
  4001: {
    join: "That join code was not accepted. Check it with your GM — codes can change.",
    recovery: "That join code or recovery code was not accepted. Check both; without a recovery code, the GM is asked to confirm it is you.",
    resume: "Your session has ended (the GM may have changed the code or reset the game). Join again.",
  },
  4002: "This page does not speak the host's protocol version. Reload the page; if that does not help, the host needs updating.",
  4003: "The host did not understand the join request. Reload the page and try again.",
  4004: "The GM removed you from the game.",
  4008: "Too many attempts from this network. Wait a minute, then try again.",
  1009: "A message was too large for the host.",
};

// What the host said, as a sentence ("the table is full" -> "The table is full.").
function sentence(reason) {
  const text = (reason || "").trim();
  if (!text) return "";
  return `${text[0].toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? "" : "."}`;
}

function claimRefusal(code, reason) {
  if (code === 4001 && /in time/.test(reason || "")) {
    return "The GM did not answer in time. Ask them to look out for your request, then join again.";
  }
  if (code === 4001) {
    return `The GM did not confirm that you are “${app.name}”. If you are new here, choose another name; if it is you, use your recovery code or ask the GM.`;
  }
  return sentence(reason) || "The GM could not be asked. Try again.";
}

function refused(code, reason, during) {
  if (gmMode && code !== 4008) {
    store.forgetSession(app.link.campaign);
    app.me = null;
    app.link.view = null;
    showJoin("This GM link was not accepted: it works once, within 2 minutes, on the GM's computer. Open a new one from the GM app.");
    return;
  }
  if (during === "claim") {
    showJoin(claimRefusal(code, reason));
    return;
  }
  let text = REFUSALS[code];
  if (text && typeof text === "object") {
    if (during !== "join") text = text.resume;
    else text = app.recoveryTried ? text.recovery : text.join;
  }
  if (during === "join" && code === 4003 && reason) {
    text = /^that name/i.test(reason) ? sentence(reason) : `That name cannot be used: ${reason}.`;
  }
  if (code === 4008 && reason && !/too many messages/.test(reason)) text = sentence(reason);
  if (!text) {
    if (/full/i.test(reason || "")) text = "The game is full right now. Try again later.";
    else if (code === 1001) text = "The host has closed the game.";
    else text = reason ? `Could not connect: ${reason}` : "Could not reach the host. Check the address and that the game is running.";
  }
  if (code === 4008 && during !== "join" && app.link.session) {
    toast(`${text} Reconnecting shortly.`, "error");
    return;
  }
  if (during !== "join") {
    store.forgetSession(app.link.campaign);
    app.me = null;
    app.link.view = null;
  }
  showJoin(text);
}

function showRecoveryCode(code, name) {
  $("#recovery-code").textContent = code;
  $("#recovery-name").textContent = name;
  $("#recovery-notice").hidden = false;
  $("#recovery-done").focus();
}

function hideRecoveryCode() {
  $("#recovery-notice").hidden = true;
  $("#recovery-code").textContent = "";
}

async function copyRecoveryCode() {
  try {
    await navigator.clipboard.writeText($("#recovery-code").textContent);
    toast("Recovery code copied.", "success");
  } catch {
    toast("Copying is not allowed here: write the code down.", "error");
  }
}

function welcomed(frame, fresh) {
  const link = app.link;
  app.me = frame.playerId;
  $("#claim-wait").hidden = true;
  const players = link.view.players || {};
  app.name = frame.name || players[frame.playerId]?.name || app.name || store.lastName();
  store.saveSession(frame.campaign, { session: frame.session, playerId: frame.playerId, name: app.name });
  $("#loading").hidden = true;
  showGame();
  // Given once, at the first registration; never stored by the page.
  if (frame.recoveryCode) showRecoveryCode(frame.recoveryCode, app.name);
  if (gmMode && frame.role !== "gm") {
    // A player's session on the GM's page: never act as a player here.
    leave();
    showJoin("This page is the GM's. Open a new GM link from the GM app.");
    return;
  }
  if (fresh) {
    app.freshChat = true;
    ALL.forEach((area) => app.dirty.add(area));
  }
  renderNow();
  if (window.__vttJoinStarted !== undefined) {
    window.__vttJoinToMapMs = performance.now() - window.__vttJoinStarted;
    delete window.__vttJoinStarted;
  }
}

// -- patches -> what to redraw -----------------------------------------------------------------

function areasOf(path) {
  const [top, second] = path.split("/").slice(1);
  switch (top) {
    case undefined:
    case "":
      return ALL;
    case "actors":
      return ["map", "sheet", "turns", "propose"];
    case "items":
      return ["sheet"];
    case "maps":
      return ["map"];
    case "players":
      return ["players", "map", "turns"];
    case "encounters":
      return ["turns"];
    case "campaign":
      return ["header"];
    case "handouts":
      return ["handouts"];
    case "currentSession":
      switch (second) {
        case "chatMessages":
          return ["chat"];
        case "tokenPositions":
          return ["map", "sheet"];
        case "currentMapId":
          return ["map"];
        case "initiative":
          return ["turns", "map", "sheet"];
        case "turn":
        case "round":
        case "activeEncounterId":
          return ["turns", "map"];
        case "connectedPlayers":
          return ["players", "turns"];
        case "pendingActions":
          return ["propose"];
        default:
          return ALL;
      }
    default:
      return [];
  }
}

// A token moving on the map (a replace of its position) changes the sheet only when it
// is the player's own: the sheet says where their characters stand, and lists the others
// on the map without their squares. Drags are the busiest patches: redrawing every card
// of a 200-token map for each would take longer than the move itself.
const POSITION = /^\/currentSession\/tokenPositions\/([^/]+)(\/|$)/;

function areasOfOp(op) {
  const moved = op.op === "replace" || (op.op !== "remove" && op.path.split("/").length > 4);
  const match = moved ? POSITION.exec(op.path) : null;
  if (match) {
    const actorId = match[1].replace(/~1/g, "/").replace(/~0/g, "~");
    app.moved.add(actorId);
    const actor = app.link.view?.actors?.[actorId];
    return actor && !gmMode && actor.owner === app.me ? ["map", "sheet"] : ["map"];
  }
  const areas = areasOf(op.path);
  if (areas.includes("map")) app.mapWhole = true;
  return areas;
}

function patched(frame) {
  for (const op of frame.ops || []) {
    for (const area of areasOfOp(op)) app.dirty.add(area);
    if (op.from) {
      app.mapWhole = true;
      for (const area of areasOf(op.from)) app.dirty.add(area);
    }
  }
  scheduleRender();
}

function scheduleRender() {
  if (app.renderQueued) return;
  app.renderQueued = true;
  // A task, not an animation frame: background tabs keep up too.
  setTimeout(renderNow, 0);
}

function renderNow() {
  app.renderQueued = false;
  const view = app.link.view;
  if (!view || !app.me) return;
  const dirty = app.dirty;
  app.dirty = new Set();
  if (dirty.has("header")) {
    const name = view.campaign?.name || "vtt-host";
    $("#campaign-name").textContent = name;
    document.title = `${name} — vtt-host`;
  }
  if (dirty.has("header") || dirty.has("players")) {
    $("#me-name").textContent = view.players?.[app.me]?.name || app.name;
  }
  const moved = app.mapWhole ? null : app.moved;
  app.moved = new Set();
  app.mapWhole = false;
  if (dirty.has("map")) {
    // Tokens that only moved (a drag somewhere at the table) are moved; anything else
    // draws the map again.
    if (!moved || !moved.size || !views.map.moveTokens(view, moved)) views.map.render(view, app.me);
    // The map first, on its own: the browser paints it (and starts fetching its
    // picture) before the panels beside it are drawn, a task later.
    const rest = [...dirty].filter((area) => area !== "map" && area !== "header");
    if (rest.length) {
      rest.forEach((area) => app.dirty.add(area));
      if (gmMode) app.dirty.add("sheet"); // the GM's actors list follows the map
      scheduleRender();
      return;
    }
  }
  if (gmMode && (dirty.has("map") || dirty.has("sheet"))) {
    views.gm.render(view);
    renderFogToggle(view);
  }
  if (dirty.has("chat") || dirty.has("players")) {
    views.chat.render(view, app.me, { players: dirty.has("players"), messages: dirty.has("chat"), fresh: app.freshChat });
    app.freshChat = false;
  }
  if (gmMode) return; // the GM's page has the map, the actors and the chat
  if (dirty.has("sheet")) renderPanel("sheet", view);
  if (dirty.has("handouts")) {
    handoutsFor(app.link.campaign, app.me);
    views.handouts.render(view);
  }
  if (dirty.has("turns") || dirty.has("players")) {
    renderTurns($("#turns"), view, app.me, endTurn);
    renderTurnBar(view);
  }
  if (dirty.has("propose")) {
    views.propose.render(view, app.me);
    const waiting = (view.currentSession?.pendingActions || []).filter((p) => p.playerId === app.me).length;
    const badge = $("#pending-count");
    badge.hidden = waiting === 0;
    badge.textContent = waiting ? String(waiting) : "";
  }
}

// Panels drawn only while their tab is open: the sheet lists everyone on the map, and on
// a crowded map redrawing it behind the chat would hold up the page for nothing.
const PANELS = {
  sheet: { panel: "#panel-sheet", draw: (view) => renderSheet($("#sheet"), view, app.me) },
};
const stalePanels = new Set();

function renderPanel(name, view) {
  if ($(PANELS[name].panel).hidden) {
    stalePanels.add(name);
    return;
  }
  stalePanels.delete(name);
  PANELS[name].draw(view);
}

function renderOpenedPanels() {
  const view = app.link?.view;
  if (!view || !app.me || gmMode) return;
  for (const name of [...stalePanels]) renderPanel(name, view);
}

function renderTurnBar(view) {
  const bar = $("#turn-bar");
  const turn = currentTurn(view);
  $("#map-panel").classList.toggle("in-combat", Boolean(turn));
  if (!turn) {
    bar.hidden = true;
    app.lastTurnKey = null;
    return;
  }
  const mine = turn.actor && turn.actor.owner === app.me;
  const round = view.currentSession.round || 1;
  bar.hidden = false;
  bar.classList.toggle("yours", Boolean(mine));
  $("#turn-text").textContent = `Round ${round} · ${mine ? "Your turn" : `${turn.actor ? turn.actor.name : "Someone"}'s turn`}${mine ? ` (${turn.actor.name})` : ""}`;
  $("#end-turn-top").hidden = !mine;
  const key = `${round}:${view.currentSession.turn}`;
  if (mine && app.lastTurnKey !== null && app.lastTurnKey !== key) toast(`It's your turn: ${turn.actor.name}.`, "success");
  app.lastTurnKey = key;
}

// -- handouts ------------------------------------------------------------------------------

// The handouts view follows one player of one campaign, with what they read here before.
function handoutsFor(campaign, playerId) {
  const owner = `${campaign} ${playerId}`;
  if (app.handoutsOwner === owner) return;
  app.handoutsOwner = owner;
  views.handouts.reset(store.loadSeenHandouts(campaign, playerId));
}

function handoutsArrived(handouts, { updated, first }) {
  const name = (handout) => `“${handout.name || "Handout"}”`;
  let text;
  if (updated) text = handouts.length === 1 ? `The GM changed the handout ${name(handouts[0])}.` : `The GM changed ${handouts.length} handouts.`;
  else if (first) text = handouts.length === 1 ? `A handout you have not read: ${name(handouts[0])}.` : `${handouts.length} handouts you have not read.`;
  else text = handouts.length === 1 ? `The GM shared a handout: ${name(handouts[0])}.` : `The GM shared ${handouts.length} handouts.`;
  const open = views.handouts.open;
  toast(text, "info", false, open ? null : { label: "Read", run: () => selectTab($("#tab-handouts"), true) }, "handouts");
}

function handoutsUnseen(count) {
  const badge = $("#handouts-count");
  badge.hidden = count === 0;
  badge.textContent = count ? String(count) : "";
  $("#tab-handouts").setAttribute("aria-label", count ? `Handouts, ${count} not read` : "Handouts");
}

// -- actions -----------------------------------------------------------------------------------

function explain(ack) {
  return ack.message || ack.error || "refused";
}

async function moveToken(actorId, x, y) {
  const pos = { x, y };
  const answer = app.link.act({ kind: "move_token", tokenId: actorId, x, y }); // sent now
  views.map.setOverride(actorId, pos); // then drawn where it will be
  const ack = await answer;
  views.map.clearOverride(actorId, pos);
  if (ack.status === "rejected") toast(`Could not move there: ${explain(ack)}`, "error");
  else if (ack.status === "pending") toast("The GM has to approve that move.", "info");
}

// -- the GM's page ----------------------------------------------------------------------

function renderFogToggle(view) {
  const map = views.map.currentMap();
  const button = $("#fog-toggle");
  const on = Boolean(map?.fog?.enabled);
  button.disabled = !map;
  button.setAttribute("aria-pressed", String(on));
  button.textContent = on ? "Fog on" : "Fog off";
}

async function gmAct(action, failure) {
  const ack = await app.link.act(action);
  if (ack.status === "rejected") toast(`${failure}: ${explain(ack)}`, "error");
  return ack;
}

function paintFog(mapId, reveal, areas) {
  gmAct({ kind: "paint_fog", mapId, reveal, areas }, "The fog did not change").then((ack) => {
    if (ack.status === "rejected") {
      views.map.fog.redraw();
      views.map.renderFog();
    }
  });
}

function toggleFog() {
  const map = views.map.currentMap();
  if (!map) return;
  gmAct({ kind: "set_fog", mapId: map.id, enabled: !map.fog?.enabled }, "The fog did not change");
}

function revealActor(id, reveal) {
  gmAct({ kind: reveal ? "reveal" : "hide", collection: "actors", id }, reveal ? "Not revealed" : "Not hidden");
}

function placeActor(id) {
  if (!views.map.currentMap()) {
    toast("Show a map first.", "error", true);
    return;
  }
  views.map.select(id);
}

function setupGm() {
  document.body.classList.add("gm-mode");
  for (const el of $$(".gm-only")) el.hidden = false;
  $("#fog-toggle").addEventListener("click", toggleFog);
  views.map.gm = true;
  views.map.onPaintFog = paintFog;
  views.gm = new GmPanel($("#panel-actors"), { onPlace: placeActor, onReveal: revealActor });
  selectTab($("#tab-actors"));
  $("#join-title").textContent = "The GM's page";
  if (gmTicket) history.replaceState(null, "", `${location.pathname}?gm`); // the ticket works once
}

// Pings are frames of their own, not actions: nothing is stored and no ack comes back.
function sendPing(x, y) {
  if (!app.link.send({ type: "map_ping", x, y })) toast("Not connected to the host right now.", "error", true);
}

async function sendChat(text, to) {
  const action = { kind: "chat", text };
  if (to) action.to = to;
  const ack = await app.link.act(action);
  if (ack.status === "rejected") {
    toast(`Message not sent: ${explain(ack)}`, "error");
    return false;
  }
  if (ack.status === "pending") toast("Your message waits for the GM's approval.", "info");
  return true;
}

async function roll(expr, label, to) {
  const action = { kind: "roll", expr };
  if (label) action.label = label;
  if (to) action.to = to;
  const ack = await app.link.act(action);
  if (ack.status === "rejected") {
    toast(`Could not roll ${expr}: ${explain(ack)}`, "error");
    return false;
  }
  return true;
}

async function propose(summary, changes) {
  const ack = await app.link.act({ kind: "propose", summary, changes });
  if (ack.status === "rejected") toast(`The GM did not get it: ${explain(ack)}`, "error");
  else if (ack.status === "applied") toast("Done.", "success");
  return ack;
}

async function endTurn() {
  const ack = await app.link.act({ kind: "next_turn" });
  if (ack.status === "rejected") toast(`Could not end the turn: ${explain(ack)}`, "error");
}

function frameReceived(frame) {
  if (frame.type === "decided") {
    const entry = views.propose.decided(frame);
    const text = entry.approved
      ? `The GM approved: ${entry.summary}`
      : `The GM rejected: ${entry.summary}${entry.reason ? ` — “${entry.reason}”` : ""}`;
    toast(text, entry.approved ? "success" : "error", true);
    $("#alerts").textContent = text;
  } else if (frame.type === "map_ping") {
    views.map.showPing(frame);
  } else if (frame.type === "error") {
    toast(frame.message || frame.error, "error");
  }
}

// -- tabs ------------------------------------------------------------------------------------------

function selectTab(tab, focus = false) {
  for (const other of $$("[role=tab]")) {
    const on = other === tab;
    other.setAttribute("aria-selected", String(on));
    other.tabIndex = on ? 0 : -1;
    $(`#${other.getAttribute("aria-controls")}`).hidden = !on;
  }
  renderOpenedPanels();
  if (focus) tab.focus();
  if (tab.id === "tab-chat") views.chat.markRead();
  views.handouts.setOpen(tab.id === "tab-handouts");
  if (tab.id === "tab-handouts") $$('#toasts [data-topic="handouts"]').forEach((el) => el.remove());
}

function setupTabs() {
  const tabs = $$("[role=tab]");
  for (const tab of tabs) {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (event) => {
      const shown = tabs.filter((t) => !t.hidden && t.offsetParent !== null);
      const index = shown.indexOf(tab);
      const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: shown.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      selectTab(shown[(next + shown.length) % shown.length], true);
    });
  }
}

function chatVisible() {
  return !$("#panel-chat").hidden;
}

// -- start -------------------------------------------------------------------------------------------

const views = {};

function saveForReload() {
  const link = app.link;
  if (link?.view && link.session && link.campaign && app.me) {
    store.saveView(link.campaign, link.session, link.view);
  }
}

function leave() {
  const link = app.link;
  const campaign = link.campaign;
  link.stop();
  store.forgetSession(campaign);
  link.view = null;
  link.session = null;
  app.me = null;
  showJoin("");
}

function start() {
  const onNotice = (text, kind = "info", quiet = false) => toast(text, kind, quiet);
  views.map = new MapView($("#map-panel"), { onMove: moveToken, onNotice, onPing: sendPing });
  views.chat = new ChatView($("#panel-chat"), { onSend: sendChat, onRoll: roll, onNotice });
  views.chat.onUnread = (count) => {
    const badge = $("#unread");
    const show = count > 0 && !chatVisible();
    badge.hidden = !show;
    badge.textContent = show ? String(count) : "";
    if (chatVisible() && count) views.chat.unread = 0;
  };
  views.propose = new ProposeView($("#panel-propose"), { onPropose: propose, onNotice });
  views.handouts = new HandoutsView($("#panel-handouts"), {
    onArrived: handoutsArrived,
    onUnseen: handoutsUnseen,
    onSeen: (entries) => {
      if (app.link.campaign && app.me) store.saveSeenHandouts(app.link.campaign, app.me, entries);
    },
  });
  setupTabs();
  $("#join-form").addEventListener("submit", join);
  $("#claim-cancel").addEventListener("click", cancelClaim);
  $("#recovery-copy").addEventListener("click", copyRecoveryCode);
  $("#recovery-done").addEventListener("click", hideRecoveryCode);
  $("#leave").addEventListener("click", leave);
  $("#end-turn-top").addEventListener("click", endTurn);
  window.addEventListener("pagehide", saveForReload);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") saveForReload();
    else app.link.wake();
  });

  app.link = new Link(
    {
      onWelcome: welcomed,
      onPatch: patched,
      onFrame: frameReceived,
      onStatus: showStatus,
      onRefused: refused,
      onClaimPending: claimPending,
    },
    { campaign: urlCampaign },
  );
  app.views = views;
  window.vtt = app; // for debugging from the console and for tests

  if (gmMode) setupGm();
  const saved = gmTicket ? null : store.loadSession(urlCampaign);
  if (gmTicket) {
    app.name = "GM";
    $("#loading").hidden = false;
    showGame();
    app.link.joinAsGm(gmTicket);
  } else if (saved && saved.session) {
    app.name = saved.name || "";
    app.me = saved.playerId;
    const cached = store.loadView(saved.campaign, saved.session);
    showGame();
    $("#me-name").textContent = app.name;
    app.link.campaign = saved.campaign;
    if (cached) {
      app.link.view = cached.view;
      app.link.version = cached.version;
      ALL.forEach((area) => app.dirty.add(area));
      renderNow();
    } else {
      $("#loading").hidden = false;
    }
    app.link.resume(saved.session, cached ? cached.view : null, cached ? cached.version : -1);
  } else if (gmMode) {
    showJoin("This GM link has been used. Open a new one from the GM app.");
  } else {
    showJoin("");
  }
}

start();
