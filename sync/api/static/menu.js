// A row's "…" menu: a button and a role=menu of the options the API allows on the row
// (allowed_actions), operable from the keyboard: Enter/Space opens it on its first item,
// arrows/Home/End move, Escape closes it and gives focus back, Tab leaves it.
"use strict";

let runOption = () => {};
export function whenChosen(callback) { runOption = callback; }

export function menuCell(session, options) {
  const td = document.createElement("td");
  td.className = "menu-cell";
  const allowed = options.filter(([key]) => session.allowed_actions.includes(key));
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

export function anyMenuOpen() {
  return document.querySelector(".menu:not([hidden])") !== null;
}

function openMenu(menu, button) {
  closeAllMenus();
  menu.hidden = false;
  button.setAttribute("aria-expanded", "true");
  // on a narrow screen, open upwards when the menu would end below the page
  const box = menu.getBoundingClientRect();
  menu.classList.toggle("up", box.bottom > window.innerHeight && box.height < button.getBoundingClientRect().top);
  menu.querySelector("[role=menuitem]").focus();
}

function closeMenu(menu, button, refocus) {
  menu.hidden = true;
  button.setAttribute("aria-expanded", "false");
  if (refocus) button.focus();
}

export function closeAllMenus() {
  for (const menu of document.querySelectorAll(".menu:not([hidden])")) {
    closeMenu(menu, menu.previousElementSibling, false);
  }
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
  if (!event.target.closest(".menu-cell")) closeAllMenus();
});
