// The session panel: signs in with a token (sessionStorage), opens on the workspace used
// last (else the first with sessions), lists its sessions (or its trash) through /api/v1,
// and offers per row only the options the API says the user may use (allowed_actions,
// computed by the store's rules). No rule lives here.
"use strict";

import { $, ApiError, TOKEN_KEY, apiJson, sessionPath, showMessage, state, whenSignedOut } from "./core.js";
import { copyDialog, deleteDialog, renameDialog, wireDialogs } from "./dialogs.js";
import { showAudit, wireAudit } from "./audit.js";
import { downloadFile } from "./downloads.js";
import { historyDialog, wireHistory } from "./history.js";
import { startLive, stopLive } from "./live.js";
import { checkNotices } from "./notices.js";
import { whenChosen } from "./menu.js";
import { renderRow } from "./rows.js";

const SESSION_OPTIONS = [
  ["open", "Continue in desktop app"],
  ["duplicate", "Duplicate to"],
  ["download", "Download"],
  ["rename", "Rename"],
  ["unlock", "Unlock"],
  ["delete", "Delete"],
  ["move", "Move"],
  ["history", "History"],
  ["retry_sync", "Retry sync"],
];
const TRASH_OPTIONS = [["restore", "Restore"]];
const lastWorkspaceKey = () => `xray-sync-workspace:${state.me.name}`;

// ---- sign in / out ---------------------------------------------------------------------
async function signIn(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  try {
    state.me = await apiJson("GET", "/api/v1/me");
  } catch (err) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("signin-error").textContent = err.status === 401 ? "That token is not valid." : err.message;
    return;
  }
  $("signin-error").textContent = "";
  $("signin").hidden = true;
  $("panel").hidden = false;
  $("whoami").hidden = false;
  $("whoami").textContent = `Signed in as ${state.me.name}${state.me.is_admin ? " (admin)" : ""}`;
  $("sign-out").hidden = false;
  document.querySelector('#views [data-view="audit"]').hidden = !state.me.is_admin;
  setView("sessions", false);
  await loadWorkspaces();
  await startLive(async () => { await refresh(); await checkNotices(); });
  await reload();
  await checkNotices();
  $("workspace").focus();
}

function signOut(why) {
  stopLive();
  $("notices").hidden = true;
  sessionStorage.removeItem(TOKEN_KEY);
  state.me = null;
  $("panel").hidden = true;
  $("signin").hidden = false;
  $("whoami").hidden = true;
  $("sign-out").hidden = true;
  $("signin-error").textContent = why || "";
  $("token").value = "";
  $("token").focus();
}

// ---- the workspace first shown ---------------------------------------------------------
async function loadWorkspaces() {
  state.workspaces = await apiJson("GET", "/api/v1/workspaces");
  const select = $("workspace");
  select.replaceChildren();
  for (const kind of ["personal", "team"]) {
    const group = document.createElement("optgroup");
    group.label = kind === "personal" ? "Personal" : "Team";
    for (const ws of state.workspaces.filter((w) => w.kind === kind)) {
      const option = document.createElement("option");
      option.value = ws.name;
      option.textContent = ws.kind === "personal" && ws.owner === state.me.name ? `${ws.name} (you)` : ws.name;
      group.append(option);
    }
    if (group.children.length) select.append(group);
  }
  select.value = await landingWorkspace([...select.options].map((o) => o.value));
}

// the workspace used last in this browser, else the first (in the picker's order) that
// has sessions, else the first
async function landingWorkspace(names) {
  const last = localStorage.getItem(lastWorkspaceKey());
  if (last && names.includes(last)) return last;
  for (const name of names) {
    try {
      const page = await apiJson("GET", `/api/v1/workspaces/${encodeURIComponent(name)}/sessions?limit=1`);
      if (page.items.length) return name;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
    }
  }
  return names[0] || "";
}

// ---- listing ---------------------------------------------------------------------------
function listUrl(cursor) {
  const params = new URLSearchParams({ sort: state.sort, limit: "50" });
  if (state.q) params.set("q", state.q);
  if (cursor) params.set("cursor", cursor);
  if (state.view === "trash") params.set("trashed", "true");
  return `/api/v1/workspaces/${encodeURIComponent($("workspace").value)}/sessions?${params}`;
}

// list from the first page (another workspace, view, filter or sort)
const reload = () => readRows(0);

// read the shown rows again (after an action, or when something changed elsewhere)
const refresh = () => (state.view === "audit" ? undefined : readRows(state.rows.length));

// a newer listing supersedes one still on its way: only the latest is drawn
let listing = 0;

async function readRows(atLeast) {
  const mine = ++listing;
  if (!$("workspace").value) {
    state.rows = [];
    state.cursor = null;
    return render();
  }
  let rows = [];
  let cursor = null;
  try {
    do {
      const page = await apiJson("GET", listUrl(cursor));
      rows = rows.concat(page.items);
      cursor = page.next_cursor;
    } while (cursor && rows.length < atLeast);
  } catch (err) {
    if (mine === listing) showMessage(err, true);
  }
  if (mine !== listing) return undefined;
  state.rows = rows;
  state.cursor = cursor;
  return render();
}

