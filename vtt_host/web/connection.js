// One player's link to the host: hello/welcome, patches applied to the view, acks,
// resume with backoff after a drop or a version gap (docs/protocol.md "Resuming").

import { applyPatch } from "./patch.js";

export const PROTOCOL = 1;

// Close codes after which trying again the same way cannot succeed.
export const CLOSE_MESSAGES = {
  4001: "unauthorized",
  4002: "unsupported_protocol",
  4003: "bad_hello",
  4004: "kicked",
  4008: "too_many",
  1009: "too_big",
};

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000, 15000];
const PING_EVERY_MS = 20000;
const PING_TIMEOUT_MS = 10000;
const ACK_TIMEOUT_MS = 15000;
const WAKE_PONG_TIMEOUT_MS = 4000;

export class Link {
  // handlers: onWelcome(welcome, fresh), onPatch(frame), onFrame(frame),
  // onStatus(status, detail), onRefused(code, reason, during), onClaimPending(frame)
  // `during` is "join", "claim" (the host asked the GM whether this is that player),
  // "resume" or "session" (refused after being in).
  constructor(handlers, { url = defaultUrl(), campaign = null } = {}) {
    this.handlers = handlers;
    this.url = url;
    this.campaign = campaign;
    this.ws = null;
    this.view = null;
    this.version = -1;
    this.session = null;
    this.playerId = null;
    this.welcomed = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.waiting = new Map();
    this.counter = 0;
    this.stopped = true;
    this.status = "offline";
    this.pauseUntil = 0;
    this.claimPending = false;
    window.addEventListener("online", () => this.retryNow());
    window.addEventListener("offline", () => this.setStatus("offline", "This device is offline."));
  }

  // A fresh join with a name and code (and the player's recovery code, from a new
  // device); resolves nothing, reports through handlers.
  join(name, code, recovery = "") {
    this.stopped = false;
    this.session = null;
    const hello = { type: "hello", protocol: PROTOCOL, name, code };
    if (recovery) hello.recovery = recovery;
    this.open(hello, "join");
  }

  // The GM's page opened from a one-time link of the GM app (only from this machine).
  joinAsGm(ticket) {
    this.stopped = false;
    this.session = null;
    this.open({ type: "hello", protocol: PROTOCOL, gmTicket: ticket }, "join");
  }

  // Resume a stored session; `view`/`version` may be a cached view or null.
  resume(session, view = null, version = -1) {
    this.stopped = false;
    this.session = session;
    this.view = view;
    this.version = view ? version : -1;
    this.open(this.resumeHello(), "resume");
  }

  resumeHello() {
    const hello = { type: "hello", protocol: PROTOCOL, resume: this.session };
    if (this.view && this.version >= 0) hello.since = this.version;
    return hello;
  }

