// The History of a session: its saved versions, newest first, each with Download and
// Revert where the rules allow them (the row's allowed_actions), in a modal dialog.
"use strict";

import { $, apiJson, say, sessionPath } from "./core.js";
import { openDialog, wireCancel } from "./dialogs.js";
import { downloadFile } from "./downloads.js";
import { formatSize, when } from "./rows.js";

let shown = null;  // the session whose history is open
let afterChange = async () => {};

function button(label, name, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.setAttribute("aria-label", `${label} version ${name}`);
  b.addEventListener("click", onClick);
  return b;
}

function versionRow(version) {
  const tr = document.createElement("tr");
  const cells = [
    version.current ? `${version.number} (current)` : String(version.number),
    when(version.saved_at), version.saved_by, formatSize(version.size),
  ];
  for (const content of cells) {
    const td = document.createElement("td");
    td.append(content);
    tr.append(td);
  }
  const actions = document.createElement("td");
  actions.className = "version-actions";
  if (shown.allowed_actions.includes("download")) {
    actions.append(button("Download", version.number, () => downloadFile(shown, version.number)));
  }
  if (shown.allowed_actions.includes("revert") && !version.current) {
    actions.append(button("Revert to", version.number, () => revert(version.number)));
  }
  tr.append(actions);
  return tr;
}

async function fill() {
  const versions = await apiJson("GET", `${sessionPath(shown)}/history`);
  document.querySelector("#versions tbody").replaceChildren(...versions.map(versionRow));
}

async function revert(number) {
  const error = $("history-dialog").querySelector(".error");
  try {
    shown = await apiJson("POST", `${sessionPath(shown)}/revert`, { version: number });
    say(error, `Reverted to version ${number}: it is now version ${shown.version}.`, false);
    error.setAttribute("role", "status");
  } catch (err) {
    say(error, err, true);
    error.setAttribute("role", "alert");
  }
  await afterChange();
  await fill();
}

export async function historyDialog(session) {
  shown = session;
  $("history-title").textContent = `History of "${session.name}"`;
  document.querySelector("#versions tbody").replaceChildren();
  openDialog($("history-dialog"), $("history-dialog").querySelector(".cancel"), session);
  try {
    await fill();
  } catch (err) {
    say($("history-dialog").querySelector(".error"), err, true);
  }
}

export function wireHistory(refresh) {
  afterChange = refresh;
  wireCancel($("history-dialog"));
  $("history-form").addEventListener("submit", (event) => event.preventDefault());
}
