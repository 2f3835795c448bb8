// Live rows: changes made elsewhere (another user's lock, a rename, a move, a sync result)
// show within a few seconds without a reload. One request at a time per tab polls the
// cheap change feed (GET /api/v1/changes); when its stamp moves, the shown rows are read
// again. A failed poll waits longer before the next (up to 30 s); a hidden tab does not poll.
"use strict";

import { apiJson, state } from "./core.js";

const EVERY_MS = 2000;
const AT_MOST_MS = 30000;

let timer = null;
let stamp = null;
let delay = EVERY_MS;
let onChange = async () => {};

async function poll() {
  timer = null;
  if (!state.me) return;
  try {
    const seen = (await apiJson("GET", "/api/v1/changes")).stamp;
    if (stamp !== null && seen !== stamp) await onChange();
    stamp = seen;
    delay = EVERY_MS;
  } catch {
    delay = Math.min(delay * 2, AT_MOST_MS);  // the server is away: try again, less often
  }
  schedule();
}

function schedule() {
  if (timer === null && state.me && !document.hidden) timer = setTimeout(poll, delay);
}

// read the stamp now, before the first listing, so that a change made in between is seen
export async function startLive(refresh) {
  onChange = refresh;
  delay = EVERY_MS;
  try {
    stamp = (await apiJson("GET", "/api/v1/changes")).stamp;
  } catch {
    stamp = null;
  }
  schedule();
}

export function stopLive() {
  clearTimeout(timer);
  timer = null;
}

document.addEventListener("visibilitychange", () => {
  if (document.hidden) stopLive();
  else { delay = EVERY_MS; schedule(); }
});
