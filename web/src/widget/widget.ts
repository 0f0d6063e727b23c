// The chat widget: a launcher button and a non-modal chat panel in a shadow root.

import { ApiError, ShopperApi, type AgentMessage, type Done, type RatingPrompt, type StoredMessage, type TicketState } from "./api";
import { ChatLog } from "./chat-log";
import { rememberLang, safeStorage, type WidgetConfig } from "./config";
import { h } from "./dom";
import { ratingForm } from "./rating";
import type { StreamEvent } from "./sse";
import { STRINGS, langOf, localeOf, type Lang, type Strings } from "./strings";
import { STYLES } from "./styles";

const SESSION_KEY = "kefu.session";
const OPEN_KEY = "kefu.open";
const POLL_MS = 4000; // while people have the conversation
const POLL_MAX_MS = 60_000; // backing off while the server cannot be reached
const IDLE_MS = 120_000; // a turn that sends nothing for this long is given up
const MAX_CHARS = 2000;
const BUSY_RETRIES = 4; // tries of a turn the server is too busy to take (429 server_busy)
const MAX_BUSY_WAIT_SECONDS = 30;
const ACTIVE = new Set(["open", "pending"]);

const CHAT_ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2Zm3 6v2h2V9H7Zm4 0v2h2V9h-2Zm4 0v2h2V9h-2Z"/></svg>';

/** Thrown into a stream that sent nothing for IDLE_MS. */
class StalledTurn extends Error {}

export class Widget {
  private lang: Lang;
  private sessionId: string | null;
  private readonly api: ShopperApi;
  private readonly seen = new Set<number>(); // agent messages already shown
  private lastMessageId = 0; // the newest stored message shown; polls ask for later ones
  private ticket: TicketState | null = null;
  private ticketVersion = 0; // bumped by the stream's ticket events, so an older poll cannot undo one
  private busy = false;
  private pendingBubble: HTMLLIElement | null = null;
  private unread = 0;
  private pollTimer: number | undefined;
  private pollDelay = POLL_MS;

  private readonly shadow: ShadowRoot;
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
  private welcome: HTMLLIElement | null = null;

  constructor(private readonly config: WidgetConfig, host: HTMLElement) {
    this.lang = config.lang;
    this.sessionId = safeStorage("session")?.getItem(SESSION_KEY) ?? null;
    this.api = new ShopperApi(config.base, () => localeOf(this.lang));

    this.shadow = host.attachShadow({ mode: "open" });
    this.shadow.append(h("style", {}, STYLES));
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
    // Not a live region: streamed pieces would each be read out. Finished answers, agents'
    // replies and errors are announced once, by the announcer below.
    const logList = h("ol", { class: "log", "aria-labelledby": "kefu-title" });
    this.log = new ChatLog(logList, () => this.t, config.base, () => this.lang);
    // Outside the panel, so it speaks while the panel is closed too.
    this.announcer = h("div", { class: "sr", "aria-live": "polite", "aria-atomic": "true" });
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
      this.quick,
      this.form,
    );
    this.root = h("div", { class: "kefu" }, this.launcher, this.panel, this.announcer);
    this.shadow.append(this.root);

    this.launcher.addEventListener("click", () => this.toggle());
    this.closeButton.addEventListener("click", () => this.close());
    this.langButton.addEventListener("click", () => this.setLanguage(this.lang === "zh" ? "en" : "zh"));
    this.personButton.addEventListener("click", () => void this.send(this.t.talkToPersonMessage));
    this.panel.addEventListener("keydown", (event) => {
      if (composing(event)) return; // Escape or Enter that belongs to a Chinese input method
      if (event.key === "Escape") this.close();
    });
    this.input.addEventListener("keydown", (event) => {
      if (composing(event)) return;
      if (event.key === "Enter" && !event.shiftKey) {
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
      if (document.visibilityState === "visible" && this.hasActiveTicket()) void this.poll();
    });

    this.applyStrings();
    void this.restore().then(() => {
      // Reopened on the next page as the shopper left it, without taking the page's focus.
      if (config.startOpen || safeStorage("session")?.getItem(OPEN_KEY) === "1") this.open({ focus: false });
    });
  }

