// The audit log (admins): who read, revealed, exported or erased what; filters by action,
// subject and time.

import { api } from "../api";
import type { AuditEntry } from "../api";
import { dataTable, h, replace } from "../dom";
import { compactJson, formatDateTimeLong } from "../format";
import { t } from "../strings";
import type { ViewContext } from "../view";

const KNOWN_ACTIONS = ["ticket.read", "vault.reveal", "customer.export", "customer.erase", "retention.purge", "audit.read"];

const state = { action: "", subject: "", since: "" };

function entryRow(entry: AuditEntry): HTMLTableRowElement {
  return h(
    "tr",
    { "data-audit-id": entry.id, "data-action": entry.action },
    h("td", { class: "nowrap" }, h("time", { datetime: entry.at }, formatDateTimeLong(entry.at))),
    h("td", null, entry.actor),
    h("td", { class: "cell-nowrap" }, h("code", null, entry.action)),
    h("td", { class: "cell-subject cell-nowrap" }, entry.subject ? h("code", null, entry.subject) : h("span", { class: "muted" }, "—")),
    h("td", { class: "cell-json" }, h("code", null, compactJson(entry.detail))),
  );
}

export function auditView(root: HTMLElement, ctx: ViewContext): void {
  const action = h("input", { type: "text", id: "audit-action", name: "action", list: "audit-actions", maxlength: 64, autocomplete: "off", value: state.action });
  const subject = h("input", { type: "text", id: "audit-subject", name: "subject", maxlength: 160, autocomplete: "off", placeholder: "ticket:12", value: state.subject, "aria-describedby": "audit-subject-hint" });
  const since = h("input", { type: "datetime-local", id: "audit-since", name: "since", value: state.since });
  const send = h("button", { type: "submit", id: "audit-send", class: "button" }, t("audit.filter"));
  const reset = h("button", { type: "reset", id: "audit-reset", class: "button button--secondary" }, t("audit.reset"));
  const count = h("p", { class: "count", id: "audit-count" });
  const tbody = h("tbody");
  const form = h(
    "form",
    { id: "audit-form", class: "toolbar", role: "search", "aria-label": t("audit.filters") },
    h("div", { class: "field" }, h("label", { for: "audit-action" }, t("audit.col.action")), action),
    h("datalist", { id: "audit-actions" }, KNOWN_ACTIONS.map((name) => h("option", { value: name }))),
    h("div", { class: "field" }, h("label", { for: "audit-subject" }, t("audit.col.subject")), subject),
    h("div", { class: "field" }, h("label", { for: "audit-since" }, t("audit.since")), since),
    h("div", { class: "field field--button" }, send),
    h("div", { class: "field field--button" }, reset),
  );

  replace(
    root,
    h("div", { class: "view-head" }, h("h1", { tabindex: "-1" }, t("audit.title"))),
    h("p", { class: "hint" }, t("audit.hint")),
    form,
    h("p", { class: "hint", id: "audit-subject-hint" }, t("audit.subjectHint")),
    count,
    h(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("audit.title") },
      dataTable(
        "audit",
        t("audit.title"),
        ["audit.col.at", "audit.col.actor", "audit.col.action", "audit.col.subject", "audit.col.detail"].map((key) => t(key)),
        tbody,
      ),
    ),
  );

  async function load(): Promise<void> {
    state.action = action.value.trim();
    state.subject = subject.value.trim();
    state.since = since.value;
    send.disabled = true;
    try {
      const filter: { action?: string; subject?: string; since?: string } = {};
      if (state.action) filter.action = state.action;
      if (state.subject) filter.subject = state.subject;
      if (state.since) {
        const local = new Date(state.since);
        if (!Number.isNaN(local.getTime())) filter.since = local.toISOString();
      }
      const body = await api.audit(filter, { signal: ctx.signal });
      if (ctx.signal.aborted) return;
      const rows = body.items.map(entryRow);
      replace(tbody, rows.length ? rows : h("tr", null, h("td", { colspan: 5, class: "empty" }, t("audit.empty"))));
      count.textContent = t("audit.count", { n: body.items.length });
    } catch (error) {
      ctx.fail(error);
    } finally {
      send.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void load();
  });
  form.addEventListener("reset", () => {
    window.setTimeout(() => {
      action.value = "";
      subject.value = "";
      since.value = "";
      void load();
    });
  });

  replace(tbody, h("tr", null, h("td", { colspan: 5, class: "empty" }, t("common.loading"))));
  void load();
}