async function loadPage(cursor) {
  const mine = ++listing;
  try {
    const page = await apiJson("GET", listUrl(cursor));
    if (mine !== listing) return;
    state.rows = state.rows.concat(page.items);
    state.cursor = page.next_cursor;
  } catch (err) {
    showMessage(err, true);
  }
  render();
}

function render() {
  const focused = document.activeElement && document.activeElement.closest("tr[data-id]");
  const open = document.querySelector("#sessions .menu:not([hidden])");
  const openRow = open && open.closest("tr[data-id]").dataset.id;
  const action = focused && document.activeElement.dataset.action;
  const options = state.view === "trash" ? TRASH_OPTIONS : SESSION_OPTIONS;
  document.querySelector("#sessions tbody").replaceChildren(...state.rows.map((s) => renderRow(s, options)));
  $("empty").hidden = state.rows.length > 0;
  $("empty").textContent = state.view === "trash" ? "The trash of this workspace is empty." : "No sessions here.";
  $("more").hidden = !state.cursor;
  for (const th of document.querySelectorAll("#sessions th[data-sort]")) {
    const sorted = state.sort.replace(/^-/, "") === th.dataset.sort;
    th.setAttribute("aria-sort", sorted ? (state.sort.startsWith("-") ? "descending" : "ascending") : "none");
  }
  // what is listed now (tests and tools wait for it)
  document.body.dataset.listed = `${$("workspace").value}:${state.view}`;
  if (openRow) reopenMenu(openRow, action);
  else if (focused) focusRow(focused.dataset.id);
}

// the rows were drawn again while a menu was open: open it again where the user was
function reopenMenu(id, action) {
  const row = document.querySelector(`tr[data-id="${CSS.escape(id)}"]`);
  const item = row && (row.querySelector(`[role=menuitem][data-action="${action}"]`) || row.querySelector("[role=menuitem]"));
  if (!item) return focusRow(id);
  item.closest(".menu").hidden = false;
  row.querySelector(".menu-button").setAttribute("aria-expanded", "true");
  return item.focus();
}

// focus the "…" button of a row (after a dialog, or when the rows were drawn again)
function focusRow(id) {
  const button = id && document.querySelector(`tr[data-id="${CSS.escape(id)}"] .menu-button`);
  if (button && !button.disabled) button.focus();
  else $("filter").focus();
}

function setView(view, load = true) {
  state.view = view;
  for (const button of document.querySelectorAll("#views button")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === view));
  }
  $("panel-title").textContent = { trash: "Trash", audit: "Audit trail" }[view] || "Sessions";
  $("list").hidden = view === "audit";
  $("audit-panel").hidden = view !== "audit";
  for (const id of ["workspace", "filter"]) $(id).closest(".field").hidden = view === "audit";
  showMessage("", false);
  if (!load) return undefined;
  return view === "audit" ? showAudit(false) : reload();
}

// ---- the options -----------------------------------------------------------------------
async function act(promise, done) {
  try {
    showMessage(done(await promise), false);
  } catch (err) {
    showMessage(err, true);
  }
  await refresh();  // after a refusal too: the row changed meanwhile, show how it is now
}

function runOption(key, session) {
  const path = sessionPath(session);
  switch (key) {
    case "open":
      return act(apiJson("POST", `${path}/open`), (r) => {
        showDesktopLink(r.desktop_link);
        return `"${r.name}" is locked by you: continue in the desktop app.`;
      });
    case "download":
      return downloadFile(session);
    case "history":
      return historyDialog(session);
    case "retry_sync":
      return act(apiJson("POST", `${path}/retry-sync`), () =>
        `A sync of "${session.name}" is asked for: its row shows the result.`);
    case "unlock":
      return act(apiJson("POST", `${path}/unlock`), (r) => `"${r.name}" is unlocked.`);
    case "restore":
      return act(apiJson("POST", `${path}/restore`), (r) => `"${r.name}" is back in ${r.workspace}.`);
    case "rename":
      return renameDialog(path, session);
    case "delete":
      return deleteDialog(path, session);
    case "duplicate":
    case "move":
      return copyDialog(key, path, session);
  }
  return undefined;
}

function showDesktopLink(href) {
  const link = document.createElement("a");
  link.href = href;
  link.textContent = "Open in desktop app";
  link.id = "desktop-link";
  queueMicrotask(() => $("message").append(" ", link));
}

// ---- wiring ----------------------------------------------------------------------------
whenSignedOut(signOut);
whenChosen(runOption);
wireDialogs({ reload: refresh, focusRow });
wireHistory(refresh);
wireAudit();
$("signin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  signIn($("token").value.trim());
});
$("sign-out").addEventListener("click", () => signOut(""));
$("workspace").addEventListener("change", () => {
  localStorage.setItem(lastWorkspaceKey(), $("workspace").value);
  showMessage("", false);
  reload();
});
for (const button of document.querySelectorAll("#views button")) {
  button.addEventListener("click", () => setView(button.dataset.view));
}
$("more").addEventListener("click", () => loadPage(state.cursor));
let filterTimer = null;
$("filter").addEventListener("input", () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => { state.q = $("filter").value.trim(); reload(); }, 200);
});
for (const th of document.querySelectorAll("#sessions th[data-sort]")) {
  th.querySelector("button").addEventListener("click", () => {
    const field = th.dataset.sort;
    state.sort = state.sort === field ? `-${field}` : field;
    reload();
  });
}

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) signIn(saved);
else $("token").focus();
