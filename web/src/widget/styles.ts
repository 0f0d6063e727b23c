// The widget's look, inside its shadow root so the shop's page styles cannot reach it.

export const STYLES = `
:host { all: initial; }
.kefu { --brand: #2f5d50; --brand-dark: #21443a; --ink: #1d2b27; --muted: #4a5a55;
  font: 15px/1.5 system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
  color: var(--ink); }
.kefu *, .kefu *::before, .kefu *::after { box-sizing: border-box; }
.sr { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
button { font: inherit; cursor: pointer; }
:focus-visible { outline: 3px solid #f0b429; outline-offset: 2px; }
.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: flex;
  align-items: center; gap: 8px; padding: 12px 18px; border: 0; border-radius: 28px;
  background: var(--brand); color: #fff; font-size: 16px; box-shadow: 0 6px 20px rgba(0,0,0,.25); }
.launcher:hover { background: var(--brand-dark); }
.launcher svg { width: 22px; height: 22px; fill: currentColor; }
.badge { min-width: 22px; padding: 0 6px; border-radius: 11px; background: #c62828; color: #fff;
  font-size: 13px; line-height: 22px; text-align: center; }
.panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483001; display: flex;
  flex-direction: column; width: 380px; max-width: calc(100vw - 40px); height: 600px;
  max-height: calc(100vh - 110px); background: #fff; border-radius: 14px; overflow: hidden;
  box-shadow: 0 12px 40px rgba(0,0,0,.28); }
.panel[hidden] { display: none; }
header { display: flex; align-items: center; gap: 8px; padding: 12px 12px 12px 16px;
  background: var(--brand); color: #fff; }
header .heading { flex: 1; min-width: 0; }
header h2 { margin: 0; font-size: 17px; font-weight: 600; }
header p { margin: 0; font-size: 13px; opacity: .9; }
header button { min-width: 40px; height: 40px; padding: 0 10px; border: 1px solid rgba(255,255,255,.55);
  border-radius: 8px; background: transparent; color: #fff; }
header button:hover { background: rgba(255,255,255,.15); }
header .close { font-size: 22px; line-height: 1; border-color: transparent; }
.ticket { margin: 0; padding: 8px 16px; background: #fff6dd; color: #5b4300; font-size: 14px;
  border-bottom: 1px solid #f0dfa8; }
.ticket[hidden] { display: none; }
.ticket strong { margin-right: 6px; }
.log { flex: 1; margin: 0; padding: 16px 12px; overflow-y: auto; list-style: none;
  background: #f6f8f7; overscroll-behavior: contain; }
.msg { display: flex; flex-direction: column; max-width: 86%; margin: 0 0 12px; }
.msg .who { font-size: 12px; color: var(--muted); margin: 0 4px 2px; }
.msg .who:empty { display: none; }
.msg .bubble { padding: 9px 12px; border-radius: 14px; white-space: pre-wrap; word-wrap: break-word;
  overflow-wrap: anywhere; }
.msg.shopper { margin-left: auto; align-items: flex-end; }
.msg.shopper .bubble { background: var(--brand); color: #fff; border-bottom-right-radius: 4px; }
.msg.assistant .bubble { background: #fff; border: 1px solid #dde5e2; border-bottom-left-radius: 4px; }
.msg.agent .bubble { background: #e8f0fb; border: 1px solid #c4d6f0; border-bottom-left-radius: 4px; }
.msg.notice .bubble { background: transparent; color: var(--muted); font-size: 13px; padding: 2px 4px; }
.msg.error .bubble { background: #fdecea; border: 1px solid #f5c2bd; color: #8a1c12; }
.typing { color: var(--muted); }
.typing::after { content: "…"; animation: blink 1.2s steps(3, end) infinite; }
@keyframes blink { 50% { opacity: .3; } }
.cite { color: #1f5a8a; font-size: 12px; vertical-align: super; text-decoration: none; padding: 0 1px; }
.cite:hover { text-decoration: underline; }
.sources { margin: 6px 4px 0; font-size: 13px; }
.sources h3 { margin: 0 0 2px; font-size: 12px; font-weight: 600; color: var(--muted); }
.sources ol { margin: 0; padding-left: 20px; }
.sources a { color: #1f5a8a; }
.actions { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 2px 0; }
.chip { padding: 5px 12px; border: 1px solid var(--brand); border-radius: 16px; background: #fff;
  color: var(--brand); font-size: 14px; }
.chip:hover { background: #e9f2ee; }
.rating fieldset { margin: 0; padding: 8px 10px; border: 1px solid #dde5e2; border-radius: 12px;
  background: #fff; }
.rating legend { float: left; width: 100%; padding: 0 0 4px; font-size: 14px; }
.rating .stars { clear: both; }
.stars { position: relative; display: inline-flex; gap: 2px; }
.stars input { position: absolute; opacity: 0; width: 1px; height: 1px; margin: 0; pointer-events: none; }
.stars label { font-size: 28px; line-height: 1; color: #7d8b86; cursor: pointer; padding: 2px; }
.stars label.on { color: #b07d00; }
.stars input:focus-visible + label { outline: 3px solid #f0b429; outline-offset: 1px; border-radius: 4px; }
.rating textarea { display: block; width: 100%; margin: 6px 0; padding: 6px 8px; font: inherit;
  border: 1px solid #b9c4c0; border-radius: 8px; resize: vertical; }
.rating .submit { padding: 6px 14px; border: 0; border-radius: 8px; background: var(--brand); color: #fff; }
.rating .submit:disabled { opacity: .5; cursor: default; }
.rating .status { margin: 4px 2px 0; font-size: 14px; }
.rating .status:empty { display: none; }
.rating .status.error { color: #8a1c12; }
.rating .thanks { padding: 8px 10px; border: 1px solid #dde5e2; border-radius: 12px; background: #fff; }
.quick { display: flex; gap: 6px; padding: 6px 12px 0; background: #fff; border-top: 1px solid #e3e9e7; }
.quick[hidden] { display: none; }
form.composer { display: flex; align-items: flex-end; gap: 8px; padding: 8px 12px 12px; background: #fff; }
.quick[hidden] + form.composer { border-top: 1px solid #e3e9e7; padding-top: 12px; }
textarea.input { flex: 1; min-height: 42px; max-height: 120px; padding: 9px 12px; font: inherit;
  color: var(--ink); border: 1px solid #b9c4c0; border-radius: 10px; resize: none; }
.send { height: 42px; padding: 0 16px; border: 0; border-radius: 10px; background: var(--brand); color: #fff; }
.send:disabled { opacity: .55; cursor: default; }
/* Phones, upright or sideways: the chat takes the whole screen, above the keyboard. */
@media (max-width: 480px), (max-height: 500px) {
  .panel { inset: 0; width: 100%; max-width: none; height: 100%; height: 100dvh; max-height: none;
    border-radius: 0; padding-bottom: env(safe-area-inset-bottom); }
  .kefu.is-open .launcher { display: none; }
  .launcher { right: 12px; bottom: 12px; }
  .msg { max-width: 92%; }
  textarea.input, .rating textarea { font-size: 16px; } /* no zoom-in on iOS */
}
@media (prefers-reduced-motion: reduce) { .typing::after { animation: none; } }
`;
