// One ticket: its fields and SLA clocks, the redacted chat transcript, the replies, a reply
// form (public reply or internal note) and the actions (assign, priority, status).

import { api, ApiError, PRIORITIES } from "../api";
import type { Priority, Reply, TicketDetail, TicketPatch, TicketStatus, TranscriptMessage } from "../api";
import { h, replace } from "../dom";
import { formatDateTime, formatDateTimeLong } from "../format";
import { announce, clearError } from "../notices";
import { clockElement, tickClocks } from "../sla";
import { t } from "../strings";
import type { ViewContext } from "../view";
import { categoryName, priorityBadge, priorityName, statusBadge, statusName } from "./labels";

/** The moves the server allows from each status (app/services/tickets.py TRANSITIONS). */
const MOVES: Record<TicketStatus, TicketStatus[]> = {
  open: ["pending", "resolved", "closed"],
  pending: ["open", "resolved", "closed"],
  resolved: ["open", "closed"],
  closed: ["open"],
};

/** Unsent replies, kept while the console is open (leaving a ticket or switching language
 * re-renders the view). */
const drafts = new Map<number, string>();

function moveLabel(from: TicketStatus, to: TicketStatus): string {
  if (to === "open") return t(from === "pending" ? "ticket.move.backToOpen" : "ticket.move.reopen");
  return t(`ticket.move.${to}`);
}

function time(iso: string): HTMLTimeElement {
  return h("time", { datetime: iso, title: formatDateTimeLong(iso) }, formatDateTime(iso));
}

function transcriptItem(message: TranscriptMessage): HTMLLIElement {
  return h(
    "li",
    { "data-role": message.role, class: `message message--${message.role}` },
    h(
      "div",
      { class: "message__meta" },
      h("span", { class: "message__speaker" }, t(`speaker.${message.role}`)),
      time(message.created_at),
    ),
    h("p", { class: "message__text" }, message.content),
  );
}

function replyItem(reply: Reply): HTMLLIElement {
  return h(
    "li",
    { "data-reply-id": reply.id, "data-public": String(reply.public), class: reply.public ? "reply reply--public" : "reply reply--internal" },
    h(
      "div",
      { class: "reply__meta" },
      h("span", { class: "reply__author" }, reply.author === "assistant" ? t("speaker.assistant") : reply.author),
      h("span", { class: reply.public ? "badge badge--public" : "badge badge--internal" }, t(reply.public ? "reply.public" : "reply.internal")),
      time(reply.created_at),
    ),
    h("p", { class: "reply__body" }, reply.body),
  );
}

function field(label: string, value: Node | string | null): HTMLElement[] {
  return [h("dt", null, label), h("dd", null, value ?? h("span", { class: "muted" }, "—"))];
}

