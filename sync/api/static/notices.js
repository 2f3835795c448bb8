// Notices about the signed-in user's own work: a save of theirs kept as a conflicted copy
// (their lock had been broken), a lock of theirs that someone else ended. Read after sign-in
// and whenever something changed (GET /api/v1/notices); "Dismiss" remembers the last one
// seen, in this browser, so that it is not shown again.
"use strict";

import { $, apiJson, state } from "./core.js";
import { formatDate } from "./rows.js";

const seenKey = () => `xray-sync-notices:${state.me.name}`;

function text(notice) {
  const name = notice.session_name ? `"${notice.session_name}"` : "a session";
  const at = formatDate(notice.at);
  if (notice.kind === "conflicted_copy") {
    return `Your save at ${at} was kept as a conflicted copy, ${name}, because your lock had been ended meanwhile: nothing was lost; compare it with the original.`;
  }
  return `Your lock of ${name} was ended by ${notice.by || "someone"} at ${at}; a save you make from the desktop app now becomes a conflicted copy.`;
}

export async function checkNotices() {
  if (!state.me) return;
  const after = Number(localStorage.getItem(seenKey()) || "0");
  let answer;
  try {
    answer = await apiJson("GET", `/api/v1/notices?after=${after}`);
  } catch {
    return;  // not worth an error line: the next change tries again
  }
  const list = $("notices");
  list.replaceChildren(...answer.items.map((notice) => {
    const p = document.createElement("p");
    p.className = "notice";
    p.textContent = text(notice);
    return p;
  }));
  if (answer.items.length) {
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.textContent = "Dismiss";
    dismiss.addEventListener("click", () => {
      localStorage.setItem(seenKey(), String(answer.last));
      list.replaceChildren();
      list.hidden = true;
      $("filter").focus();
    });
    list.append(dismiss);
  }
  list.hidden = answer.items.length === 0;
  document.body.dataset.notices = String(answer.last);  // read (tests and tools wait for it)
}
