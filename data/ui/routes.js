// SPDX-License-Identifier: GPL-2.0-or-later
// Routes: make one from a frontend and a backend slot (policy optional),
// remove one. A read-only session gets the table without any control.

import { sig, h, table, update } from "./dom.js";
import { routeColumns } from "./overview.js";

const $ = id => document.getElementById(id);

function fillSelect(select, names, what) {
  const keep = select.value;
  const shown = sig(names);
  if (select.dataset.sig === shown)
    return;
  select.dataset.sig = shown;
  select.replaceChildren(h("option", { value: "" }, `choose a ${what}`),
    ...names.map(n => h("option", { value: n.name }, n.label)));
  if (names.some(n => n.name === keep))
    select.value = keep;
}

function slotChoices(slots) {
  return slots.map(s => ({
    name: s.name,
    label: `${s.name} (${s.state}${s.route ? `, in ${s.route}` : ""})`,
  }));
}

function policyOf(form) {
  const policy = {};
  const timeout = form.elements.timeout.value.trim();
  if (timeout !== "")
    policy.timeout_ms = Number(timeout);
  if (form.elements.loss.value)
    policy.on_backend_loss = form.elements.loss.value;
  const sw = form.elements.error_sw.value.trim();
  if (sw)
    policy.error_sw = sw.toUpperCase();
  if (form.elements.reset.value)
    policy.forward_reset = form.elements.reset.value === "forward";
  if (form.elements.offer.value)
    policy.offer_card = form.elements.offer.value;
  return policy;
}

function mountForm(ctx) {
  const slot = $("route-form-slot");
  if (!ctx.canChange) {
    if (!slot.querySelector(".hint"))
      slot.replaceChildren(h("p", { class: "hint" },
        "This session is read-only: routes are shown, not changed."));
    return null;
  }
  let form = $("route-form");
  if (form)
    return form;
  slot.replaceChildren($("tpl-route-form").content.cloneNode(true));
  form = $("route-form");
  form.addEventListener("submit", async event => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const ok = await ctx.actions.addRoute(form.elements.frontend.value,
      form.elements.backend.value, form.elements.name.value.trim(), policyOf(form));
    button.disabled = false;
    if (ok) {
      form.elements.name.value = "";
      form.elements.frontend.value = "";
      form.elements.backend.value = "";
    }
  });
  return form;
}

export function render(ctx) {
  const { state } = ctx;
  const form = mountForm(ctx);
  if (form) {
    fillSelect(form.elements.frontend, slotChoices(state.frontends), "frontend slot");
    fillSelect(form.elements.backend, slotChoices(state.backends), "backend slot");
  }
  const columns = routeColumns().concat([
    { title: "Made", cell: r => r.configured ? "in the INI" : "at run time" },
  ]);
  if (ctx.canChange) {
    columns.push({
      title: "Action",
      cell: r => h("button", {
        type: "button", class: "danger", dataset: { focus: `remove-${r.name}` },
        onclick: () => ctx.actions.removeRoute(r.name),
      }, `Remove ${r.name}`),
    });
  }
  update($("routes-table"), sig([ctx.canChange, state.routes]), () =>
    table(columns, state.routes, { empty: "No route.", caption: "Routes", rowKey: r => r.name }));
}