export function ticketView(root: HTMLElement, ctx: ViewContext, id: number): void {
  const heading = h("h1", { tabindex: "-1", id: "ticket-title" }, t("ticket.title", { id }));
  const summary = h("p", { class: "ticket-summary", id: "ticket-summary" });
  const fields = h("dl", { class: "fields", id: "ticket-fields" });
  const clocks = h("div", { class: "clocks", id: "ticket-sla" });
  const transcript = h("ol", { class: "transcript", "aria-labelledby": "transcript-title" });
  const transcriptEmpty = h("p", { class: "muted", hidden: true }, t("ticket.noTranscript"));
  const replies = h("ol", { class: "replies", id: "replies", "aria-labelledby": "replies-title" });
  const repliesEmpty = h("p", { class: "muted", hidden: true }, t("ticket.noReplies"));

  // Reply form
  const body = h("textarea", { id: "reply-body", name: "body", rows: 5, required: true, maxlength: 10000, "aria-describedby": "reply-hint" });
  body.value = drafts.get(id) ?? "";
  body.addEventListener("input", () => drafts.set(id, body.value));
  const isPublic = h("input", { type: "checkbox", id: "reply-public", name: "public", checked: true });
  const send = h("button", { type: "submit", id: "reply-send", class: "button" }, t("reply.send.public"));
  const hint = h("p", { id: "reply-hint", class: "hint" }, t("reply.hint.public"));
  const syncReplyMode = () => {
    send.textContent = t(isPublic.checked ? "reply.send.public" : "reply.send.internal");
    hint.textContent = t(isPublic.checked ? "reply.hint.public" : "reply.hint.internal");
    form.classList.toggle("reply-form--internal", !isPublic.checked);
  };
  const form = h(
    "form",
    { id: "reply-form", class: "reply-form", "aria-labelledby": "reply-title" },
    h("h2", { id: "reply-title" }, t("reply.title")),
    h("label", { for: "reply-body" }, t("reply.body")),
    body,
    h("div", { class: "field field--check" }, isPublic, h("label", { for: "reply-public" }, t("reply.publicLabel"))),
    hint,
    h("div", { class: "form-actions" }, send),
  );
  isPublic.addEventListener("change", syncReplyMode);

  // Actions
  const assignee = h("input", { id: "assignee", name: "assignee", type: "text", maxlength: 120, autocomplete: "off" });
  const assignMe = h("button", { type: "button", id: "assign-me", class: "button button--secondary" }, t("ticket.assignMe"));
  const assignSend = h("button", { type: "submit", id: "assign-send", class: "button button--secondary" }, t("ticket.assign"));
  const priority = h(
    "select",
    { id: "priority", name: "priority" },
    PRIORITIES.map((p) => h("option", { value: p }, priorityName(p))),
  );
  const prioritySend = h("button", { type: "submit", id: "priority-send", class: "button button--secondary" }, t("ticket.setPriority"));
  const moves = h("div", { id: "status-actions", class: "button-row", role: "group", "aria-labelledby": "status-actions-title" });

  const actions = h(
    "section",
    { class: "panel actions", "aria-labelledby": "actions-title" },
    h("h2", { id: "actions-title" }, t("ticket.actions")),
    h("h3", { id: "status-actions-title" }, t("ticket.changeStatus")),
    moves,
    h(
      "form",
      { id: "assign-form", class: "inline-form", onsubmit: (e: Event) => { e.preventDefault(); void patch({ assignee: assignee.value.trim() || null }); } },
      h("label", { for: "assignee" }, t("ticket.assignee")),
      h("div", { class: "inline-form__row" }, assignee, assignSend),
      h("p", { class: "hint" }, t("ticket.assigneeHint")),
      h("div", { class: "button-row" }, assignMe),
    ),
    h(
      "form",
      { id: "priority-form", class: "inline-form", onsubmit: (e: Event) => { e.preventDefault(); void patch({ priority: priority.value as Priority }); } },
      h("label", { for: "priority" }, t("ticket.priority")),
      h("div", { class: "inline-form__row" }, priority, prioritySend),
      h("p", { class: "hint" }, t("ticket.priorityHint")),
    ),
  );
  assignMe.addEventListener("click", () => void patch({ assignee: ctx.self }));

  const reload = h("button", { type: "button", id: "ticket-reload", class: "button button--secondary" }, t("action.refresh"));
  reload.addEventListener("click", () => void load());

  const detail = h(
    "section",
    { id: "ticket-detail", "aria-labelledby": "ticket-title", "aria-busy": "true" },
    h("p", { class: "back" }, h("a", { href: "#/tickets", id: "back-to-queue" }, "← ", t("ticket.back"))),
    h("div", { class: "view-head" }, heading, h("div", { class: "view-head__aside" }, reload)),
    summary,
    h(
      "div",
      { class: "detail-grid" },
      h(
        "div",
        { class: "detail-main" },
        h(
          "section",
          { class: "panel", "aria-labelledby": "transcript-title" },
          h("h2", { id: "transcript-title" }, t("ticket.transcript")),
          h("p", { class: "hint" }, t("ticket.transcriptHint")),
          transcript,
          transcriptEmpty,
        ),
        h(
          "section",
          { class: "panel", "aria-labelledby": "replies-title" },
          h("h2", { id: "replies-title" }, t("ticket.replies")),
          replies,
          repliesEmpty,
        ),
        h("section", { class: "panel" }, form),
      ),
      h(
        "div",
        { class: "detail-side" },
        h("section", { class: "panel", "aria-labelledby": "sla-title" }, h("h2", { id: "sla-title" }, t("ticket.sla")), clocks),
        h("section", { class: "panel", "aria-labelledby": "fields-title" }, h("h2", { id: "fields-title" }, t("ticket.fields")), fields),
        actions,
      ),
    ),
  );
  replace(root, detail);

  let current: TicketDetail | null = null;
  let busy = false;

  function setBusy(value: boolean): void {
    busy = value;
    for (const el of detail.querySelectorAll<HTMLButtonElement>("button")) el.disabled = value;
    detail.setAttribute("aria-busy", String(value));
  }

  function fill(ticket: TicketDetail): void {
    current = ticket;
    document.title = `#${ticket.id} · ${t("app.title")}`;
    heading.textContent = t("ticket.title", { id: ticket.id });
    summary.textContent = ticket.summary;
    replace(
      fields,
      field(t("tickets.col.status"), statusBadge(ticket.status)),
      field(t("tickets.col.priority"), priorityBadge(ticket.priority)),
      field(t("tickets.col.category"), categoryName(ticket.category)),
      field(t("tickets.col.assignee"), ticket.assignee),
      field(t("tickets.col.created"), time(ticket.created_at)),
      field(t("ticket.updatedAt"), time(ticket.updated_at)),
      field(t("ticket.order"), ticket.order_id),
      field(t("ticket.customer"), ticket.customer_id),
      field(t("ticket.session"), ticket.session_id ? h("code", null, ticket.session_id) : null),
    );
    const firstPublic = ticket.replies.find((reply) => reply.public)?.created_at ?? null;
    replace(
      clocks,
      h("p", { class: "clock-line" }, clockElement("first", ticket, { firstPublicReply: firstPublic, withLabel: true })),
      h("p", { class: "clock-line" }, clockElement("resolution", ticket, { withLabel: true })),
      h(
        "p",
        { class: "hint" },
        t("sla.dueLine", { first: formatDateTime(ticket.sla.first_response_due), resolution: formatDateTime(ticket.sla.resolution_due) }),
      ),
    );
    replace(transcript, ticket.transcript.map(transcriptItem));
    transcript.hidden = ticket.transcript.length === 0;
    transcriptEmpty.hidden = ticket.transcript.length > 0;
    replace(replies, ticket.replies.map(replyItem));
    replies.hidden = ticket.replies.length === 0;
    repliesEmpty.hidden = ticket.replies.length > 0;
    replace(
      moves,
      MOVES[ticket.status].map((to) =>
        h(
          "button",
          { type: "button", class: to === "resolved" ? "button" : "button button--secondary", "data-status": to, onclick: () => void patch({ status: to }) },
          moveLabel(ticket.status, to),
        ),
      ),
    );
    if (document.activeElement !== assignee) assignee.value = ticket.assignee ?? "";
    if (document.activeElement !== priority) priority.value = ticket.priority;
  }

  async function load(): Promise<void> {
    try {
      const ticket = await api.ticket(id, { signal: ctx.signal });
      if (ctx.signal.aborted) return;
      fill(ticket);
    } catch (error) {
      ctx.fail(error);
    } finally {
      if (!ctx.signal.aborted) setBusy(false);
    }
  }

  async function patch(change: TicketPatch): Promise<void> {
    if (busy || !current) return;
    setBusy(true);
    try {
      const updated = await api.updateTicket(id, change, { signal: ctx.signal });
      clearError();
      // The answer is the ticket without its replies and transcript: merged, not read again
      // (every read of a transcript is an audit-log entry).
      if (!ctx.signal.aborted && current) fill({ ...current, ...updated });
      setBusy(false);
      if (change.status) announce(t("ticket.statusChanged", { status: statusName(updated.status) }));
      else if (change.priority) announce(t("ticket.priorityChanged", { priority: priorityName(updated.priority) }));
      else announce(updated.assignee ? t("ticket.assigned", { name: updated.assignee }) : t("ticket.unassigned"));
    } catch (error) {
      ctx.fail(error);
      setBusy(false);
      // Someone else moved the ticket meanwhile: show where it stands now.
      if (error instanceof ApiError && error.status === 409) void load();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = body.value.trim();
    if (!text) {
      body.focus();
      return;
    }
    if (busy) return;
    const publicReply = isPublic.checked;
    setBusy(true);
    void (async () => {
      try {
        await api.reply(id, text, publicReply, { signal: ctx.signal });
        clearError();
        body.value = "";
        drafts.delete(id);
        await load();
        announce(t(publicReply ? "reply.sentPublic" : "reply.sentInternal"));
      } catch (error) {
        ctx.fail(error);
        setBusy(false);
      }
    })();
  });

  setBusy(true);
  void load();
  ctx.every(30_000, () => tickClocks(detail));
}
