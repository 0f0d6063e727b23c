// The chat widget: a launcher button and a non-modal chat panel in a shadow root.

import { ApiError, ShopperApi, type AgentMessage, type Done, type RatingPrompt, type Source, type StoredMessage, type TicketState } from "./api";
import { ChatLog } from "./chat-log";
import { rememberLang, safeStorage, type WidgetConfig } from "./config";
import { h } from "./dom";
import { ratingForm } from "./rating";
import { STRINGS, localeOf, type Lang, type Strings } from "./strings";
import { STYLES } from "./styles";

const SESSION_KEY = "kefu.session";
const OPEN_KEY = "kefu.open";
const POLL_MS = 4000;
const MAX_CHARS = 2000;
const ACTIVE = new Set(["open", "pending"]);

const CHAT_ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2Zm3 6v2h2V9H7Zm4 0v2h2V9h-2Zm4 0v2h2V9h-2Z"/></svg>';

export class Widget {
  private lang: Lang;
  private sessionId: string | null;
  private readonly api: ShopperApi;
  private readonly seen = new Set<number>(); // agent messages already shown
  private ticket: TicketState | null = null;
  private busy = false;
  private unread = 0;
  private pollTimer: number | undefined;

  private readonly root: HTMLElement;
  private readonly launcher: HTMLButtonElement;
  private readonly launcherLabel: HTMLSpanElement;
  private readonly badge: HTMLSpanElement;
  private readonly panel: HTMLElement;
  private readonly title: HTMLHeadingElement;
  private readonly subtitle: HTMLParagraphElement;
  private readonly langButton: HTMLButtonElement;
  private readonly closeButton: HTMLButtonElement;
  private readonly ticketBar: HTMLParagraphElement;
  private readonly log: ChatLog;
  private readonly announcer: HTMLDivElement;
  private readonly quick: HTMLDivElement;
  private readonly personButton: HTMLButtonElement;
  private readonly form: HTMLFormElement;
  private readonly inputLabel: HTMLLabelElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;

