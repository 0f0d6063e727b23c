// The conversation as the shopper sees it: bubbles, cited sources, offers and the rating.

import type { Source } from "./api";
import { h } from "./dom";
import type { Strings } from "./strings";

export type Speaker = "shopper" | "assistant" | "agent";

export function sourceHref(base: string, source: Source, lang: string): string {
  const path = source.url ?? `/sources/${encodeURIComponent(source.chunk_id)}`;
  const url = new URL(path, base);
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

  add(speaker: Speaker | "notice" | "error", text: string): HTMLLIElement {
    const t = this.strings();
    const who = { shopper: t.you, assistant: t.bot, agent: t.agent, notice: "", error: "" }[speaker];
    const item = h(
      "li",
      { class: `msg ${speaker}`, "data-role": speaker },
      who ? h("span", { class: "who" }, who) : null,
      h("div", { class: "bubble" }, text),
    );
    this.element.append(item);
    this.scroll();
    return item;
  }

  /** A bot bubble that shows it is typing until the first token arrives. */
  pending(): HTMLLIElement {
    const item = this.add("assistant", "");
    item.setAttribute("aria-busy", "true");
    const bubble = bubbleOf(item);
    bubble.append(h("span", { class: "typing" }, h("span", { class: "sr" }, this.strings().typing)));
    return item;
  }

  setText(item: HTMLLIElement, text: string): void {
    bubbleOf(item).textContent = text;
    this.scroll();
  }

  /** The final answer: its [n] markers become links to the cited passages, listed below it. */
  finish(item: HTMLLIElement, text: string, sources: Source[]): void {
    item.removeAttribute("aria-busy");
    const bubble = bubbleOf(item);
    bubble.replaceChildren(...this.withCitations(text, sources));
    if (sources.length) {
      const t = this.strings();
      const list = h("ol", {});
      sources.forEach((source, i) => {
        list.append(
          h(
            "li",
            {},
            h(
              "a",
              {
                href: sourceHref(this.base, source, this.lang()),
                target: "_blank",
                rel: "noopener",
                "aria-label": t.sourceLink(i + 1, sourceName(source)),
              },
              sourceName(source),
            ),
          ),
        );
      });
      item.append(h("div", { class: "sources" }, h("h3", {}, t.sources), list));
    }
    this.scroll();
  }

  private withCitations(text: string, sources: Source[]): Node[] {
    const nodes: Node[] = [];
    let last = 0;
    for (const match of text.matchAll(/\[(\d{1,2})\]/g)) {
      const n = Number(match[1]);
      const source = sources[n - 1];
      if (!source || match.index === undefined) continue;
      nodes.push(document.createTextNode(text.slice(last, match.index)));
      nodes.push(
        h(
          "a",
          {
            class: "cite",
            href: sourceHref(this.base, source, this.lang()),
            target: "_blank",
            rel: "noopener",
            "aria-label": this.strings().sourceLink(n, sourceName(source)),
          },
          `[${n}]`,
        ),
      );
      last = match.index + match[0].length;
    }
    nodes.push(document.createTextNode(text.slice(last)));
    return nodes;
  }

  /** Buttons under a message (e.g. the offer of a person), removed once one is used. */
  offer(item: HTMLLIElement, label: string, act: () => void): void {
    const button = h("button", { type: "button", class: "chip" }, label);
    const row = h("div", { class: "actions" }, button);
    button.addEventListener("click", () => {
      row.remove();
      act();
    });
    item.append(row);
    this.scroll();
  }

  clear(): void {
    this.element.replaceChildren();
  }

  scroll(): void {
    this.element.scrollTop = this.element.scrollHeight;
  }
}

function bubbleOf(item: HTMLLIElement): HTMLElement {
  return item.querySelector(".bubble") as HTMLElement;
}
