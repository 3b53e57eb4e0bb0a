// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon: version, uptime, plugins found and loaded.

import { sig, duration, h, table, update } from "./dom.js";

const $ = id => document.getElementById(id);

export function render({ state }) {
  const st = state.status;
  if (!st)
    return;
  const facts = [
    ["Version", `cardrouted ${st.version}`],
    ["Plugin ABI", String(st.plugin_abi)],
    ["Process", `pid ${st.pid}`],
    ["Started", new Date(st.start_time).toLocaleString()],
    ["Uptime", duration(st.uptime_s)],
    ["Plugin directory", state.pluginDir],
    ["Transactions", `${st.transactions} (${st.errors} errors)`],
    ["APDU shell", st.apdu_shell ? "allowed (allow-apdu)" : "off"],
    ["This session", `${state.session.scope === "admin" ? "admin" : "read-only"}` +
      (state.session.token_required ? ", signed in with a token" : ", loopback without a token")],
    ["Event stream", state.link],
  ];
  if (st.shutting_down)
    facts.push(["State", "shutting down"]);
  update($("daemon-info"), sig(facts), () => {
    const frag = document.createDocumentFragment();
    for (const [k, v] of facts)
      frag.append(h("dt", {}, k), h("dd", {}, v));
    return frag;
  });
  const plugins = [...state.plugins].sort((a, b) =>
    (b.loaded - a.loaded) || a.name.localeCompare(b.name));
  update($("daemon-plugins"), sig(plugins), () => table([
    { title: "Plugin", cell: p => h("strong", {}, p.name) },
    { title: "Kind", cell: p => p.kind || "" },
    { title: "Loaded", cell: p => p.loaded ? h("span", { class: "good" }, "loaded") : h("span", { class: "muted" }, "not loaded") },
    { title: "Instances", cell: p => p.instances.join(", ") },
    { title: "Module", cell: p => p.path || "", class: "mono muted" },
  ], plugins, { empty: "No plugin.", caption: "Plugins" }));
}