  constructor(private readonly config: WidgetConfig, host: HTMLElement) {
    this.lang = config.lang;
    this.sessionId = safeStorage("session")?.getItem(SESSION_KEY) ?? null;
    this.api = new ShopperApi(config.base, () => localeOf(this.lang));

    const shadow = host.attachShadow({ mode: "open" });
    shadow.append(h("style", {}, STYLES));
    this.launcherLabel = h("span", {});
    this.badge = h("span", { class: "badge", hidden: true, "aria-hidden": "true" });
    this.launcher = h("button", { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "kefu-panel" });
    this.launcher.innerHTML = CHAT_ICON; // a constant icon, no outside text
    this.launcher.append(this.launcherLabel, this.badge);

    this.title = h("h2", { id: "kefu-title" });
    this.subtitle = h("p", {});
    this.langButton = h("button", { type: "button", class: "lang" });
    this.closeButton = h("button", { type: "button", class: "close" }, "×");
    this.ticketBar = h("p", { class: "ticket", role: "status", hidden: true });
    const logList = h("ol", { class: "log", "aria-labelledby": "kefu-title" });
    this.log = new ChatLog(logList, () => this.t, config.base, () => this.lang);
    this.announcer = h("div", { class: "sr", "aria-live": "polite" });
    this.personButton = h("button", { type: "button", class: "chip" });
    this.quick = h("div", { class: "quick" }, this.personButton);
    this.inputLabel = h("label", { class: "sr", for: "kefu-input" });
    this.input = h("textarea", { id: "kefu-input", class: "input", rows: "1", maxlength: String(MAX_CHARS), autocomplete: "off", enterkeyhint: "send" });
    this.sendButton = h("button", { type: "submit", class: "send" });
    this.form = h("form", { class: "composer" }, this.inputLabel, this.input, this.sendButton);
    this.panel = h(
      "section",
      { class: "panel", id: "kefu-panel", role: "dialog", "aria-labelledby": "kefu-title", hidden: true },
      h("header", {}, h("div", { class: "heading" }, this.title, this.subtitle), this.langButton, this.closeButton),
      this.ticketBar,
      logList,
      this.announcer,
      this.quick,
      this.form,
    );
    this.root = h("div", { class: "kefu" }, this.launcher, this.panel);
    shadow.append(this.root);

    this.launcher.addEventListener("click", () => this.toggle());
    this.closeButton.addEventListener("click", () => this.close());
    this.langButton.addEventListener("click", () => this.setLanguage(this.lang === "zh" ? "en" : "zh"));
    this.personButton.addEventListener("click", () => void this.send(this.t.talkToPersonMessage));
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.input.addEventListener("input", () => this.fitInput());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.send(this.input.value);
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.ticket && ACTIVE.has(this.ticket.status)) void this.poll();
    });

    this.applyStrings();
    void this.restore().then(() => {
      if (config.startOpen || safeStorage("session")?.getItem(OPEN_KEY) === "1") this.open();
    });
  }

  private get t(): Strings {
    return STRINGS[this.lang];
  }

  // --- opening, closing, language -------------------------------------------------------

  toggle(): void {
    if (this.panel.hidden) this.open();
    else this.close();
  }

  open(): void {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    safeStorage("session")?.setItem(OPEN_KEY, "1");
    if (!this.log.element.childElementCount) this.log.add("assistant", this.t.welcome);
    this.unread = 0;
    this.updateBadge();
    this.log.scroll();
    this.input.focus();
  }

  close(): void {
    if (this.panel.hidden) return;
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    safeStorage("session")?.removeItem(OPEN_KEY);
    this.launcher.focus();
  }

  setLanguage(lang: Lang): void {
    this.lang = lang;
    rememberLang(lang);
    this.applyStrings();
  }

  private applyStrings(): void {
    const t = this.t;
    this.root.lang = localeOf(this.lang);
    this.launcherLabel.textContent = t.open;
    this.title.textContent = this.config.title ?? t.title;
    this.subtitle.textContent = t.subtitle;
    this.langButton.textContent = t.languageName;
    this.langButton.setAttribute("aria-label", t.switchLanguage);
    this.langButton.lang = this.lang === "zh" ? "en" : "zh-CN";
    this.closeButton.setAttribute("aria-label", t.close);
    this.personButton.textContent = t.talkToPerson;
    this.inputLabel.textContent = t.inputLabel;
    this.input.placeholder = t.placeholder;
    this.sendButton.textContent = this.busy ? t.sending : t.send;
    this.renderTicket();
    this.updateBadge();
  }

  // --- a turn ---------------------------------------------------------------------------

  async send(raw: string): Promise<void> {
    const message = raw.trim();
    if (!message || this.busy) return;
    if (message.length > MAX_CHARS) {
      this.log.add("error", this.t.tooLong(MAX_CHARS));
      return;
    }
    this.input.value = "";
    this.fitInput();
    this.setBusy(true);
    this.log.add("shopper", message);
    let bubble = this.log.pending();
    let text = "";
    let done: Done | null = null;
    let rating: RatingPrompt | null = null;
    const controller = new AbortController();
    try {
      const events = this.api.chat(
        { message, session_id: this.sessionId, customer_id: this.config.customerId, locale: localeOf(this.lang) },
        controller.signal,
      );
      for await (const { name, data } of events) {
        if (name === "session") {
          this.rememberSession((data as { session_id: string }).session_id);
        } else if (name === "agent_message") {
          // A person's reply the stream had not shown: it belongs before this answer.
          const reply = data as AgentMessage;
          if (!this.seen.has(reply.id)) {
            this.seen.add(reply.id);
            bubble.before(this.log.add("agent", reply.text));
          }
        } else if (name === "token") {
          text += (data as { text: string }).text;
          bubble.removeAttribute("aria-busy");
          this.log.setText(bubble, text);
        } else if (name === "ticket") {
          this.setTicket(data as TicketState);
        } else if (name === "rating") {
          rating = data as RatingPrompt;
        } else if (name === "done") {
          done = data as Done;
        } else if (name === "error") {
          const failure = data as { message?: string };
          bubble.remove();
          bubble = this.log.add("error", failure.message || this.t.error);
        }
      }
    } catch (error) {
      bubble.remove();
      this.log.add("error", this.failureText(error));
    } finally {
      this.setBusy(false);
    }
    if (done) this.finishTurn(bubble, done, rating);
    else if (bubble.isConnected && bubble.classList.contains("assistant")) {
      bubble.remove(); // the stream ended without its last event
      this.log.add("error", this.t.error);
    }
    this.input.focus();
  }

  private finishTurn(bubble: HTMLLIElement, done: Done, rating: RatingPrompt | null): void {
    const sources: Source[] = done.sources ?? [];
    this.log.finish(bubble, done.answer, sources);
    this.announce(`${this.t.answerReady} ${done.answer.replace(/\[\d{1,2}\]/g, "")}`);
    if (done.ticket_id !== null && done.ticket_id !== undefined && (!this.ticket || this.ticket.id !== done.ticket_id)) {
      this.setTicket({ id: done.ticket_id, status: "open" });
    }
    if (done.handoff && !this.hasActiveTicket()) {
      this.log.offer(bubble, this.t.talkToPerson, () => void this.send(this.t.talkToPersonMessage));
    }
    if (rating) {
      const item = this.log.add("assistant", "");
      item.querySelector(".bubble")?.replaceWith(
        ratingForm(rating, this.t, (score, comment) => this.api.rate(rating.feedback_url, score, comment)),
      );
      this.log.scroll();
    }
  }

  private failureText(error: unknown): string {
    if (error instanceof ApiError) {
      if (error.status === 413) return this.t.tooLong(MAX_CHARS);
      if (error.status === 429 || error.status === 503) return error.message || this.t.busy;
      if (error.message) return error.message;
    }
    return this.t.error;
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.sendButton.disabled = busy;
    this.personButton.disabled = busy;
    this.sendButton.textContent = busy ? this.t.sending : this.t.send;
  }

  private fitInput(): void {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 120)}px`;
  }

  private announce(text: string): void {
    this.announcer.textContent = text;
  }

  private rememberSession(sessionId: string): void {
    this.sessionId = sessionId;
    safeStorage("session")?.setItem(SESSION_KEY, sessionId);
  }

  // --- the session after a page change, tickets and the agents' replies -----------------

  /** A session this tab already had (the shopper moved to another page): show it again. */
  private async restore(): Promise<void> {
    if (!this.sessionId) return;
    try {
      const view = await this.api.session(this.sessionId);
      if (!view) {
        this.sessionId = null;
        safeStorage("session")?.removeItem(SESSION_KEY);
        return;
      }
      for (const stored of view.messages) this.showStored(stored);
      if (view.tickets.length) this.setTicket(view.tickets[0]);
    } catch {
      // The conversation will still work; only its earlier messages are not shown.
    }
  }

  private showStored(stored: StoredMessage): void {
    if (stored.role === "agent") {
      if (this.seen.has(stored.id)) return;
      this.seen.add(stored.id);
    }
    const item = this.log.add(stored.role, "");
    if (stored.role === "assistant") this.log.finish(item, stored.content, stored.sources ?? []);
    else this.log.setText(item, stored.content);
  }

  private hasActiveTicket(): boolean {
    return this.ticket !== null && ACTIVE.has(this.ticket.status);
  }

  private setTicket(ticket: TicketState): void {
    const changed = !this.ticket || this.ticket.id !== ticket.id || this.ticket.status !== ticket.status;
    this.ticket = ticket;
    this.renderTicket();
    if (changed && ACTIVE.has(ticket.status)) this.schedulePoll();
  }

  private renderTicket(): void {
    const ticket = this.ticket;
    this.quick.hidden = this.hasActiveTicket();
    if (!ticket) {
      this.ticketBar.hidden = true;
      return;
    }
    const status = this.t.ticketStatus[ticket.status] ?? ticket.status;
    this.ticketBar.replaceChildren(h("strong", {}, this.t.ticket(ticket.id)), " ", status);
    this.ticketBar.dataset.status = ticket.status;
    this.ticketBar.hidden = false;
  }

  private schedulePoll(): void {
    window.clearTimeout(this.pollTimer);
    this.pollTimer = window.setTimeout(() => void this.poll(), POLL_MS);
  }

  /** While a person has the conversation, their replies and the ticket's status are fetched. */
  private async poll(): Promise<void> {
    window.clearTimeout(this.pollTimer);
    if (!this.sessionId) return;
    try {
      const view = await this.api.session(this.sessionId);
      if (view) {
        for (const stored of view.messages) {
          if (stored.role !== "agent" || this.seen.has(stored.id)) continue;
          this.showStored(stored);
          this.announce(`${this.t.newAgentMessage}: ${stored.content}`);
          if (this.panel.hidden) this.unread += 1;
        }
        this.updateBadge();
        if (view.tickets.length) {
          this.ticket = view.tickets[0];
          this.renderTicket();
        }
      }
    } catch {
      // Try again at the next tick.
    }
    if (this.hasActiveTicket() && document.visibilityState === "visible") this.schedulePoll();
  }

  private updateBadge(): void {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = this.unread ? String(this.unread) : "";
    this.launcher.setAttribute(
      "aria-label",
      this.unread ? `${this.t.open} (${this.unread} ${this.t.newAgentMessage})` : this.t.open,
    );
  }
}