  open(hello, during) {
    this.closeSocket();
    if (this.campaign) hello.campaign = this.campaign;
    this.welcomed = false;
    this.claimPending = false;
    this.setStatus(this.attempt === 0 && during === "join" ? "connecting" : "reconnecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (error) {
      this.scheduleRetry(during);
      return;
    }
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify(hello));
    ws.onmessage = (event) => {
      if (ws !== this.ws) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this.receive(frame);
    };
    ws.onclose = (event) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.stopPing();
      this.failWaiting("the connection dropped");
      this.closed(event.code, event.reason, during);
    };
  }

  closed(code, reason, during) {
    if (this.stopped) return;
    const wasWelcomed = this.welcomed;
    this.welcomed = false;
    if (this.claimPending) {
      // The GM was asked and did not let us in (or we gave up): never retry by itself.
      this.claimPending = false;
      this.stopped = true;
      this.setStatus("offline");
      this.handlers.onRefused(code, reason, "claim");
      return;
    }
    const kind = CLOSE_MESSAGES[code];
    if (kind === "too_many" && this.session && during !== "join") {
      // Too many messages or attempts: wait it out, then resume.
      this.pauseUntil = Date.now() + 60000;
      this.handlers.onRefused(code, reason, during);
      this.scheduleRetry("resume");
      return;
    }
    if (kind) {
      this.stopped = true;
      this.setStatus("offline");
      this.handlers.onRefused(code, reason, wasWelcomed ? "session" : during);
      return;
    }
    if (during === "join" && !this.session) {
      // Never got in: say so rather than retrying a join in a loop.
      this.stopped = true;
      this.setStatus("offline");
      this.handlers.onRefused(code, reason || "The host could not be reached.", "join");
      return;
    }
    this.scheduleRetry("resume", code, reason);
  }

  scheduleRetry(during, code, reason) {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    const delay = Math.max(base * (0.8 + Math.random() * 0.4), this.pauseUntil - Date.now());
    this.attempt += 1;
    const detail =
      code === 1001 ? "The host closed the connection." : reason || "The connection dropped.";
    this.setStatus(this.attempt > 5 || !navigator.onLine ? "offline" : "reconnecting", detail);
    this.retryTimer = setTimeout(() => this.open(this.resumeHello(), during), delay);
  }

  retryNow() {
    if (this.stopped || this.welcomed || !this.session) return;
    this.attempt = 0;
    this.pauseUntil = 0;
    clearTimeout(this.retryTimer);
    this.open(this.resumeHello(), "resume");
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.closeSocket();
    this.setStatus("offline");
  }

  closeSocket() {
    this.stopPing();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      try {
        ws.close(1000, "bye");
      } catch {
        /* already closed */
      }
    }
    this.failWaiting("the connection was closed");
  }

  // Resynchronise: drop the socket and resume, from `since` or (fullView) from scratch.
  resync(fullView = false) {
    if (fullView) {
      this.view = null;
      this.version = -1;
    }
    this.closeSocket();
    this.welcomed = false;
    this.scheduleRetry("resume");
  }

  receive(frame) {
    switch (frame.type) {
      case "welcome":
        return this.welcome(frame);
      case "patch":
        return this.patch(frame);
      case "pong":
        clearTimeout(this.pongTimer);
        return undefined;
      case "claim_pending":
        this.claimPending = true;
        this.setStatus("connecting", "Waiting for the GM.");
        return this.handlers.onClaimPending(frame);
      default: {
        const waiter = frame.id !== undefined ? this.waiting.get(frame.id) : undefined;
        if (waiter) {
          this.waiting.delete(frame.id);
          clearTimeout(waiter.timer);
          waiter.resolve(frame);
        }
        return this.handlers.onFrame(frame);
      }
    }
  }

  welcome(frame) {
    const fresh = frame.state !== null && frame.state !== undefined;
    if (!fresh && !this.view) {
      // The host expects us to hold a view we no longer have: ask for a full one.
      this.resync(true);
      return;
    }
    if (fresh) this.view = frame.state;
    this.version = frame.version;
    this.view.version = frame.version;
    this.session = frame.session;
    this.playerId = frame.playerId;
    this.role = frame.role;
    this.campaign = frame.campaign;
    this.welcomed = true;
    this.claimPending = false;
    this.attempt = 0;
    this.pauseUntil = 0;
    this.setStatus("connected");
    this.startPing();
    this.handlers.onWelcome(frame, fresh);
  }

  patch(frame) {
    if (!this.welcomed) return;
    if (frame.version <= this.version) return; // already applied
    if (frame.version !== this.version + 1) {
      this.resync(false);
      return;
    }
    try {
      this.view = applyPatch(this.view, frame.ops || []);
    } catch (error) {
      console.warn("patch failed, fetching the full view", error);
      this.resync(true);
      return;
    }
    this.version = frame.version;
    this.view.version = frame.version;
    this.handlers.onPatch(frame);
  }

  send(frame) {
    if (!this.ws || !this.welcomed || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  // Send an action; resolves with its ack (or a synthetic rejected ack if it cannot).
  act(action) {
    this.counter += 1;
    const id = `w${Date.now().toString(36)}-${this.counter}`;
    return new Promise((resolve) => {
      if (!this.send({ type: "action", id, action })) {
        resolve({ type: "ack", id, status: "rejected", error: "offline", message: "Not connected to the host right now." });
        return;
      }
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ type: "ack", id, status: "rejected", error: "timeout", message: "The host did not answer." });
      }, ACK_TIMEOUT_MS);
      this.waiting.set(id, { resolve, timer });
    });
  }

  failWaiting(message) {
    for (const [id, waiter] of this.waiting) {
      clearTimeout(waiter.timer);
      waiter.resolve({ type: "ack", id, status: "rejected", error: "connection", message: `Not sure it was done: ${message}.` });
    }
    this.waiting.clear();
  }

  startPing() {
    this.stopPing();
    this.pingTimer = setInterval(() => this.probe(PING_TIMEOUT_MS), PING_EVERY_MS);
  }

  // Ask the host for a pong; without one in time the socket is dead even if the
  // browser has not noticed (a phone that slept, a network that changed).
  probe(timeoutMs) {
    if (!this.send({ type: "ping" })) return;
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => this.dropDead("The host stopped answering."), timeoutMs);
  }

  dropDead(reason) {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    ws.onclose = null;
    ws.onmessage = null;
    try {
      ws.close();
    } catch {
      /* already closed */
    }
    this.stopPing();
    this.failWaiting("the host stopped answering");
    this.closed(1006, reason, "resume");
  }

  // The page is shown again: reconnect now if the socket dropped meanwhile, and check
  // quickly that one which looks open still answers.
  wake() {
    if (this.stopped || !this.session) return;
    const open = this.ws && this.ws.readyState === WebSocket.OPEN;
    if (open && this.welcomed) {
      this.probe(WAKE_PONG_TIMEOUT_MS);
      return;
    }
    if (this.ws && this.ws.readyState === WebSocket.CONNECTING) return;
    if (this.ws) {
      this.dropDead("The connection dropped while the page was hidden.");
      this.retryNow();
      return;
    }
    this.welcomed = false;
    this.retryNow();
  }

  stopPing() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }

  setStatus(status, detail = "") {
    this.status = status;
    this.handlers.onStatus(status, detail);
  }
}

export function defaultUrl() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws`;
}
