// SLA clocks: time left to (or overdue by) the first response and the resolution of a ticket,
// in words and a state (ok / due soon / breached / met), never colour alone.

import type { Ticket } from "./api";
import { h, replace } from "./dom";
import { formatDateTime, formatDuration, parseTime } from "./format";
import { t } from "./strings";

export type ClockKind = "first" | "resolution";
/** ok: running; warning: within 25% of its time; breached: overdue or missed; met: done in time. */
export type ClockState = "ok" | "warning" | "breached" | "met";

export interface Clock {
  state: ClockState;
  text: string;
  /** The due time while the clock runs (for sorting by what is due next); null when stopped. */
  runningDue: number | null;
  due: Date;
}

const WARN_SHARE = 0.25;

function when(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = parseTime(iso).getTime();
  return Number.isNaN(ms) ? null : ms;
}

/** When the ticket got its first public reply, if known (the server's field, or its replies). */
export function respondedAt(ticket: Ticket, firstPublicReply?: string | null): number | null {
  return when(ticket.sla.first_responded_at) ?? when(firstPublicReply);
}

export function clockOf(kind: ClockKind, ticket: Ticket, now: number, firstPublicReply?: string | null): Clock {
  const sla = ticket.sla;
  const dueIso = kind === "first" ? sla.first_response_due : sla.resolution_due;
  const due = parseTime(dueIso);
  const dueMs = due.getTime();
  const breached = kind === "first" ? sla.first_response_breached : sla.resolution_breached;
  const settled = ticket.status === "resolved" || ticket.status === "closed";
  let doneAt: number | null;
  if (kind === "first") {
    doneAt = respondedAt(ticket, firstPublicReply);
    // Past due yet not breached: the first response came in time.
    if (doneAt === null && !breached && now > dueMs) doneAt = dueMs;
  } else {
    doneAt = settled ? when(sla.resolved_at) : null;
  }
  const stopped = doneAt !== null || settled;
  if (stopped) {
    const late = doneAt !== null ? doneAt > dueMs : breached;
    const key = late ? `sla.${kind}.late` : `sla.${kind}.met`;
    return { state: late ? "breached" : "met", text: t(key), runningDue: null, due };
  }
  const left = dueMs - now;
  if (left <= 0) {
    return {
      state: "breached",
      text: t("sla.overdue", { d: formatDuration(-left) }),
      runningDue: dueMs,
      due,
    };
  }
  const created = when(ticket.created_at) ?? now;
  const window = Math.max(dueMs - created, 1);
  const soon = left <= window * WARN_SHARE;
  return {
    state: soon ? "warning" : "ok",
    text: t(soon ? "sla.dueSoon" : "sla.left", { d: formatDuration(left) }),
    runningDue: dueMs,
    due,
  };
}

/** The due time that comes next among the ticket's running clocks (Infinity: none runs). */
export function nextDue(ticket: Ticket, now: number): number {
  const dues = (["first", "resolution"] as const)
    .map((kind) => clockOf(kind, ticket, now).runningDue)
    .filter((due): due is number => due !== null);
  return dues.length ? Math.min(...dues) : Number.POSITIVE_INFINITY;
}

const ICONS: Record<ClockState, string> = { ok: "●", warning: "▲", breached: "✕", met: "✓" };

interface Spec {
  kind: ClockKind;
  ticket: Ticket;
  firstPublicReply: string | null;
  withLabel: boolean;
}

const specs = new WeakMap<HTMLElement, Spec>();

function paint(el: HTMLElement, spec: Spec): void {
  const clock = clockOf(spec.kind, spec.ticket, Date.now(), spec.firstPublicReply);
  el.className = `sla sla--${clock.state}`;
  el.dataset.sla = clock.state;
  el.dataset.due = clock.due.toISOString();
  el.title = t("sla.dueAt", { time: formatDateTime(clock.due) });
  replace(
    el,
    h("span", { class: "sla__icon", "aria-hidden": "true" }, ICONS[clock.state]),
    spec.withLabel ? h("span", { class: "sla__label" }, t(`sla.${spec.kind}`), ": ") : null,
    h("span", { class: "sla__text" }, clock.text),
  );
}

/** A clock that `tickClocks` keeps current. */
export function clockElement(
  kind: ClockKind,
  ticket: Ticket,
  options: { firstPublicReply?: string | null; withLabel?: boolean } = {},
): HTMLElement {
  const el = h("span", { "data-clock": kind });
  const spec: Spec = {
    kind,
    ticket,
    firstPublicReply: options.firstPublicReply ?? null,
    withLabel: options.withLabel ?? false,
  };
  specs.set(el, spec);
  paint(el, spec);
  return el;
}

/** Recompute every clock under `root` (called every 30 s). */
export function tickClocks(root: ParentNode): void {
  root.querySelectorAll<HTMLElement>("[data-clock]").forEach((el) => {
    const spec = specs.get(el);
    if (spec) paint(el, spec);
  });
}
