// The ticket queue: filters, one row per ticket with its SLA clocks, sorted by what is due
// next; clocks tick every 30 s and the queue reloads every 15 s while shown.

import { api, TICKET_STATUSES } from "../api";
import type { Priority, Ticket } from "../api";
import { dataTable, h, replace } from "../dom";
import { formatDateTime, formatDateTimeLong } from "../format";
import { announce } from "../notices";
import { clockElement, nextDue, tickClocks } from "../sla";
import { t } from "../strings";
import type { ViewContext } from "../view";
import { categoryName, priorityBadge, statusBadge } from "./labels";

type Sort = "sla" | "newest" | "priority";

// Kept while the console is open, so coming back to the queue (or switching language) keeps
// the filters.
const state = { status: "", mine: false, sort: "sla" as Sort };
let seen: Set<number> | null = null;

const PRIORITY_ORDER: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

function sorted(tickets: Ticket[], sort: Sort): Ticket[] {
  const now = Date.now();
  const copy = [...tickets];
  if (sort === "newest") return copy.sort((a, b) => b.id - a.id);
  if (sort === "priority") {
    return copy.sort((a, b) => PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority] || nextDue(a, now) - nextDue(b, now) || b.id - a.id);
  }
  return copy.sort((a, b) => {
    const da = nextDue(a, now);
    const db = nextDue(b, now);
    if (da === db) return b.id - a.id;
    return da - db;
  });
}

function row(ticket: Ticket): HTMLTableRowElement {
  const href = `#/tickets/${ticket.id}`;
  const tr = h(
    "tr",
    { "data-ticket-id": ticket.id, "data-status": ticket.status, class: "row-link" },
    h("th", { scope: "row", class: "cell-id" }, `#${ticket.id}`),
    h("td", { class: "cell-summary" }, h("a", { href, class: "ticket-link" }, ticket.summary)),
    h("td", { class: "cell-category" }, categoryName(ticket.category)),
    h("td", null, priorityBadge(ticket.priority)),
    h("td", null, statusBadge(ticket.status)),
    h("td", { class: "cell-assignee" }, ticket.assignee ?? h("span", { class: "muted nowrap" }, t("tickets.unassigned"))),
    h("td", { class: "nowrap" }, h("time", { datetime: ticket.created_at, title: formatDateTimeLong(ticket.created_at) }, formatDateTime(ticket.created_at))),
    h("td", { class: "cell-sla" }, clockElement("first", ticket)),
    h("td", { class: "cell-sla" }, clockElement("resolution", ticket)),
  );
  // The whole row opens the ticket for a mouse; keyboards use the link.
  tr.addEventListener("click", (event) => {
    const target = event.target as Element;
    if (target.closest("a, button, input, select")) return;
    if (window.getSelection()?.toString()) return;
    location.hash = href;
  });
  return tr;
}

export function ticketsView(root: HTMLElement, ctx: ViewContext): void {
  let tickets: Ticket[] = [];

  const statusSelect = h(
    "select",
    { id: "filter-status", name: "status" },
    h("option", { value: "" }, t("tickets.filter.all")),
    TICKET_STATUSES.map((status) => h("option", { value: status }, t(`status.${status}`))),
  );
  statusSelect.value = state.status;
  const mine = h("input", { type: "checkbox", id: "filter-mine", name: "mine" });
  mine.checked = state.mine;
  const sortSelect = h(
    "select",
    { id: "sort", name: "sort" },
    h("option", { value: "sla" }, t("tickets.sort.sla")),
    h("option", { value: "newest" }, t("tickets.sort.newest")),
    h("option", { value: "priority" }, t("tickets.sort.priority")),
  );
  sortSelect.value = state.sort;
  const refresh = h("button", { type: "button", id: "refresh-tickets", class: "button button--secondary" }, t("action.refresh"));
  const updated = h("p", { class: "muted small", id: "tickets-updated" });
  const count = h("p", { class: "count", id: "tickets-count" });
  const tbody = h("tbody");
  const table = dataTable(
    "tickets",
    t("tickets.caption"),
    [
      "tickets.col.id",
      "tickets.col.summary",
      "tickets.col.category",
      "tickets.col.priority",
      "tickets.col.status",
      "tickets.col.assignee",
      "tickets.col.created",
      "tickets.col.firstResponse",
      "tickets.col.resolution",
    ].map((key) => t(key)),
    tbody,
  );

  replace(
    root,
    h(
      "div",
      { class: "view-head" },
      h("h1", { tabindex: "-1" }, t("tickets.title")),
      h("div", { class: "view-head__aside" }, updated, refresh),
    ),
    h(
      "form",
      { class: "toolbar", id: "ticket-filters", role: "search", "aria-label": t("tickets.filters"), onsubmit: (e: Event) => e.preventDefault() },
      h("div", { class: "field" }, h("label", { for: "filter-status" }, t("tickets.filter.status")), statusSelect),
      h("div", { class: "field" }, h("label", { for: "sort" }, t("tickets.sort")), sortSelect),
      h("div", { class: "field field--check" }, mine, h("label", { for: "filter-mine" }, t("tickets.filter.mine", { name: ctx.self }))),
    ),
    count,
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("tickets.caption") }, table),
  );

  function render(): void {
    const focusedId = (document.activeElement?.closest("tr[data-ticket-id]") as HTMLElement | null)?.dataset.ticketId;
    const rows = sorted(tickets, state.sort).map(row);
    if (!rows.length) {
      replace(tbody, h("tr", null, h("td", { colspan: 9, class: "empty" }, t("tickets.empty"))));
    } else {
      replace(tbody, rows);
    }
    count.textContent = t("tickets.count", { n: tickets.length });
    if (focusedId) tbody.querySelector<HTMLElement>(`tr[data-ticket-id="${focusedId}"] a`)?.focus();
  }

  async function load(quiet: boolean): Promise<void> {
    root.setAttribute("aria-busy", "true");
    try {
      const filter: { status?: string; assignee?: string } = {};
      if (state.status) filter.status = state.status;
      if (state.mine) filter.assignee = ctx.self;
      const body = await api.tickets(filter, { signal: ctx.signal });
      if (ctx.signal.aborted) return;
      const fresh = body.items.filter((ticket) => seen !== null && !seen.has(ticket.id));
      seen ??= new Set();
      for (const ticket of body.items) seen.add(ticket.id);
      tickets = body.items;
      render();
      updated.textContent = t("tickets.updated", { time: formatDateTime(new Date()) });
      if (quiet && fresh.length) {
        announce(t("tickets.new", { n: fresh.length, ids: fresh.map((ticket) => `#${ticket.id}`).join(", ") }));
      }
    } catch (error) {
      ctx.fail(error);
    } finally {
      root.removeAttribute("aria-busy");
    }
  }

  statusSelect.addEventListener("change", () => {
    state.status = statusSelect.value;
    void load(false);
  });
  mine.addEventListener("change", () => {
    state.mine = mine.checked;
    void load(false);
  });
  sortSelect.addEventListener("change", () => {
    state.sort = sortSelect.value as Sort;
    render();
  });
  refresh.addEventListener("click", () => void load(false));

  replace(tbody, h("tr", null, h("td", { colspan: 9, class: "empty" }, t("common.loading"))));
  void load(false);
  ctx.every(30_000, () => tickClocks(tbody));
  ctx.every(15_000, () => {
    if (!document.hidden) void load(true);
  });
}
