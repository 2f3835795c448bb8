// What every part of the console shares: the signed-in state, the API client, the
// message line. Wording of refusals lives in messages.js; no rule lives anywhere here.
"use strict";

import { sentence } from "./messages.js";

export const TOKEN_KEY = "xray-sync-token";
export const $ = (id) => document.getElementById(id);

// view: "sessions" (the live ones), "trash", or "audit" (admins)
export const state = {
  me: null, workspaces: [], view: "sessions", sort: "-modified", q: "", cursor: null, rows: [],
};

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `request failed (${status})`);
    this.status = status;
    this.code = err.code || "unavailable";
    this.rule = err.rule || null;
    this.holder = err.holder || null;
    this.since = err.since || null;
  }
}

let onUnauthenticated = () => {};
export function whenSignedOut(callback) { onUnauthenticated = callback; }

export async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ""}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, { error: { code: "unavailable", message: "the server does not answer" } });
  }
  if (response.status === 401) {
    onUnauthenticated("Your token is not valid any more: sign in again.");
    throw new ApiError(401, await response.json().catch(() => null));
  }
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  return response;
}

export const apiJson = async (method, path, body) => (await api(method, path, body)).json();

export const sessionPath = (session) => `/api/v1/sessions/${encodeURIComponent(session.id)}`;

// Put a sentence (or an error, as a sentence) in `element`; an error keeps its rule code in
// the title and in a small details line, for support and for the docs.
export function say(element, what, isError) {
  const text = what instanceof Error ? sentence(what, state.me && state.me.name) : what;
  element.replaceChildren(text);
  element.classList.toggle("bad", Boolean(isError));
  element.removeAttribute("title");
  if (what instanceof ApiError && what.rule) {
    element.title = `rule: ${what.rule}`;
    const details = document.createElement("span");
    details.className = "details";
    details.textContent = `Rule: ${what.rule}`;
    element.append(details);
  }
}

export function showMessage(what, isError) {
  const message = $("message");
  say(message, what, isError);
  message.setAttribute("role", isError ? "alert" : "status");
}
