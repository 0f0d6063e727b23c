// Display names of the API's enum values, and small badges for them.

import type { Priority, TicketStatus } from "../api";
import { h } from "../dom";
import { has, t } from "../strings";

export function statusName(status: TicketStatus | string): string {
  return has(`status.${status}`) ? t(`status.${status}`) : status;
}

export function priorityName(priority: Priority | string): string {
  return has(`priority.${priority}`) ? t(`priority.${priority}`) : priority;
}

export function statusBadge(status: TicketStatus): HTMLElement {
  return h("span", { class: `badge badge--status badge--${status}`, "data-status": status }, statusName(status));
}

export function priorityBadge(priority: Priority): HTMLElement {
  return h("span", { class: `badge badge--priority badge--${priority}`, "data-priority": priority }, priorityName(priority));
}

export function categoryName(category: string): string {
  return has(`category.${category}`) ? t(`category.${category}`) : category;
}

export function intentName(intent: string): string {
  return has(`intent.${intent}`) ? t(`intent.${intent}`) : intent.replace(/_/g, " ");
}

export function outcomeName(outcome: string): string {
  return has(`outcome.${outcome}`) ? t(`outcome.${outcome}`) : outcome;
}

export function languageName(lang: string | null | undefined): string {
  if (!lang) return "—";
  return has(`language.${lang}`) ? t(`language.${lang}`) : lang;
}
