// What the embedding page says about the widget: the attributes of its script tag.
//
//   <script src="https://kefu.example.com/widget.js" data-locale="zh-CN"
//           data-customer-id="c-1001" defer></script>

import { langOf, type Lang } from "./strings";

export interface WidgetConfig {
  base: string; // where Kefu's API is: the script's own origin unless data-api says otherwise
  lang: Lang;
  customerId: string | null;
  title: string | null;
  startOpen: boolean;
}

const LANG_KEY = "kefu.lang";

/** The tag that loaded the widget: currentScript, or (loaded by a tag manager) the tag by name. */
export function ownScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement) return current;
  return document.querySelector<HTMLScriptElement>('script[src*="widget.js"]');
}

export function readConfig(script: HTMLScriptElement | null): WidgetConfig {
  const data = script?.dataset ?? {};
  const base = data.api || (script?.src ? new URL(script.src, location.href).origin : location.origin);
  return {
    base: base.endsWith("/") ? base : `${base}/`,
    lang: initialLang(data.locale),
    customerId: data.customerId || null,
    title: data.title || null,
    startOpen: data.open === "true",
  };
}

/** The shopper's own choice first, then the page's language, then the browser's. */
function initialLang(attribute: string | undefined): Lang {
  return (
    langOf(safeStorage()?.getItem(LANG_KEY)) ??
    langOf(attribute) ??
    langOf(document.documentElement.lang) ??
    langOf(navigator.language) ??
    "en"
  );
}

export function rememberLang(lang: Lang): void {
  safeStorage()?.setItem(LANG_KEY, lang);
}

/** localStorage, or null where the page forbids it (sandboxed frames, strict privacy modes). */
export function safeStorage(kind: "local" | "session" = "local"): Storage | null {
  try {
    return kind === "local" ? window.localStorage : window.sessionStorage;
  } catch {
    return null;
  }
}
