// Kefu chat widget: one script tag (<script src=".../widget.js" defer></script>) embeds it.
(() => {
  const script = document.currentScript;
  const base = script ? new URL(script.src).origin : location.origin;
  const lang = (script && script.dataset.locale) || document.documentElement.lang || navigator.language || "en";
  const zh = lang.toLowerCase().startsWith("zh");
  const T = zh
    ? { open: "在线客服", title: "客服助手", placeholder: "请输入您的问题…", send: "发送", sources: "来源", error: "抱歉，出错了，请稍后再试。", thanks: "感谢您的评价！", star: "分" }
    : { open: "Chat with us", title: "Customer service", placeholder: "Type your question…", send: "Send", sources: "Sources", error: "Sorry, something went wrong. Please try again.", thanks: "Thank you for your rating!", star: "out of 5" };
  let sessionId = sessionStorage.getItem("kefu.session") || null;

  const root = document.createElement("div");
  root.innerHTML = `
    <button id="kefu-open" aria-expanded="false">${T.open}</button>
    <section id="kefu-panel" role="dialog" aria-label="${T.title}" hidden>
      <h2>${T.title}</h2>
      <ol id="kefu-log" aria-live="polite"></ol>
      <form id="kefu-form"><label for="kefu-input" class="kefu-sr">${T.placeholder}</label>
        <input id="kefu-input" autocomplete="off" placeholder="${T.placeholder}" maxlength="2000">
        <button type="submit">${T.send}</button></form>
    </section>`;
  const style = document.createElement("style");
  style.textContent = `
    #kefu-open{position:fixed;right:1rem;bottom:1rem;padding:.8rem 1.2rem;border-radius:2rem;border:0;background:#2f5d50;color:#fff;font-size:1rem;cursor:pointer}
    #kefu-panel{position:fixed;right:1rem;bottom:4.5rem;width:min(24rem,calc(100vw - 2rem));height:min(32rem,calc(100vh - 6rem));display:flex;flex-direction:column;background:#fff;border:1px solid #ccc;border-radius:.8rem;box-shadow:0 4px 24px #0003;font-family:system-ui,sans-serif}
    #kefu-panel[hidden]{display:none}
    #kefu-panel h2{margin:0;padding:.7rem 1rem;font-size:1rem;background:#2f5d50;color:#fff;border-radius:.8rem .8rem 0 0}
    #kefu-log{flex:1;overflow:auto;list-style:none;margin:0;padding:.8rem}
    #kefu-log li{margin:.4rem 0;padding:.5rem .7rem;border-radius:.6rem;white-space:pre-wrap;max-width:85%}
    #kefu-log li.me{background:#e3efe9;margin-left:auto}
    #kefu-log li.bot{background:#f3f3f3}
    #kefu-log small{display:block;color:#555;margin-top:.3rem}
    #kefu-form{display:flex;gap:.4rem;padding:.6rem;border-top:1px solid #eee}
    #kefu-input{flex:1;padding:.5rem;font-size:1rem}
    .kefu-rating button{margin:.3rem .2rem 0 0;padding:.2rem .55rem;border:1px solid #2f5d50;border-radius:.4rem;background:#fff;color:#2f5d50;cursor:pointer}
    .kefu-sr{position:absolute;left:-9999px}`;
  document.head.appendChild(style);
  document.body.appendChild(root);
  const $ = (id) => root.querySelector(id);
  const log = $("#kefu-log");

  $("#kefu-open").addEventListener("click", () => {
    const panel = $("#kefu-panel");
    panel.hidden = !panel.hidden;
    $("#kefu-open").setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) $("#kefu-input").focus();
  });

  function add(cls, text) {
    const li = document.createElement("li");
    li.className = cls;
    li.textContent = text;
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }

  // The end-of-conversation rating: five buttons that post the shopper's score once.
  function askRating(payload) {
    const li = add("bot kefu-rating", payload.prompt);
    const row = document.createElement("div");
    for (const score of payload.scale) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = String(score);
      button.setAttribute("aria-label", `${score} ${T.star}`);
      button.addEventListener("click", async () => {
        row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
        try {
          const response = await fetch(`${base}${payload.feedback_url}`, {
            method: "POST",
            headers: { "Content-Type": "application/json", "Accept-Language": zh ? "zh-CN" : "en" },
            body: JSON.stringify({ rating: score }),
          });
          row.replaceWith(document.createTextNode(response.ok ? `\n${T.thanks}` : `\n${T.error}`));
        } catch (err) {
          row.replaceWith(document.createTextNode(`\n${T.error}`));
        }
      });
      row.appendChild(button);
    }
    li.appendChild(row);
  }

  $("#kefu-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#kefu-input");
    const message = input.value.trim();
    if (!message) return;
    input.value = "";
    add("me", message);
    const bubble = add("bot", "…");
    let text = "";
    try {
      const response = await fetch(`${base}/v1/chat/stream`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept-Language": zh ? "zh-CN" : "en" },
        body: JSON.stringify({ message, session_id: sessionId, locale: zh ? "zh-CN" : "en" }),
      });
      if (!response.ok || !response.body) throw new Error(String(response.status));
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const blocks = buffer.split(/\r?\n\r?\n/);
        buffer = blocks.pop();
        for (const block of blocks) {
          const name = (block.match(/^event: ?(.*)$/m) || [])[1];
          const data = block.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
          if (!name || !data) continue;
          const payload = JSON.parse(data);
          if (name === "session") { sessionId = payload.session_id; sessionStorage.setItem("kefu.session", sessionId); }
          if (name === "token") { text += payload.text; bubble.textContent = text; }
          if (name === "error") { bubble.textContent = payload.message || T.error; }
          if (name === "rating") { askRating(payload); }
          if (name === "done" && payload.sources.length) {
            const small = document.createElement("small");
            small.textContent = `${T.sources}: ` + payload.sources.map((s, i) => `[${i + 1}] ${s.title}`).join("  ");
            bubble.appendChild(small);
          }
        }
        log.scrollTop = log.scrollHeight;
      }
    } catch (err) {
      bubble.textContent = T.error;
    }
  });
})();
