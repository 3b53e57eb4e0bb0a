// SPDX-License-Identifier: GPL-2.0-or-later
// The console: session and sign-in, the data it shows, live updates from the
// event stream, the actions an admin session may take, the views.

import * as api from "./api.js";
import { h } from "./dom.js";
import * as overview from "./overview.js";
import * as routes from "./routes.js";
import * as remote from "./remote.js";
import * as trace from "./trace.js";
import * as daemon from "./daemon.js";

const VIEWS = { overview, routes, remote, trace, daemon };

const state = {
  session: null, // {scope, token_required, apdu_shell}
  status: null,
  plugins: [],
  pluginDir: "",
  frontends: [],
  backends: [],
  routes: [],
  remote: null, // {banks, clients, slotmaps} when rspro-server runs here
  link: "connecting",
  loadedAt: 0,
};

const $ = id => document.getElementById(id);

// ---- notices --------------------------------------------------------------

let noticeTimer = null;

function notice(text, kind = "ok") {
  const el = $("notice");
  el.textContent = text;
  el.className = `notice notice-${kind}`;
  el.hidden = false;
  clearTimeout(noticeTimer);
  if (kind === "ok")
    noticeTimer = setTimeout(() => { el.hidden = true; }, 8000);
}

function refusal(what, e) {
  if (!(e instanceof api.ApiError))
    return `${what}: ${e}`;
  let text = `${what} refused: ${e.describe()}`;
  if (e.status === 403 && state.session && state.session.scope !== "admin")
    text += " (this session is read-only)";
  return text;
}

// ---- actions (also window.cardroute, for the browser's developer console) --

async function act(what, method, path, body, done) {
  try {
    const result = await api.request(method, path, body);
    notice(done(result));
    soon(0);
    return true;
  } catch (e) {
    notice(refusal(what, e), "error");
    if (e.status === 401)
      toLogin("");
    return false;
  }
}

const actions = {
  addRoute(frontend, backend, name, policy) {
    const body = { frontend, backend };
    if (name)
      body.name = name;
    if (policy && Object.keys(policy).length > 0)
      body.policy = policy;
    return act("Making the route", "POST", "/api/v1/routes", body,
      r => `Route ${r && r.name ? r.name : ""} made: ${frontend} → ${backend}`);
  },
  removeRoute(name) {
    return act(`Removing route ${name}`, "DELETE", `/api/v1/routes/${encodeURIComponent(name)}`,
      undefined, () => `Route ${name} removed`);
  },
  createSlotmap(bankId, bankSlot, clientId, clientSlot) {
    const body = { bank: { bankId, slotNr: bankSlot }, client: { clientId, slotNr: clientSlot } };
    return act("Creating the slotmap", "POST", "/api/backend/v1/slotmaps", body,
      () => `Slotmap B${bankId}:${bankSlot} ↔ C${clientId}:${clientSlot} created`);
  },
  deleteSlotmap(id) {
    return act(`Deleting slotmap ${id}`, "DELETE", `/api/backend/v1/slotmaps/${id}`, undefined,
      () => `Slotmap ${id} deleted`);
  },
};

window.cardroute = actions;

// ---- data -----------------------------------------------------------------

let refreshing = false;
let refreshAgain = false;
let refreshTimer = null;
let pluginsStale = true; // the plugin list (a directory scan in the daemon) is read when needed

function soon(ms, plugins = false) {
  if (plugins)
    pluginsStale = true;
  if (refreshTimer !== null)
    return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    refresh();
  }, ms);
}

function hasRemote() {
  return state.plugins.some(p => p.name === "rspro-server" && p.instances.length > 0);
}

async function refresh() {
  if (!state.session)
    return;
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = true;
  try {
    const readPlugins = pluginsStale;
    pluginsStale = false;
    const [status, plugins, frontends, backends, routeList] = await Promise.all([
      api.get("/api/v1/status"), readPlugins ? api.get("/api/v1/plugins") : null,
      api.get("/api/v1/frontends"), api.get("/api/v1/backends"), api.get("/api/v1/routes"),
    ]);
    state.status = status;
    if (plugins) {
      state.plugins = plugins.plugins;
      state.pluginDir = plugins.plugin_dir;
    }
    state.frontends = frontends.frontends;
    state.backends = backends.backends;
    state.routes = routeList.routes;
    if (hasRemote()) {
      const [banks, clients, slotmaps] = await Promise.all([
        api.get("/api/backend/v1/banks"), api.get("/api/backend/v1/clients"),
        api.get("/api/backend/v1/slotmaps"),
      ]);
      state.remote = { banks: banks.banks, clients: clients.clients, slotmaps: slotmaps.slotmaps };
    } else {
      state.remote = null;
    }
    state.loadedAt = Date.now();
    render();
  } catch (e) {
    pluginsStale = true;
    if (e.status === 401 || e.status === 403)
      toLogin(e.status === 403 ? "The token was refused." : "");
    else if (e.status === 429)
      notice(refusal("Reading the daemon", e), "error");
  } finally {
    refreshing = false;
    if (refreshAgain) {
      refreshAgain = false;
      soon(50);
    }
  }
}

