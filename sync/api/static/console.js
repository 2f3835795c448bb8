// The session panel: signs in with a token (sessionStorage), lists a workspace's
// sessions through /api/v1, and offers per row only the options the API says the
// user may use (allowed_actions, computed by the store's rules). No rule lives here.
"use strict";

(function () {
  const TOKEN_KEY = "xray-sync-token";
  const OPTIONS = [
    ["open", "Continue in desktop app"],
    ["duplicate", "Duplicate to"],
    ["download", "Download"],
    ["rename", "Rename"],
    ["unlock", "Unlock"],
    ["delete", "Delete"],
    ["move", "Move"],
  ];
  const MODE_LABEL = { standalone: "Standalone session", xray: "Xray Jira connection session" };
  const state = { me: null, workspaces: [], sort: "-modified", q: "", cursor: null, rows: [] };
  const $ = (id) => document.getElementById(id);

  // ---- API -------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, body) {
      const err = (body && body.error) || {};
      super(err.message || `request failed (${status})`);
      this.status = status;
      this.code = err.code || "unavailable";
    }
  }

  async function api(method, path, body) {
    const headers = { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ""}` };
    const init = { method, headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    if (response.status === 401) {
      signOut("Your token is not valid any more: sign in again.");
      throw new ApiError(401, await response.json().catch(() => null));
    }
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
    return response;
  }
  const apiJson = async (method, path, body) => (await api(method, path, body)).json();

  // ---- sign in / out ---------------------------------------------------------------
  async function signIn(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    try {
      state.me = await apiJson("GET", "/api/v1/me");
    } catch (err) {
      sessionStorage.removeItem(TOKEN_KEY);
      $("signin-error").textContent = err.status === 401 ? "That token is not valid." : err.message;
      $("signin").hidden = false;
      $("panel").hidden = true;
      return;
    }
    $("signin-error").textContent = "";
    $("signin").hidden = true;
    $("panel").hidden = false;
    $("whoami").hidden = false;
    $("whoami").textContent = `Signed in as ${state.me.name}${state.me.is_admin ? " (admin)" : ""}`;
    $("sign-out").hidden = false;
    await loadWorkspaces();
    await reload();
    $("workspace").focus();
  }

  function signOut(why) {
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

  // ---- listing ---------------------------------------------------------------------
  async function loadWorkspaces() {
    state.workspaces = await apiJson("GET", "/api/v1/workspaces");
    const select = $("workspace");
    const previous = select.value;
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
    const mine = state.workspaces.find((w) => w.kind === "personal" && w.owner === state.me.name);
    select.value = previous || (mine ? mine.name : (state.workspaces[0] || {}).name || "");
  }

  function listUrl(cursor) {
    const params = new URLSearchParams({ sort: state.sort, limit: "50" });
    if (state.q) params.set("q", state.q);
    if (cursor) params.set("cursor", cursor);
    return `/api/v1/workspaces/${encodeURIComponent($("workspace").value)}/sessions?${params}`;
  }

  async function reload() {
    state.rows = [];
    state.cursor = null;
    await loadPage(null);
  }

  async function loadPage(cursor) {
    if (!$("workspace").value) return render();
    try {
      const page = await apiJson("GET", listUrl(cursor));
      state.rows = state.rows.concat(page.items);
      state.cursor = page.next_cursor;
    } catch (err) {
      showMessage(err.message, true);
    }
    render();
  }

  function render() {
    const tbody = document.querySelector("#sessions tbody");
    tbody.replaceChildren(...state.rows.map(renderRow));
    $("empty").hidden = state.rows.length > 0;
    $("more").hidden = !state.cursor;
    for (const th of document.querySelectorAll("#sessions th[data-sort]")) {
      const field = th.dataset.sort;
      const sorted = state.sort.replace(/^-/, "") === field;
      th.setAttribute("aria-sort", sorted ? (state.sort.startsWith("-") ? "descending" : "ascending") : "none");
    }
  }

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function modeCell(mode) {
    const td = document.createElement("td");
    const icon = document.createElement("span");
    icon.className = `mode-icon mode-${mode}`;
    icon.setAttribute("role", "img");
    icon.setAttribute("aria-label", MODE_LABEL[mode] || mode);
    icon.title = MODE_LABEL[mode] || mode;
    icon.textContent = mode === "xray" ? "X" : "S";
    td.append(icon);
    return td;
  }

  function formatSize(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    const units = ["KB", "MB", "GB", "TB"];
    let value = bytes / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
  }

  function formatDate(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    return date.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  function lockText(session) {
    if (!session.lock) return "—";
    const holder = session.lock.holder === state.me.name ? "you" : session.lock.holder;
    const since = session.lock.since ? ` since ${formatDate(session.lock.since)}` : "";
    const why = session.locked_reason ? ` (${session.locked_reason})` : "";
    return `Locked by ${holder}${since}${why}`;
  }

  function syncText(session) {
    if (!session.link) return session.mode === "xray" ? "not pushed yet" : "—";
    const key = session.link.test_execution ? `${session.link.test_execution}: ` : "";
    const error = session.link.error ? ` (${session.link.error})` : "";
    return `${key}${session.link.state}${error}`;
  }

  // the Sync cell: the state, then the note of the last conflict the sync resolved (what
  // it kept and what it lost), whole in the title when the column cuts it
  function syncCell(session) {
    const td = cell(syncText(session), "sync");
    const note = session.link && session.link.conflict;
    if (note) {
      const conflict = document.createElement("span");
      conflict.className = "conflict";
      conflict.textContent = `conflict: ${note}`;
      conflict.title = `Sync conflict: ${note}`;
      td.append(document.createElement("br"), conflict);
    }
    return td;
  }

  function renderRow(session) {
    const tr = document.createElement("tr");
    tr.dataset.id = session.id;
    if (session.lock) tr.classList.add("locked");
    tr.append(
      modeCell(session.mode),
      cell(session.name, "name"),
      cell(session.type === "charter" ? "Charter" : "Session"),
      cell(formatDate(session.modified), "date"),
      cell(formatSize(session.size), "size"),
      cell(session.owner),
      cell(lockText(session), "lock"),
      syncCell(session),
      menuCell(session),
    );
    return tr;
  }

  // ---- the "…" menu -----------------------------------------------------------------
  function menuCell(session) {
    const td = document.createElement("td");
    td.className = "menu-cell";
    const allowed = OPTIONS.filter(([key]) => session.allowed_actions.includes(key));
    const button = document.createElement("button");
    button.type = "button";
    button.className = "menu-button";
    button.textContent = "…";
    button.setAttribute("aria-label", `More options for ${session.name}`);
    button.setAttribute("aria-haspopup", "menu");
    button.setAttribute("aria-expanded", "false");
    button.disabled = allowed.length === 0;
    const menu = document.createElement("div");
    menu.className = "menu";
    menu.setAttribute("role", "menu");
    menu.setAttribute("aria-label", `Options for ${session.name}`);
    menu.hidden = true;
    for (const [key, label] of allowed) {
      const item = document.createElement("button");
      item.type = "button";
      item.setAttribute("role", "menuitem");
      item.dataset.action = key;
      item.textContent = label;
      item.addEventListener("click", () => { closeMenu(menu, button, false); runOption(key, session); });
      menu.append(item);
    }
    button.addEventListener("click", () => (menu.hidden ? openMenu(menu, button) : closeMenu(menu, button, true)));
    menu.addEventListener("keydown", (event) => menuKeys(event, menu, button));
    td.append(button, menu);
    return td;
  }

  function openMenu(menu, button) {
    for (const other of document.querySelectorAll(".menu:not([hidden])")) {
      closeMenu(other, other.previousElementSibling, false);
    }
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    menu.querySelector("[role=menuitem]").focus();
  }

  function closeMenu(menu, button, refocus) {
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  }

  function menuKeys(event, menu, button) {
    const items = [...menu.querySelectorAll("[role=menuitem]")];
    const at = items.indexOf(document.activeElement);
    const moves = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 };
    if (event.key in moves) {
      event.preventDefault();
      items[(moves[event.key] + items.length) % items.length].focus();
    } else if (event.key === "Escape" || event.key === "Tab") {
      if (event.key === "Escape") event.preventDefault();
      closeMenu(menu, button, event.key === "Escape");
    }
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest(".menu-cell")) return;
    for (const menu of document.querySelectorAll(".menu:not([hidden])")) {
      closeMenu(menu, menu.previousElementSibling, false);
    }
  });

  // ---- the options -----------------------------------------------------------------
  let lastFocus = null;

  function showMessage(text, isError) {
    const message = $("message");
    message.textContent = text;
    message.classList.toggle("error", Boolean(isError));
    message.setAttribute("role", isError ? "alert" : "status");
  }

  async function act(promise, done) {
    try {
      const result = await promise;
      showMessage(done(result), false);
      await reload();
      return true;
    } catch (err) {
      await reload();  // a refusal means the row changed meanwhile: show how it is now
      showMessage(err.message, true);
      return false;
    }
  }

  function runOption(key, session) {
    lastFocus = document.querySelector(`tr[data-id="${session.id}"] .menu-button`);
    const path = `/api/v1/sessions/${encodeURIComponent(session.id)}`;
    switch (key) {
      case "open":
        return act(apiJson("POST", `${path}/open`), (r) => {
          showDesktopLink(r.desktop_link);
          return `"${r.name}" is locked by you: continue in the desktop app.`;
        });
      case "download":
        return download(path, session);
      case "unlock":
        return act(apiJson("POST", `${path}/unlock`), (r) => `"${r.name}" is unlocked.`);
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
    const message = $("message");
    const link = document.createElement("a");
    link.href = href;
    link.textContent = "Open in desktop app";
    link.id = "desktop-link";
    queueMicrotask(() => message.append(" ", link));
  }

  async function download(path, session) {
    try {
      const response = await api("GET", `${path}/download`);
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const anchor = document.createElement("a");
      anchor.href = url;
      anchor.download = filenameOf(response.headers.get("Content-Disposition")) || session.name;
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      showMessage(`Downloading "${session.name}".`, false);
    } catch (err) {
      showMessage(err.message, true);
    }
  }

  function filenameOf(header) {
    const match = /filename\*=UTF-8''([^;]+)/i.exec(header || "");
    return match ? decodeURIComponent(match[1]) : null;
  }

  function openDialog(dialog, focus) {
    dialog.querySelector(".error").textContent = "";
    dialog.showModal();
    (focus || dialog.querySelector("input, select, button")).focus();
  }

  function closeDialog(dialog) {
    dialog.close();
    if (lastFocus && document.contains(lastFocus)) lastFocus.focus();
    else $("filter").focus();
  }

  function wireDialog(dialog, submit) {
    const form = dialog.querySelector("form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const text = await submit();
        closeDialog(dialog);
        showMessage(text, false);
        await reload();
      } catch (err) {
        dialog.querySelector(".error").textContent = err.message;
      }
    });
    dialog.querySelector(".cancel").addEventListener("click", () => closeDialog(dialog));
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); closeDialog(dialog); });
  }

  let pending = null;  // the dialog's session and API path

  function renameDialog(path, session) {
    pending = { path, session };
    $("rename-name").value = session.name;
    openDialog($("rename-dialog"), $("rename-name"));
    $("rename-name").select();
  }

  function deleteDialog(path, session) {
    pending = { path, session };
    $("delete-text").textContent = `"${session.name}" goes to the trash; its owner or an admin can restore it.`;
    openDialog($("delete-dialog"), $("delete-dialog").querySelector(".cancel"));
  }

  function copyDialog(kind, path, session) {
    pending = { path, session, kind };
    const dialog = $("copy-dialog");
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
    openDialog(dialog, $("copy-name"));
  }

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

  // ---- wiring ----------------------------------------------------------------------
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    signIn($("token").value.trim());
  });
  $("sign-out").addEventListener("click", () => signOut(""));
  $("workspace").addEventListener("change", () => { showMessage("", false); reload(); });
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
})();