  private get t(): Strings {
    return STRINGS[this.lang];
  }

  // --- opening, closing, language -------------------------------------------------------

  toggle(): void {
    if (this.panel.hidden) this.open({ focus: true });
    else this.close();
  }

  open({ focus }: { focus: boolean }): void {
    this.panel.hidden = false;
    this.root.classList.add("is-open");
    this.launcher.setAttribute("aria-expanded", "true");
    safeStorage("session")?.setItem(OPEN_KEY, "1");
    if (!this.log.element.childElementCount) {
      this.welcome = this.log.add("assistant", this.t.welcome);
    }
    this.unread = 0;
    this.updateBadge();
    this.log.scroll();
    if (focus) this.input.focus();
  }

  close(): void {
    if (this.panel.hidden) return;
    const hadFocus = this.shadow.activeElement !== null;
    this.panel.hidden = true;
    this.root.classList.remove("is-open");
    this.launcher.setAttribute("aria-expanded", "false");
    safeStorage("session")?.removeItem(OPEN_KEY);
    if (hadFocus) this.launcher.focus(); // only when the shopper was in the chat
  }

  /** 'zh', 'zh-CN', 'en', 'en-GB'...; anything else is ignored. */
  setLanguage(locale: string): void {
    const lang = langOf(locale);
    if (!lang) return;
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
    this.log.relabel();
    if (this.welcome?.isConnected) this.log.setText(this.welcome, t.welcome);
    this.renderTicket();
    this.updateBadge();
  }

  // --- a turn ---------------------------------------------------------------------------

  /** Sends one message and shows the streamed answer; false when nothing was sent. */
  async send(raw: string): Promise<boolean> {
    const message = raw.trim();
    if (!message || this.busy) return false;
    if (message.length > MAX_CHARS) {
      this.fail(this.t.tooLong(MAX_CHARS));
      return false;
    }
    const inChat = this.shadow.activeElement !== null;
    this.input.value = "";
    this.fitInput();
    this.setBusy(true);
    this.log.add("shopper", message);
    let bubble = this.log.pending();
    this.pendingBubble = bubble;
    let text = "";
    let done: Done | null = null;
    let rating: RatingPrompt | null = null;
    const controller = new AbortController();
    let idle = window.setTimeout(() => controller.abort(new StalledTurn()), IDLE_MS);
    try {
      const events = this.chatWhenServed(
        { message, session_id: this.sessionId, customer_id: this.config.customerId, locale: localeOf(this.lang) },
        controller.signal,
        (notice) => {
          window.clearTimeout(idle); // waiting our turn is no stall
          idle = window.setTimeout(() => controller.abort(new StalledTurn()), IDLE_MS);
          this.log.setText(bubble, notice);
        },
      );
      for await (const { name, data } of events) {
        window.clearTimeout(idle);
        idle = window.setTimeout(() => controller.abort(new StalledTurn()), IDLE_MS);
        if (name === "session") {
          this.rememberSession((data as { session_id: string }).session_id);
        } else if (name === "agent_message") {
          // A person's reply the stream had not shown: it belongs before this answer.
          this.showAgentReply(data as AgentMessage);
        } else if (name === "token") {
          text += (data as { text: string }).text;
          bubble.removeAttribute("aria-busy");
          this.log.setText(bubble, text);
        } else if (name === "ticket") {
          this.ticketVersion += 1;
          this.setTicket(data as TicketState);
        } else if (name === "rating") {
          rating = data as RatingPrompt;
        } else if (name === "done") {
          done = data as Done;
        } else if (name === "error") {
          const failure = data as { message?: string };
          bubble.remove();
          bubble = this.fail(failure.message || this.t.error);
        }
      }
    } catch (error) {
      // A connection lost after the last event leaves the answer as it is.
      if (!done) {
        bubble.remove();
        this.fail(controller.signal.reason instanceof StalledTurn ? this.t.timedOut : this.failureText(error));
      }
    } finally {
      window.clearTimeout(idle);
      this.pendingBubble = null;
      this.setBusy(false);
    }
    if (done) this.finishTurn(bubble, done, rating);
    else if (bubble.isConnected && bubble.classList.contains("assistant")) {
      bubble.remove(); // the stream ended without its last event
      this.fail(this.t.error);
    }
    if (inChat && !this.panel.hidden) this.input.focus(); // back to typing, if that is where they were
    return true;
  }

