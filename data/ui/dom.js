// SPDX-License-Identifier: GPL-2.0-or-later
// Building the page from data. Everything that came from the network goes in
// as text nodes or attribute values, never as HTML: there is no innerHTML in
// the console.

// h("td", {class: "x", title: t}, "text", node, ...): an element; strings
// become text nodes, null/undefined children are skipped.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false)
      continue;
    if (key === "class")
      el.className = value;
    else if (key === "text")
      el.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function")
      el.addEventListener(key.slice(2), value);
    else if (key === "dataset")
      Object.assign(el.dataset, value);
    else
      el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false)
      continue;
    if (Array.isArray(child))
      append(el, child);
    else if (child instanceof Node)
      el.appendChild(child);
    else
      el.appendChild(document.createTextNode(String(child)));
  }
}

const SVG = "http://www.w3.org/2000/svg";

export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {}))
    el.setAttribute(key, String(value));
  for (const child of children)
    el.appendChild(child);
  return el;
}

// A table: columns are {title, cell(row) -> string | Node, class}.
export function table(columns, rows, { empty = "none", caption, rowClass, rowKey } = {}) {
  if (rows.length === 0)
    return h("p", { class: "empty" }, empty);
  return h("table", { class: "data" },
    caption ? h("caption", { class: "sr-only" }, caption) : null,
    h("thead", {}, h("tr", {}, columns.map(c => h("th", { scope: "col", class: c.class === "num" ? "num" : null }, c.title)))),
    h("tbody", {}, rows.map(row => h("tr", {
      class: rowClass ? rowClass(row) : null,
      dataset: rowKey ? { key: rowKey(row) } : undefined,
    }, columns.map(c => h("td", { class: c.class }, c.cell(row)))))));
}

// What a view shows of some data, for update(): the age of the last
// transaction changes on every read and is not shown.
export function sig(data) {
  return JSON.stringify(data, (key, value) => key === "last_activity_ms_ago" ? undefined : value);
}

// Replaces a container's content when what it shows changed (sig), keeping
// the keyboard focus on the control with the same data-focus key.
const signatures = new WeakMap();

export function update(container, sig, build) {
  if (sig !== undefined && signatures.get(container) === sig)
    return;
  signatures.set(container, sig);
  const active = document.activeElement;
  const focusKey = active && container.contains(active) ? active.dataset.focus : undefined;
  container.replaceChildren(build());
  if (focusKey !== undefined) {
    const again = container.querySelector(`[data-focus="${CSS.escape(focusKey)}"]`);
    if (again)
      again.focus();
  }
}

export function forget(container) {
  signatures.delete(container);
}

export function badge(state) {
  const known = ["present", "empty", "down", "unknown", "ACTIVE", "NEW", "UNACKNOWLEDGED",
    "DELETE_REQ", "DELETING", "CONNECTED_CLIENT", "CONNECTED_BANKD"];
  const cls = known.includes(state) ? state.toLowerCase() : "other";
  return h("span", { class: `badge state-${cls}` }, state ?? "?");
}

export function hex(text, max = 0) {
  if (!text)
    return "";
  const spaced = text.replace(/(..)(?!$)/g, "$1 ");
  if (max > 0 && spaced.length > max)
    return h("span", { title: spaced, class: "hex" }, spaced.slice(0, max - 1) + "…");
  return h("span", { class: "hex" }, spaced);
}

export function micros(us) {
  if (us === undefined || us === null)
    return "";
  if (us < 1000)
    return `${us} µs`;
  if (us < 1000000)
    return `${(us / 1000).toFixed(us < 10000 ? 2 : 1)} ms`;
  return `${(us / 1000000).toFixed(2)} s`;
}

export function duration(seconds) {
  const d = Math.floor(seconds / 86400), hh = Math.floor(seconds % 86400 / 3600);
  const mm = Math.floor(seconds % 3600 / 60), ss = seconds % 60;
  if (d > 0)
    return `${d} d ${hh} h ${mm} min`;
  if (hh > 0)
    return `${hh} h ${mm} min`;
  if (mm > 0)
    return `${mm} min ${ss} s`;
  return `${ss} s`;
}
