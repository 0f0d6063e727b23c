// Every text the shopper sees, in Chinese and English.

export type Lang = "zh" | "en";

export interface Strings {
  open: string;
  close: string;
  title: string;
  subtitle: string;
  welcome: string;
  placeholder: string;
  inputLabel: string;
  send: string;
  sending: string;
  typing: string;
  you: string;
  bot: string;
  agent: string;
  sources: string;
  sourceLink: (n: number, title: string) => string;
  error: string;
  tooLong: (limit: number) => string;
  busy: string;
  talkToPerson: string;
  talkToPersonMessage: string;
  ticket: (id: number) => string;
  ticketStatus: Record<string, string>;
  rateLegend: string;
  star: (n: number) => string;
  comment: string;
  submitRating: string;
  thanks: string;
  switchLanguage: string;
  languageName: string;
  newAgentMessage: string;
  unread: (n: number) => string;
  answerReady: string;
  timedOut: string;
}

const zh: Strings = {
  open: "在线客服",
  close: "关闭客服窗口",
  title: "客服助手",
  subtitle: "智能助手 · 可转人工",
  welcome: "您好！我是客服助手，可以回答退换货、配送、支付、订单等问题。需要时也可以为您转接人工客服。",
  placeholder: "请输入您的问题…",
  inputLabel: "您的问题",
  send: "发送",
  sending: "发送中…",
  typing: "客服助手正在输入…",
  you: "您",
  bot: "客服助手",
  agent: "人工客服",
  sources: "参考来源",
  sourceLink: (n, title) => `来源 ${n}：${title}（在新窗口打开）`,
  error: "抱歉，出错了，请稍后再试。",
  tooLong: (limit) => `消息太长了，请不要超过 ${limit} 个字。`,
  busy: "当前咨询人数较多，请稍后再试。",
  talkToPerson: "转人工客服",
  talkToPersonMessage: "转人工",
  ticket: (id) => `工单 #${id}`,
  ticketStatus: {
    open: "已转交人工客服，请稍候，回复会显示在这里",
    pending: "客服已回复，等待您的答复",
    resolved: "已解决",
    closed: "已关闭",
  },
  rateLegend: "请为本次服务打分",
  star: (n) => `${n} 星`,
  comment: "留言（可选）",
  submitRating: "提交评价",
  thanks: "感谢您的评价！",
  switchLanguage: "Switch to English",
  languageName: "EN",
  newAgentMessage: "人工客服发来新消息",
  unread: (n) => `${n} 条新消息`,
  answerReady: "客服助手回复：",
  timedOut: "回复时间过长，请重新发送您的问题。",
};

const en: Strings = {
  open: "Chat with us",
  close: "Close the chat",
  title: "Customer service",
  subtitle: "Assistant · people on hand",
  welcome: "Hi! I can answer questions about returns, shipping, payment and orders, and hand you over to a person whenever you like.",
  placeholder: "Type your question…",
  inputLabel: "Your question",
  send: "Send",
  sending: "Sending…",
  typing: "The assistant is typing…",
  you: "You",
  bot: "Assistant",
  agent: "Support agent",
  sources: "Sources",
  sourceLink: (n, title) => `Source ${n}: ${title} (opens in a new window)`,
  error: "Sorry, something went wrong. Please try again.",
  tooLong: (limit) => `That message is too long: please keep it under ${limit} characters.`,
  busy: "We are very busy right now. Please try again in a moment.",
  talkToPerson: "Talk to a person",
  talkToPersonMessage: "I'd like to talk to a person",
  ticket: (id) => `Ticket #${id}`,
  ticketStatus: {
    open: "Handed over to our team: a person will reply here",
    pending: "An agent replied and is waiting for you",
    resolved: "Resolved",
    closed: "Closed",
  },
  rateLegend: "Please rate this conversation",
  star: (n) => (n === 1 ? "1 star" : `${n} stars`),
  comment: "Comment (optional)",
  submitRating: "Send rating",
  thanks: "Thank you for your rating!",
  switchLanguage: "切换到中文",
  languageName: "中文",
  newAgentMessage: "New message from a support agent",
  unread: (n) => (n === 1 ? "1 new message" : `${n} new messages`),
  answerReady: "Assistant replied:",
  timedOut: "The reply is taking too long. Please send your question again.",
};

export const STRINGS: Record<Lang, Strings> = { zh, en };

/** The language a text is written in, near enough to tell a screen reader which voice. */
export function langOfText(text: string): Lang {
  return /[\u3400-\u9fff]/.test(text) ? "zh" : "en";
}

/** 'zh' for any Chinese locale (zh, zh-CN, zh-Hant...), 'en' for English, else null. */
export function langOf(locale: string | null | undefined): Lang | null {
  if (!locale) return null;
  const primary = locale.replace("_", "-").split("-")[0].toLowerCase();
  if (primary === "zh") return "zh";
  if (primary === "en") return "en";
  return null;
}

export function localeOf(lang: Lang): string {
  return lang === "zh" ? "zh-CN" : "en";
}
