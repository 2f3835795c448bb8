// A download goes straight to disk: the API hands out a short-lived, single-use URL that
// needs no token (POST .../download-link), and the browser is pointed at it; the page
// itself never holds the file's bytes.
"use strict";

import { apiJson, sessionPath, showMessage } from "./core.js";

export async function downloadFile(session, version) {
  try {
    const body = version ? { version } : {};
    const link = await apiJson("POST", `${sessionPath(session)}/download-link`, body);
    const anchor = document.createElement("a");
    anchor.href = link.url;
    anchor.download = "";  // the server's Content-Disposition names the file
    anchor.hidden = true;
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
    const which = version ? ` (version ${version})` : "";
    showMessage(`Downloading "${session.name}"${which}.`, false);
  } catch (err) {
    showMessage(err, true);
  }
}
