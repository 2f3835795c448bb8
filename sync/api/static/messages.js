// The console's wording of refusals and errors: one sentence a person reads, made from the
// error's rule and data. The store's own line (which ends in "[rule]") is the fallback,
// turned into a sentence; the rule code itself is shown apart (core.js `say`).
"use strict";

const OPERATIONS = /^(open|close|save|duplicate|download|rename|unlock|delete|move|history|revert|restore|connect|disconnect|archive|unarchive|import|list|show): /i;

function formatSince(iso) {
  return iso ? ` since ${new Date(iso).toISOString().slice(0, 16).replace("T", " ")} UTC` : "";
}

const BY_RULE = {
  locked_by_other: (err, me) => {
    const who = err.holder === me ? "you" : (err.holder === "jira" ? "Jira" : err.holder);
    if (!who) return "Someone else holds the lock of this session, so this cannot be done now.";
    return `This session is locked by ${who}${formatSince(err.since)}, so this cannot be done now.`;
  },
  owner_only: () => "Only the session's owner may do this.",
  members_only: () => "Only members of this workspace may do this.",
  owner_or_admin: () => "Only the session's owner or an admin may do this.",
  holder_or_admin: () => "Only the lock holder or an admin may unlock this session.",
  lock_holder_only: () => "Only the lock holder may save this session: open it first.",
  in_trash: () => "This session is in the trash: restore it first.",
  not_in_trash: () => "This session is not in the trash any more.",
  stale_row_version: () => "Someone changed this session meanwhile; the row now shows it as it is. Try again.",
  concurrent_change: () => "Someone changed this session at the same moment; the row now shows it as it is. Try again.",
  name_empty: () => "The name is empty: type a name.",
  name_too_long: () => "The name is too long: at most 255 characters.",
  same_workspace: () => "The session is in that workspace already.",
  already_connected: () => "This session is already connected to Xray.",
  not_connected: () => "This session is standalone already.",
  unknown_session: () => "This session does not exist any more.",
  bearer_token: () => "You are not signed in.",
  no_sync_engine: () => "No sync engine runs here: start the daemon to sync.",
  link_expired: () => "That download link has expired or was used already: download again.",
};

// "rename: the session changed ... [stale_row_version]" -> "The session changed ...."
function fromStoreLine(message) {
  let text = String(message || "The request failed").replace(/\s*\[[a-z0-9_]+\]\s*$/i, "").trim();
  text = text.replace(OPERATIONS, "");
  text = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

export function sentence(err, me) {
  const byRule = err.rule && BY_RULE[err.rule];
  return byRule ? byRule(err, me) : fromStoreLine(err.message);
}
