// One row of the panel: the seed's columns, the lock and the sync state. Each cell carries
// its column's name (data-label) so that a narrow screen can show a row as a card.
"use strict";

import { state } from "./core.js";
import { menuCell } from "./menu.js";

const MODE_LABEL = { standalone: "Standalone session", xray: "Xray Jira connection session" };
const COLUMNS = ["Mode", "Name", "Type", "Modified", "Size", "Owner", "Lock", "Sync"];

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDate(iso) {
  if (!iso) return "";
  return new Date(iso).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

// a date that never wraps in the middle
export function when(iso) {
  const span = document.createElement("span");
  span.className = "when";
  span.textContent = formatDate(iso);
  return span;
}

function cell(content, className) {
  const td = document.createElement("td");
  td.append(...[].concat(content));
  if (className) td.className = className;
  return td;
}

function modeCell(mode) {
  const icon = document.createElement("span");
  icon.className = `mode-icon mode-${mode}`;
  icon.setAttribute("role", "img");
  icon.setAttribute("aria-label", MODE_LABEL[mode] || mode);
  icon.title = MODE_LABEL[mode] || mode;
  icon.textContent = mode === "xray" ? "X" : "S";
  return cell(icon, "mode");
}

function lockContent(session) {
  if (!session.lock) return "—";
  const lock = session.lock;
  const holder = lock.holder === state.me.name ? "you" : (lock.holder === "jira" ? "Jira" : lock.holder);
  const parts = [`Locked by ${holder}`];
  if (lock.since) parts.push(" since ", when(lock.since));
  if (session.locked_reason) parts.push(` (${session.locked_reason})`);
  return parts;
}

// the Jira issue a row is kept in step with: a session's Test Execution, a charter's Test
export function issueKey(session) {
  const link = session.link;
  if (!link) return null;
  return session.type === "charter" ? (link.test || link.test_execution) : link.test_execution;
}

function syncText(session) {
  if (!session.link) return session.mode === "xray" ? "not pushed yet" : "—";
  const key = issueKey(session);
  return `${key ? `${key}: ` : ""}${session.link.state}`;
}

// the Sync cell: the state, the last sync error, then the note of the last conflict the
// sync resolved (what it kept and what it lost), whole in the title when the column cuts it
function syncCell(session) {
  const td = cell(syncText(session), "sync");
  const link = session.link;
  if (link && link.error) {
    const error = document.createElement("span");
    error.className = "sync-error";
    error.textContent = `error: ${link.error}`;
    error.title = `Last sync error: ${link.error}`;
    td.append(document.createElement("br"), error);
  }
  if (link && link.conflict) {
    const conflict = document.createElement("span");
    conflict.className = "conflict";
    conflict.textContent = `conflict: ${link.conflict}`;
    conflict.title = `Sync conflict: ${link.conflict}`;
    td.append(document.createElement("br"), conflict);
  }
  return td;
}

export function renderRow(session, options) {
  const tr = document.createElement("tr");
  tr.dataset.id = session.id;
  if (session.lock) tr.classList.add("locked");
  tr.append(
    modeCell(session.mode),
    cell(session.name, "name"),
    cell(session.type === "charter" ? "Charter" : "Session", "type"),
    cell(when(session.modified), "date"),
    cell(formatSize(session.size), "size"),
    cell(session.owner, "owner"),
    cell(lockContent(session), "lock"),
    syncCell(session),
  );
  [...tr.children].forEach((td, at) => { td.dataset.label = COLUMNS[at]; });
  tr.append(menuCell(session, options));
  return tr;
}
