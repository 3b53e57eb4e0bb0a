// SPDX-License-Identifier: GPL-2.0-or-later
// Overview: totals, routes with their traffic, both kinds of slots, instances.

import { sig, badge, h, hex, micros, table, update } from "./dom.js";

const $ = id => document.getElementById(id);

function tile(label, value, cls) {
  return h("div", { class: `tile ${cls || ""}` },
    h("div", { class: "tile-value" }, String(value)), h("div", { class: "tile-label" }, label));
}

function errorsCell(stats) {
  const n = stats.errors + (stats.timeouts || 0);
  return h("span", { class: n > 0 ? "bad" : "muted" }, String(n));
}

function latency(stats, which) {
  return stats.transactions > 0 ? micros(stats.latency_us[which]) : h("span", { class: "muted" }, "–");
}

export function routeColumns() {
  return [
    { title: "Route", cell: r => h("strong", {}, r.name) },
    { title: "Frontend slot", cell: r => [r.frontend, " ", badge(r.frontend_state)] },
    { title: "Backend slot", cell: r => [r.backend, " ", badge(r.backend_state)] },
    { title: "ATR", cell: r => hex(r.atr, 30), class: "mono" },
    { title: "Transactions", cell: r => String(r.stats.transactions), class: "num" },
    { title: "p50", cell: r => latency(r.stats, "p50"), class: "num" },
    { title: "p99", cell: r => latency(r.stats, "p99"), class: "num" },
    { title: "Errors", cell: r => errorsCell(r.stats), class: "num" },
  ];
}

function slotColumns(peer) {
  return [
    { title: "Slot", cell: s => h("strong", {}, s.name) },
    { title: "Plugin", cell: s => s.plugin },
    { title: "State", cell: s => badge(s.state) },
    { title: "ATR", cell: s => hex(s.atr, 30), class: "mono" },
    { title: "Route", cell: s => s.route ? `${s.route} (${s[peer]})` : h("span", { class: "muted" }, "unrouted") },
    { title: "Transactions", cell: s => String(s.stats.transactions), class: "num" },
    { title: "Errors", cell: s => errorsCell(s.stats), class: "num" },
  ];
}

export function render({ state }) {
  const st = state.status;
  if (!st)
    return;
  const summary = [st.instances, st.frontends, st.backends, st.routes, st.transactions, st.errors];
  update($("ov-summary"), sig(summary), () => h("div", { class: "tiles-row" },
    tile("routes", st.routes), tile("frontend slots", st.frontends),
    tile("backend slots", st.backends), tile("instances", st.instances),
    tile("transactions", st.transactions), tile("errors", st.errors, st.errors > 0 ? "tile-bad" : "")));
  update($("ov-routes"), sig(state.routes.map(r => [r.name, r.frontend_state,
    r.backend_state, r.atr, r.stats])), () =>
    table(routeColumns(), state.routes, { empty: "No route.", caption: "Routes", rowKey: r => r.name }));
  update($("ov-frontends"), sig(state.frontends), () =>
    table(slotColumns("backend"), state.frontends, { empty: "No frontend slot.", caption: "Frontend slots" }));
  update($("ov-backends"), sig(state.backends), () =>
    table(slotColumns("frontend"), state.backends, { empty: "No backend slot.", caption: "Backend slots" }));
  const instances = [];
  for (const p of state.plugins)
    for (const name of p.instances)
      instances.push({ name, plugin: p.name, kind: p.kind });
  instances.sort((a, b) => a.name.localeCompare(b.name));
  update($("ov-instances"), sig(instances), () => table([
    { title: "Instance", cell: i => h("strong", {}, i.name) },
    { title: "Plugin", cell: i => i.plugin },
    { title: "Kind", cell: i => i.kind || "" },
  ], instances, { empty: "No instance.", caption: "Instances" }));
}
