// The audit trail (admins): who did what to which session, and when, newest first,
// filtered by who, what and session, a page at a time (GET /api/v1/audit).
"use strict";

import { $, apiJson, showMessage } from "./core.js";
import { when } from "./rows.js";

let before = null;

function auditUrl() {
  const params = new URLSearchParams({ limit: "50" });
  for (const [field, id] of [["user", "audit-actor"], ["operation", "audit-operation"], ["session", "audit-session"]]) {
    const value = $(id).value.trim();
    if (value) params.set(field, value);
  }
  if (before) params.set("before", String(before));
  return `/api/v1/audit?${params}`;
}

function detailText(detail) {
  return Object.entries(detail).map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`).join(", ");
}

function entryRow(entry) {
  const tr = document.createElement("tr");
  const cells = [when(entry.at), entry.actor || "the system", entry.operation, entry.session || "—", detailText(entry.detail)];
  const labels = ["When", "Who", "What", "Session", "Details"];
  cells.forEach((content, at) => {
    const td = document.createElement("td");
    td.append(content);
    td.dataset.label = labels[at];
    tr.append(td);
  });
  return tr;
}

export async function showAudit(more) {
  if (!more) {
    before = null;
    document.querySelector("#audit tbody").replaceChildren();
  }
  try {
    const page = await apiJson("GET", auditUrl());
    document.querySelector("#audit tbody").append(...page.items.map(entryRow));
    before = page.next_before;
  } catch (err) {
    showMessage(err, true);
  }
  $("audit-more").hidden = !before;
  $("audit-empty").hidden = document.querySelector("#audit tbody tr") !== null;
  document.body.dataset.listed = "audit";
}

export function wireAudit() {
  $("audit-form").addEventListener("submit", (event) => { event.preventDefault(); showAudit(false); });
  $("audit-more").addEventListener("click", () => showAudit(true));
}
