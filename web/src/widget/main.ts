// Kefu's chat widget. One tag embeds it in any page:
//   <script src="https://kefu.example.com/widget.js" defer></script>
// Optional attributes: data-locale="zh-CN|en", data-customer-id, data-title, data-open="true",
// data-api (where Kefu is, when the script is served from elsewhere).

import { ownScript, readConfig } from "./config";
import { Widget } from "./widget";

declare global {
  interface Window {
    Kefu?: { open(): void; close(): void; setLanguage(locale: string): void; send(message: string): Promise<boolean> };
    kefuLoaded?: boolean;
  }
}

(() => {
  if (window.kefuLoaded) return; // the tag is on the page twice
  window.kefuLoaded = true;
  const config = readConfig(ownScript());
  const start = () => {
    const host = document.createElement("div");
    host.id = "kefu-widget";
    document.body.append(host);
    const widget = new Widget(config, host);
    window.Kefu = {
      open: () => widget.open({ focus: true }),
      close: () => widget.close(),
      setLanguage: (locale) => widget.setLanguage(locale),
      send: (message) => widget.send(message),
    };
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
