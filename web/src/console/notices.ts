// The two live regions under the header: a polite status line for results and an alert for
// errors (the server's own message). The regions hold only the message text (the close
// button sits beside the alert, not in it) and are always in the page, empty when there is
// nothing to say, so screen readers announce what is put in them.

import { ApiError, isAbort } from "./api";
import { h } from "./dom";
import { t } from "./strings";

let statusEl: HTMLElement | null = null;
let alertEl: HTMLElement | null = null;
let closeEl: HTMLButtonElement | null = null;
let statusTimer = 0;

export function noticeRegions(): HTMLElement {
  statusEl = h("div", { id: "status", class: "notice notice--status", role: "status", "aria-live": "polite" });
  alertEl = h("div", { id: "alert", class: "notice notice--alert", role: "alert" });
  closeEl = h(
    "button",
    { type: "button", class: "notice__close", hidden: true, onclick: () => clearError() },
    h("span", { "aria-hidden": "true" }, "×"),
    h("span", { class: "visually-hidden" }, t("action.dismiss")),
  );
  return h("div", { class: "notices" }, h("div", { class: "notice-wrap" }, alertEl, closeEl), statusEl);
}

export function announce(message: string): void {
  if (!statusEl) return;
  window.clearTimeout(statusTimer);
  statusEl.textContent = message;
  statusTimer = window.setTimeout(() => {
    if (statusEl) statusEl.textContent = "";
  }, 10000);
}

export function clearError(): void {
  if (alertEl) alertEl.textContent = "";
  if (closeEl) closeEl.hidden = true;
}

export function showError(error: unknown): void {
  if (isAbort(error) || !alertEl) return;
  const message = error instanceof Error ? error.message : String(error);
  alertEl.textContent = message;
  if (closeEl) closeEl.hidden = false;
  if (error instanceof ApiError && error.status >= 500) console.error(error);
}

export function clearNotices(): void {
  clearError();
  window.clearTimeout(statusTimer);
  if (statusEl) statusEl.textContent = "";
}
