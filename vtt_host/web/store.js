// What survives a reload: the session token per host and campaign (localStorage), and
// the last view with its version for a quick resume (sessionStorage, best effort).

const HOST_KEY = `vtt-host:${location.host}`;
// The GM's page keeps its session apart, so one browser can hold both roles.
const KEY = new URLSearchParams(location.search).has("gm") ? `${HOST_KEY}:gm` : HOST_KEY;

function read(storage, key) {
  try {
    return JSON.parse(storage.getItem(key) || "null");
  } catch {
    return null;
  }
}

function write(storage, key, value) {
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false; // private mode or over quota: resume then fetches the full view
  }
}

function sessions() {
  return read(localStorage, `${KEY}:sessions`) || { last: null, byCampaign: {} };
}

// The stored session for a campaign (or the last one used on this host).
export function loadSession(campaign = null) {
  const all = sessions();
  const id = campaign || all.last;
  return id && all.byCampaign[id] ? { campaign: id, ...all.byCampaign[id] } : null;
}

export function saveSession(campaign, record) {
  const all = sessions();
  all.byCampaign[campaign] = record;
  all.last = campaign;
  write(localStorage, `${KEY}:sessions`, all);
}

export function forgetSession(campaign) {
  const all = sessions();
  if (campaign) delete all.byCampaign[campaign];
  if (!campaign || all.last === campaign) all.last = null;
  write(localStorage, `${KEY}:sessions`, all);
  write(sessionStorage, `${KEY}:view:${campaign}`, null);
}

export function lastName() {
  return read(localStorage, `${KEY}:name`) || "";
}

export function saveName(name) {
  write(localStorage, `${KEY}:name`, name);
}

export function loadView(campaign, session) {
  const cached = read(sessionStorage, `${KEY}:view:${campaign}`);
  return cached && cached.session === session && cached.view ? cached : null;
}

export function saveView(campaign, session, view, extra = {}) {
  if (!campaign || !view) return;
  if (!write(sessionStorage, `${KEY}:view:${campaign}`, { session, version: view.version, view, ...extra })) {
    write(sessionStorage, `${KEY}:view:${campaign}`, null);
  }
}

// The handouts this player has read on this device ("id fingerprint" strings).
export function loadSeenHandouts(campaign, playerId) {
  const seen = read(localStorage, `${KEY}:handouts:${campaign}:${playerId}`);
  return Array.isArray(seen) ? seen.filter((entry) => typeof entry === "string") : [];
}

export function saveSeenHandouts(campaign, playerId, entries) {
  write(localStorage, `${KEY}:handouts:${campaign}:${playerId}`, entries.length ? entries : null);
}