// ---- live -----------------------------------------------------------------

function setLink(link) {
  state.link = link;
  const el = $("link-state");
  const text = { live: "live", closed: "reconnecting…", refused: "event stream refused",
    connecting: "connecting", unreachable: "daemon unreachable" }[link] || link;
  el.textContent = text;
  el.className = `link link-${link}`;
}

let wasClosed = false;

const stream = new api.EventStream((type, ev) => {
  if (type === "transaction") {
    trace.onTransaction(ev);
    soon(400); // counters and percentiles
  } else {
    soon(50, type === "slot-added" || type === "slot-removed"); // a slot, a card, a route
  }
}, (what, status) => {
  if (what === "open") {
    setLink("live");
    if (wasClosed) {
      wasClosed = false;
      startSession(); // the daemon restarted: its tokens or plugins may differ
    }
  } else if (what === "closed") {
    wasClosed = true;
    setLink("closed");
  } else {
    setLink("refused");
    if (status === 401 || status === 403)
      toLogin("");
  }
});

// ---- session and sign-in --------------------------------------------------

function toLogin(message) {
  state.session = null;
  stream.stop();
  $("login").hidden = false;
  for (const name of Object.keys(VIEWS))
    $(`view-${name}`).hidden = true;
  $("session-scope").textContent = "";
  $("sign-out-slot").replaceChildren();
  if (message)
    notice(message, "error");
  $("login-token").focus();
}

function renderSession() {
  const s = state.session;
  const scope = $("session-scope");
  scope.textContent = s.scope === "admin" ? "admin" : "read-only";
  scope.className = `scope scope-${s.scope}`;
  const slot = $("sign-out-slot");
  if (s.token_required) {
    slot.replaceChildren(h("button", { type: "button", class: "quiet", onclick: () => {
      api.setToken("");
      toLogin("Signed out.");
    } }, "Sign out"));
  } else {
    slot.replaceChildren();
  }
}

async function startSession() {
  try {
    state.session = await api.get("/api/v1/session");
  } catch (e) {
    if (e.status === 401 || e.status === 403) {
      toLogin(e.status === 403 && api.getToken() ? "The token was refused." : "");
      if (e.status === 403)
        api.setToken("");
    } else if (e.status === 429) {
      toLogin(refusal("Signing in", e));
    } else {
      setLink("unreachable");
      setTimeout(startSession, 1000);
    }
    return;
  }
  $("login").hidden = true;
  pluginsStale = true;
  if ($("notice").classList.contains("notice-error"))
    $("notice").hidden = true;
  renderSession();
  stream.start();
  show();
  await refresh();
}

function onLogin(event) {
  event.preventDefault();
  const input = $("login-token");
  api.setToken(input.value.trim());
  input.value = "";
  startSession();
}

// ---- views ----------------------------------------------------------------

function currentView() {
  const name = location.hash.slice(1);
  return Object.hasOwn(VIEWS, name) ? name : "overview";
}

function render() {
  if (!state.session)
    return;
  const name = currentView();
  const ctx = { state, actions, canChange: state.session.scope === "admin", hasRemote: hasRemote() };
  VIEWS[name].render(ctx);
}

function show() {
  const name = currentView();
  for (const view of Object.keys(VIEWS))
    $(`view-${view}`).hidden = !state.session || view !== name;
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.view === name)
      a.setAttribute("aria-current", "page");
    else
      a.removeAttribute("aria-current");
  }
  document.title = `cardroute: ${document.querySelector(`nav a[data-view="${name}"]`).textContent}`;
  render();
}

function boot() {
  $("login-form").addEventListener("submit", onLogin);
  window.addEventListener("hashchange", () => {
    if ($("notice").classList.contains("notice-ok"))
      $("notice").hidden = true; // done; an error stays until the next action
    show();
    $("main").focus({ preventScroll: true });
  });
  trace.init(() => state.routes);
  // what has no event (the remote SIM registry, uptime) is read again while shown
  setInterval(() => {
    const name = currentView();
    if (state.session && (name === "remote" || name === "daemon"))
      soon(0, name === "daemon");
  }, 1000);
  startSession();
}

boot();
