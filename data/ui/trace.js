// SPDX-License-Identifier: GPL-2.0-or-later
// Live trace: one line per transaction from the event stream, decoded
// (instruction, status word, direction, route, latency), a route filter,
// pause/resume, and a latency sparkline per route.

import { swMeaning, swOf } from "./apdu.js";
import { h, hex, micros, svg } from "./dom.js";

const KEEP = 1000; // transactions remembered
const SHOWN = 300; // lines in the table
const SAMPLES = 60; // points of a sparkline

const $ = id => document.getElementById(id);

const lines = [];
const samples = new Map(); // route -> [latency_us]
let paused = false;
let getRoutes = () => [];
let sparkTimer = null;

function clock(wallUs) {
  const d = new Date(Math.floor(wallUs / 1000));
  const two = n => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

function visible() {
  return !$("view-trace").hidden;
}

function matches(ev) {
  const want = $("trace-route").value;
  return want === "" || ev.route === want;
}

function row(ev) {
  const sw = swOf(ev.response);
  const meaning = ev.error ? `${ev.error}: ${ev.message || ""}` : swMeaning(sw);
  const bad = ev.error || (sw && !/^(90|91|61|9F|92)/.test(sw));
  return h("tr", { class: bad ? "row-bad" : null },
    h("td", { class: "mono muted" }, clock(ev.wall_us)),
    h("td", {}, ev.route || h("span", { class: "muted" }, "(no route)")),
    h("td", { class: "dir" }, `${ev.frontend || "shell"} → ${ev.backend || "?"}`),
    h("td", { class: "ins" }, ev.instruction || "?"),
    h("td", { class: "mono" }, hex(ev.command, 36)),
    h("td", { class: "mono" }, hex(ev.response, 36)),
    h("td", {}, sw ? h("span", { class: "mono sw" }, sw) : null, meaning ? ` ${meaning}` : ""),
    h("td", { class: "num" }, micros(ev.latency_us)));
}

function count() {
  const shown = lines.filter(matches).length;
  $("trace-count").textContent = `${shown} transaction${shown === 1 ? "" : "s"}` +
    (paused ? " (paused)" : "");
}

function rebuild() {
  const body = $("trace-body");
  const shown = lines.filter(matches).slice(-SHOWN).reverse();
  if (shown.length === 0) {
    body.replaceChildren(h("tr", {}, h("td", { colspan: 8, class: "empty" },
      "No transaction yet: they appear here as the terminals send them.")));
  } else {
    body.replaceChildren(...shown.map(row));
  }
  count();
}

function sparkline(values) {
  const w = 180, hgt = 34, max = Math.max(...values, 1);
  const step = values.length > 1 ? w / (values.length - 1) : w;
  const points = values.map((v, i) =>
    `${(i * step).toFixed(1)},${(hgt - 2 - (v / max) * (hgt - 4)).toFixed(1)}`).join(" ");
  return svg("svg", { width: w, height: hgt, viewBox: `0 0 ${w} ${hgt}`, class: "spark", "aria-hidden": "true" },
    svg("polyline", { points, fill: "none", stroke: "#1f6feb", "stroke-width": 1.5, "stroke-linejoin": "round" }));
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function renderSparks() {
  sparkTimer = null;
  const box = $("trace-sparklines");
  const names = new Set(getRoutes().map(r => r.name));
  for (const name of samples.keys())
    names.add(name);
  const cards = [...names].sort().map(name => {
    const values = samples.get(name) || [];
    const label = values.length === 0 ? "no transaction yet"
      : `last ${micros(values[values.length - 1])}, p50 ${micros(percentile(values, 0.5))}, max ${micros(Math.max(...values))} (${values.length})`;
    return h("figure", { class: "spark-card" },
      h("figcaption", {}, h("strong", {}, name), h("span", { class: "muted" }, ` ${label}`)),
      values.length > 0 ? sparkline(values) : h("div", { class: "spark-empty" }));
  });
  if (cards.length === 0)
    box.replaceChildren(h("p", { class: "empty" }, "No route."));
  else
    box.replaceChildren(...cards);
}

function sparksSoon() {
  if (sparkTimer === null)
    sparkTimer = setTimeout(renderSparks, 250);
}

export function onTransaction(ev) {
  lines.push(ev);
  if (lines.length > KEEP)
    lines.splice(0, lines.length - KEEP);
  if (ev.route && typeof ev.latency_us === "number") {
    let list = samples.get(ev.route);
    if (!list)
      samples.set(ev.route, list = []);
    list.push(ev.latency_us);
    if (list.length > SAMPLES)
      list.shift();
  }
  if (!visible()) {
    stale = true;
    return;
  }
  sparksSoon();
  if (paused || !matches(ev)) {
    count();
    return;
  }
  const body = $("trace-body");
  if (body.querySelector("td.empty"))
    body.replaceChildren();
  body.prepend(row(ev));
  while (body.rows.length > SHOWN)
    body.deleteRow(-1);
  count();
}

function fillFilter() {
  const select = $("trace-route");
  const names = new Set(getRoutes().map(r => r.name));
  for (const ev of lines)
    if (ev.route)
      names.add(ev.route);
  const list = [...names].sort();
  const sig = JSON.stringify(list);
  if (select.dataset.sig === sig)
    return;
  select.dataset.sig = sig;
  const keep = select.value;
  select.replaceChildren(h("option", { value: "" }, "All routes"),
    ...list.map(n => h("option", { value: n }, n)));
  select.value = list.includes(keep) ? keep : "";
}

export function init(routes) {
  getRoutes = routes;
  $("trace-route").addEventListener("change", rebuild);
  const pause = $("trace-pause");
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.textContent = paused ? "Resume" : "Pause";
    pause.setAttribute("aria-pressed", String(paused));
    if (!paused)
      rebuild();
    else
      count();
  });
  $("trace-clear").addEventListener("click", () => {
    lines.length = 0;
    samples.clear();
    rebuild();
    renderSparks();
  });
}

let stale = true; // events came while the view was hidden

export function render() {
  fillFilter();
  if (stale) {
    stale = false;
    rebuild();
  }
  sparksSoon();
}
