// The conversation as the shopper sees it: bubbles, cited sources, offers and the rating.

import type { Source } from "./api";
import { h } from "./dom";
import { langOfText, localeOf, type Strings } from "./strings";

export type Speaker = "shopper" | "assistant" | "agent";
type Kind = Speaker | "notice" | "error";

/** Where a source link goes: the cited passage's page on Kefu, and never another scheme. */
export function sourceHref(base: string, source: Source, lang: string): string {
  const fallback = `sources/${encodeURIComponent(source.chunk_id)}`;
  let url = new URL((source.url ?? fallback).replace(/^\/+/, ""), base);
  if (url.protocol !== "http:" && url.protocol !== "https:") url = new URL(fallback, base);
  url.searchParams.set("lang", lang);
  return url.toString();
}

/** The document's title, with the section's heading when it says more. */
export function sourceName(source: Source): string {
  const title = source.title || source.document;
  const heading = source.heading?.trim();
  return heading && heading !== title ? `${title} · ${heading}` : title;
}

export class ChatLog {
  constructor(
    readonly element: HTMLOListElement,
    private readonly strings: () => Strings,
    private readonly base: string,
    private readonly lang: () => string,
  ) {}

  add(kind: Kind, text: string): HTMLLIElement {
    const item = h("li", { class: `msg ${kind}`, "data-role": kind }, h("span", { class: "who" }), h("div", { class: "bubble" }));
    this.label(item);
    this.element.append(item);
    this.setText(item, text);
    return item;
  }

  /** A bot bubble that shows it is typing until the first token arrives. */
  pending(): HTMLLIElement {
    const item = this.add("assistant", "");
    item.setAttribute("aria-busy", "true");
    bubbleOf(item).append(h("span", { class: "typing" }, h("span", { class: "sr" }, this.strings().typing)));
    return item;
  }

  setText(item: HTMLLIElement, text: string): void {
    bubbleOf(item).textContent = text;
    if (text) item.lang = localeOf(langOfText(text));
    this.scroll();
  }

  /** The final answer: its [n] markers become links to the cited passages, listed below it. */
  finish(item: HTMLLIElement, text: string, sources: Source[], lang?: string): void {
    item.removeAttribute("aria-busy");
    bubbleOf(item).replaceChildren(...this.withCitations(text, sources));
    item.lang = localeOf(lang === "zh" || lang === "en" ? lang : langOfText(text));
    if (sources.length) {
      const t = this.strings();
      const list = h("ol", {});
      sources.forEach((source, i) => {
        list.append(h("li", {}, this.link(source, t.sourceLink(i + 1, sourceName(source)), sourceName(source))));
      });
      item.append(h("div", { class: "sources", lang: localeOf(this.lang() === "zh" ? "zh" : "en") }, h("h3", {}, t.sources), list));
    }
    this.scroll();
  }

  private link(source: Source, label: string, text: string, cls?: string): HTMLAnchorElement {
    return h("a", { class: cls, href: sourceHref(this.base, source, this.lang()), target: "_blank", rel: "noopener", "aria-label": label }, text);
  }

  private withCitations(text: string, sources: Source[]): Node[] {
    const nodes: Node[] = [];
    let last = 0;
    for (const match of text.matchAll(/\[(\d{1,2})\]/g)) {
      const n = Number(match[1]);
      const source = sources[n - 1];
      if (!source || match.index === undefined) continue;
      nodes.push(document.createTextNode(text.slice(last, match.index)));
      nodes.push(this.link(source, this.strings().sourceLink(n, sourceName(source)), `[${n}]`, "cite"));
      last = match.index + match[0].length;
    }
    nodes.push(document.createTextNode(text.slice(last)));
    return nodes;
  }

  /** A button under a message (the offer of a person); it goes once its action has run. */
  offer(item: HTMLLIElement, label: string, act: () => Promise<boolean>): void {
    const button = h("button", { type: "button", class: "chip" }, label);
    const row = h("div", { class: "actions" }, button);
    button.addEventListener("click", async () => {
      if (await act()) row.remove();
    });
    item.append(row);
    this.scroll();
  }

  /** Offers made earlier: disabled while a turn runs, gone once people have the chat. */
  setOffersEnabled(enabled: boolean): void {
    this.element.querySelectorAll<HTMLButtonElement>(".actions button").forEach((b) => (b.disabled = !enabled));
  }

  removeOffers(): void {
    this.element.querySelectorAll(".actions").forEach((row) => row.remove());
  }

  /** The speakers' names again, after a change of language. */
  relabel(): void {
    this.element.querySelectorAll<HTMLLIElement>("li.msg").forEach((item) => this.label(item));
  }

  private label(item: HTMLLIElement): void {
    const t = this.strings();
    const names: Record<string, string> = { shopper: t.you, assistant: t.bot, agent: t.agent };
    const who = item.querySelector(".who");
    if (who) who.textContent = names[item.dataset.role ?? ""] ?? "";
  }

  scroll(): void {
    this.element.scrollTop = this.element.scrollHeight;
  }
}

function bubbleOf(item: HTMLLIElement): HTMLElement {
  return item.querySelector(".bubble") as HTMLElement;
}