  private finishTurn(bubble: HTMLLIElement, done: Done, rating: RatingPrompt | null): void {
    this.log.finish(bubble, done.answer, done.sources ?? [], done.lang);
    this.announce(`${this.t.answerReady} ${done.answer.replace(/\[\d{1,2}\]/g, "")}`);
    if (done.ticket_id !== null && done.ticket_id !== undefined && this.ticket?.id !== done.ticket_id) {
      this.ticketVersion += 1;
      this.setTicket({ id: done.ticket_id, status: "open" });
    }
    if (done.handoff && !this.hasActiveTicket()) {
      this.log.offer(bubble, this.t.talkToPerson, () => this.send(this.t.talkToPersonMessage));
    }
    if (rating) {
      const item = this.log.add("assistant", "");
      item.querySelector(".bubble")?.replaceWith(
        ratingForm(rating, this.t, (score, comment) => this.api.rate(rating.feedback_url, score, comment)),
      );
      this.log.scroll();
    }
  }

  /** The turn's events; while the server is too busy to take it (429 server_busy), says so
   * in the bubble and asks again when the server says, a few times. */
  private async *chatWhenServed(
    body: Parameters<ShopperApi["chat"]>[0],
    signal: AbortSignal,
    notice: (text: string) => void,
  ): AsyncGenerator<StreamEvent> {
    for (let attempt = 1; ; attempt++) {
      try {
        yield* this.api.chat(body, signal);
        return;
      } catch (error) {
        const busy = error instanceof ApiError && error.status === 429 && error.code === "server_busy";
        if (!busy || attempt >= BUSY_RETRIES) throw error;
        notice(error.message || this.t.busy);
        const seconds = Math.min(error.retryAfter ?? 5, MAX_BUSY_WAIT_SECONDS);
        await new Promise((resolve) => window.setTimeout(resolve, seconds * 1000));
        if (signal.aborted) throw error;
      }
    }
  }

  /** An error line in the conversation, announced. */
  private fail(text: string): HTMLLIElement {
    this.announce(text);
    return this.log.add("error", text);
  }

  private failureText(error: unknown): string {
    if (error instanceof ApiError) {
      if (error.message) return error.message; // the server's own words, in our language
      if (error.status === 413) return this.t.tooLong(MAX_CHARS);
      if (error.status === 429 || error.status === 503) return this.t.busy;
    }
    return this.t.error;
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.sendButton.disabled = busy;
    this.personButton.disabled = busy;
    this.log.setOffersEnabled(!busy);
    this.sendButton.textContent = busy ? this.t.sending : this.t.send;
  }

