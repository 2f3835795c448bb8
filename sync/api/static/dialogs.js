// The dialogs of the menu's options: Rename, Delete (a confirmation), Duplicate to / Move.
// Each is a modal <dialog>: focus goes to its first field, Escape or Cancel closes it, and
// focus returns to the row's "…" button. A refusal is said in the dialog as a sentence and
// the rows are read again, so that the row shows the session as it really is now.
"use strict";

import { $, apiJson, say, showMessage, state } from "./core.js";

let hooks = { reload: async () => {}, focusRow: () => {} };
let pending = null;  // the open dialog's session and API path

// `session`: the row whose button gets the focus back (the option's dialogs set it first)
export function openDialog(dialog, focus, session) {
  if (session) pending = { session };
  say(dialog.querySelector(".error"), "", false);
  dialog.showModal();
  (focus || dialog.querySelector("input, select, button")).focus();
}

export function closeDialog(dialog) {
  dialog.close();
  hooks.focusRow(pending && pending.session.id);
}

export function anyDialogOpen() {
  return document.querySelector("dialog[open]") !== null;
}

// submit() returns the sentence to show once it worked
function wireDialog(dialog, submit) {
  dialog.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const text = await submit();
      dialog.close();
      showMessage(text, false);
      await hooks.reload();
      hooks.focusRow(pending.session.id);
    } catch (err) {
      say(dialog.querySelector(".error"), err, true);
      await hooks.reload();  // a refusal means the row changed meanwhile: show how it is now
    }
  });
  wireCancel(dialog);
}

// Cancel (or Close) and Escape close the dialog and give the focus back to the row
export function wireCancel(dialog) {
  dialog.querySelector(".cancel").addEventListener("click", () => closeDialog(dialog));
  dialog.addEventListener("cancel", (event) => { event.preventDefault(); closeDialog(dialog); });
}

export function renameDialog(path, session) {
  pending = { path, session };
  $("rename-name").value = session.name;
  openDialog($("rename-dialog"), $("rename-name"));
  $("rename-name").select();
}

export function deleteDialog(path, session) {
  pending = { path, session };
  $("delete-text").textContent = `"${session.name}" goes to the trash; its owner or an admin can restore it.`;
  openDialog($("delete-dialog"), $("delete-dialog").querySelector(".cancel"));
}

export function copyDialog(kind, path, session) {
  pending = { path, session, kind };
  const isMove = kind === "move";
  $("copy-title").textContent = isMove ? "Move Test Session" : "Duplicate Test Session";
  $("copy-ok").textContent = isMove ? "Move" : "Duplicate";
  $("keep-row").hidden = !isMove;
  $("copy-keep").checked = false;
  $("copy-name").value = isMove ? session.name : `${session.name} (copy)`;
  const select = $("copy-workspace");
  select.replaceChildren();
  for (const name of state.me.member_of) {
    if (isMove && name === session.workspace) continue;
    const option = document.createElement("option");
    option.value = name;
    option.textContent = name;
    select.append(option);
  }
  openDialog($("copy-dialog"), $("copy-name"));
}

export function wireDialogs(given) {
  hooks = given;
  wireDialog($("rename-dialog"), async () => {
    const r = await apiJson("POST", `${pending.path}/rename`, {
      name: $("rename-name").value, row_version: pending.session.row_version,
    });
    return `Renamed to "${r.name}".`;
  });
  wireDialog($("delete-dialog"), async () => {
    await apiJson("DELETE", pending.path);
    return `"${pending.session.name}" moved to the trash.`;
  });
  wireDialog($("copy-dialog"), async () => {
    const workspace = $("copy-workspace").value;
    const name = $("copy-name").value;
    if (pending.kind === "move") {
      const r = await apiJson("POST", `${pending.path}/move`, {
        workspace, name, keep_original: $("copy-keep").checked,
      });
      return `"${r.name}" is now in ${r.workspace}.`;
    }
    const r = await apiJson("POST", `${pending.path}/duplicate`, { workspace, name });
    return `Duplicated as "${r.name}" in ${r.workspace}.`;
  });
}
