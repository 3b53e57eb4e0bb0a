// SPDX-License-Identifier: GPL-2.0-or-later
// Remote SIM: the rspro-server of this daemon (its RSRES API): banks,
// clients, slotmaps; create and delete slotmaps. Names and versions are what
// the peers sent: shown as text.

import { sig, badge, h, table, update } from "./dom.js";

const $ = id => document.getElementById(id);

function identity(component) {
  const c = component || {};
  return [h("span", { class: "peer-name" }, c.name || ""),
    c.software ? h("span", { class: "muted" }, ` ${c.software} ${c.swVersion || ""}`) : null];
}

function slotmapId(m) {
  return m.bank.bankId * 65536 + m.bank.slotNr;
}

function mountForm(ctx) {
  const slot = $("slotmap-form-slot");
  if (!ctx.canChange) {
    if (!slot.querySelector(".hint"))
      slot.replaceChildren(h("p", { class: "hint" },
        "This session is read-only: slotmaps are shown, not changed."));
    return;
  }
  if ($("slotmap-form"))
    return;
  slot.replaceChildren($("tpl-slotmap-form").content.cloneNode(true));
  const form = $("slotmap-form");
  form.addEventListener("submit", async event => {
    event.preventDefault();
    const n = name => Number(form.elements[name].value);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    await ctx.actions.createSlotmap(n("bank"), n("bank_slot"), n("client"), n("client_slot"));
    button.disabled = false;
  });
}

export function render(ctx) {
  const remote = ctx.state.remote;
  $("remote-none").hidden = remote !== null;
  $("remote-body").hidden = remote === null;
  if (remote === null)
    return;
  mountForm(ctx);
  update($("remote-banks"), sig(remote.banks), () => table([
    { title: "Bank", cell: b => h("strong", {}, b.peer) },
    { title: "Slots", cell: b => String(b.numberOfSlots), class: "num" },
    { title: "Name", cell: b => identity(b.component_id) },
    { title: "State", cell: b => badge(b.state) },
  ], remote.banks, { empty: "No bank connected.", caption: "Banks" }));
  update($("remote-clients"), sig(remote.clients), () => table([
    { title: "Client", cell: c => h("strong", {}, c.peer) },
    { title: "Name", cell: c => identity(c.component_id) },
    { title: "State", cell: c => badge(c.state) },
  ], remote.clients, { empty: "No client connected.", caption: "Clients" }));
  const columns = [
    { title: "Id", cell: m => String(slotmapId(m)), class: "num" },
    { title: "Bank slot", cell: m => `B${m.bank.bankId}:${m.bank.slotNr}` },
    { title: "Client slot", cell: m => `C${m.client.clientId}:${m.client.slotNr}` },
    { title: "State", cell: m => badge(m.state) },
  ];
  if (ctx.canChange) {
    columns.push({
      title: "Action",
      cell: m => h("button", {
        type: "button", class: "danger", dataset: { focus: `delete-${slotmapId(m)}` },
        onclick: () => ctx.actions.deleteSlotmap(slotmapId(m)),
      }, `Delete map ${slotmapId(m)}`),
    });
  }
  update($("remote-slotmaps"), sig([ctx.canChange, remote.slotmaps]), () =>
    table(columns, remote.slotmaps, { empty: "No slotmap.", caption: "Slotmaps" }));
}