  private fitInput(): void {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 120)}px`;
  }

  /** Said once by screen readers; the same words again are said again. */
  private announce(text: string): void {
    this.announcer.textContent = "";
    window.setTimeout(() => (this.announcer.textContent = text), 50);
  }

  private rememberSession(sessionId: string): void {
    this.sessionId = sessionId;
    safeStorage("session")?.setItem(SESSION_KEY, sessionId);
  }

  private forgetSession(): void {
    this.sessionId = null;
    this.ticket = null;
    this.lastMessageId = 0;
    safeStorage("session")?.removeItem(SESSION_KEY);
    this.renderTicket();
  }

  // --- the session after a page change, tickets and the agents' replies -----------------

  /** A session this tab already had (the shopper moved to another page): show it again. */
  private async restore(): Promise<void> {
    if (!this.sessionId) return;
    try {
      const view = await this.api.session(this.sessionId);
      if (!view) {
        this.forgetSession();
        return;
      }
      for (const stored of view.messages) this.showStored(stored);
      if (view.tickets.length) this.setTicket(view.tickets[0]);
    } catch {
      // The conversation still works; only its earlier messages are not shown.
    }
  }

  private showStored(stored: StoredMessage): void {
    this.lastMessageId = Math.max(this.lastMessageId, stored.id);
    if (stored.role === "agent") {
      this.showAgentReply({ id: stored.id, text: stored.content, created_at: stored.created_at });
      return;
    }
    const item = this.log.add(stored.role, "");
    if (stored.role === "assistant") this.log.finish(item, stored.content, stored.sources ?? []);
    else this.log.setText(item, stored.content);
  }

  /** A person's reply, shown once whichever way it came (stream or poll), before a running turn. */
  private showAgentReply(reply: AgentMessage): boolean {
    if (this.seen.has(reply.id)) return false;
    this.seen.add(reply.id);
    this.lastMessageId = Math.max(this.lastMessageId, reply.id);
    const item = this.log.add("agent", reply.text);
    this.pendingBubble?.previousElementSibling?.before(item); // before the question being answered
    this.log.scroll();
    return true;
  }

  private hasActiveTicket(): boolean {
    return this.ticket !== null && ACTIVE.has(this.ticket.status);
  }

  private setTicket(ticket: TicketState): void {
    const changed = this.ticket?.id !== ticket.id || this.ticket?.status !== ticket.status;
    this.ticket = ticket;
    this.renderTicket();
    if (changed && ACTIVE.has(ticket.status)) {
      this.pollDelay = POLL_MS;
      this.schedulePoll();
    }
  }

  private renderTicket(): void {
    const ticket = this.ticket;
    const active = this.hasActiveTicket();
    this.quick.hidden = active;
    if (active) this.log.removeOffers();
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
    this.pollTimer = window.setTimeout(() => void this.poll(), this.pollDelay);
  }

  /** While people have the conversation, their replies and the ticket's status are fetched. */
  private async poll(): Promise<void> {
    window.clearTimeout(this.pollTimer);
    if (!this.sessionId) return;
    const version = this.ticketVersion;
    try {
      const view = await this.api.session(this.sessionId, this.lastMessageId);
      if (!view) {
        this.forgetSession(); // erased, or expired by the shop's retention
        return;
      }
      const fresh: string[] = [];
      for (const stored of view.messages) {
        if (stored.role === "agent" && this.showAgentReply({ id: stored.id, text: stored.content, created_at: stored.created_at })) {
          fresh.push(stored.content);
        }
        this.lastMessageId = Math.max(this.lastMessageId, stored.id);
      }
      if (fresh.length) {
        this.announce(`${this.t.newAgentMessage}: ${fresh.join(" ")}`);
        if (this.panel.hidden) this.unread += fresh.length;
        this.updateBadge();
      }
      if (view.tickets.length && version === this.ticketVersion) {
        this.ticket = view.tickets[0];
        this.renderTicket();
      }
      this.pollDelay = POLL_MS;
    } catch {
      this.pollDelay = Math.min(this.pollDelay * 2, POLL_MAX_MS);
    }
    if (this.hasActiveTicket() && document.visibilityState === "visible") this.schedulePoll();
  }

  private updateBadge(): void {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = this.unread ? String(this.unread) : "";
    this.launcher.setAttribute("aria-label", this.unread ? `${this.t.open} (${this.t.unread(this.unread)})` : this.t.open);
  }
}

/** A key press that an input method (pinyin, zhuyin...) is using to compose characters. */
function composing(event: KeyboardEvent): boolean {
  return event.isComposing || event.keyCode === 229;
}
