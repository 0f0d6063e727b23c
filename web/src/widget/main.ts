// Kefu's chat widget. One tag embeds it in any page:
//   <script src="https://kefu.example.com/widget.js" defer></script>
// Optional attributes: data-locale="zh-CN|en", data-customer-id, data-title, data-open="true",
// data-api (where Kefu is, when the script is served from elsewhere).

import { readConfig } from "./config";
import type { Lang } from "./strings";
import { Widget } from "./widget";

declare global {
  interface Window {
    Kefu?: { open(): void; close(): void; setLanguage(lang: Lang): void; send(message: string): Promise<void> };
    kefuLoaded?: boolean;
  }
}

(() => {
  if (window.kefuLoaded) return; // the tag is on the page twice
  window.kefuLoaded = true;
  const config = readConfig(document.currentScript as HTMLScriptElement | null);
  const start = () => {
    const host = document.createElement("div");
    host.id = "kefu-widget";
    document.body.append(host);
    const widget = new Widget(config, host);
    window.Kefu = {
      open: () => widget.open(),
      close: () => widget.close(),
      setLanguage: (lang) => widget.setLanguage(lang),
      send: (message) => widget.send(message),
    };
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
