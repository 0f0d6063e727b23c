// The staff console: sign-in with an API key, navigation by role, the hash router and the
// language switch. Each view lives in views/.

import "./console.css";

import { api, ApiError, configure, ROLE_RANK } from "./api";
import type { Me, Role } from "./api";
import { h, replace } from "./dom";
import { clearNotices, noticeRegions, showError } from "./notices";
import { chooseLanguage, getLang, LANGUAGES, setLang, t } from "./strings";
import type { Lang } from "./strings";
import { makeContext } from "./view";
import type { View } from "./view";
import { analyticsView } from "./views/analytics";
import { auditView } from "./views/audit";
import { documentsView } from "./views/documents";
import { ticketView } from "./views/ticket";
import { ticketsView } from "./views/tickets";

const KEY_STORAGE = "kefu.console.key";
const LANG_STORAGE = "kefu.console.lang";

type ViewName = "tickets" | "documents" | "analytics" | "audit";

const NAV: { name: ViewName; minimum: Role; label: string }[] = [
  { name: "tickets", minimum: "agent", label: "nav.tickets" },
  { name: "documents", minimum: "staff", label: "nav.documents" },
  { name: "analytics", minimum: "staff", label: "nav.analytics" },
  { name: "audit", minimum: "admin", label: "nav.audit" },
];

const VIEWS: Record<Exclude<ViewName, "tickets">, View> = {
  documents: documentsView,
  analytics: analyticsView,
  audit: auditView,
};

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

const app = document.getElementById("app") ?? document.body.appendChild(h("div", { id: "app" }));

let me: Me | null = null;
let stopView: (() => void) | null = null;
let lastRoute = "";
let pendingError: string | null = null;

function allowed(role: Role, view: ViewName): boolean {
  const entry = NAV.find((item) => item.name === view);
  return entry !== undefined && ROLE_RANK[role] >= ROLE_RANK[entry.minimum];
}

interface Route {
  view: ViewName;
  ticket?: number;
}

function parseRoute(hash: string): Route | null {
  const path = hash.replace(/^#\/?/, "").replace(/\/+$/, "");
  if (path === "" || path === "tickets") return { view: "tickets" };
  const ticket = /^tickets\/(\d+)$/.exec(path);
  if (ticket?.[1]) return { view: "tickets", ticket: Number(ticket[1]) };
  if (path === "documents" || path === "analytics" || path === "audit") return { view: path };
  return null;
}

// ---------------------------------------------------------------------------- language

function languageSwitch(): HTMLElement {
  const select = h(
    "select",
    { id: "lang", name: "lang" },
    LANGUAGES.map((lang) => h("option", { value: lang, lang: lang === "zh" ? "zh-CN" : "en" }, lang === "zh" ? "中文" : "English")),
  );
  select.value = getLang();
  select.addEventListener("change", () => {
    switchLanguage(select.value as Lang);
    document.getElementById("lang")?.focus();
  });
  return h("div", { class: "lang-switch" }, h("label", { for: "lang" }, t("lang.label")), select);
}

function applyLanguage(): void {
  document.documentElement.lang = getLang() === "zh" ? "zh-CN" : "en";
  document.title = t("app.title");
}

function switchLanguage(lang: Lang): void {
  setLang(lang);
  storage()?.setItem(LANG_STORAGE, lang);
  const url = new URL(location.href);
  if (url.searchParams.has("lang")) {
    url.searchParams.set("lang", lang);
    history.replaceState(null, "", url);
  }
  applyLanguage();
  if (me) renderShell(me, true);
  else renderSignIn();
}

// ---------------------------------------------------------------------------- sign-in

function signOut(message?: string): void {
  stopView?.();
  stopView = null;
  me = null;
  lastRoute = "";
  storage()?.removeItem(KEY_STORAGE);
  configure("");
  renderSignIn(message);
}

function renderSignIn(message?: string): void {
  stopView?.();
  stopView = null;
  applyLanguage();
  const key = h("input", {
    type: "password",
    id: "api-key",
    name: "key",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    "aria-describedby": "signin-hint",
  });
  const submit = h("button", { type: "submit", id: "signin-send", class: "button" }, t("signin.submit"));
  const error = h("p", { id: "signin-error", class: "form-error", role: "alert" });
  if (message) error.textContent = message;
  const form = h(
    "form",
    { id: "signin", class: "signin", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, t("signin.title")),
    h("p", { class: "muted" }, t("signin.intro")),
    h("label", { for: "api-key" }, t("signin.key")),
    key,
    h("p", { id: "signin-hint", class: "hint" }, t("signin.hint")),
    error,
    h("div", { class: "form-actions" }, submit),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = key.value.trim();
    if (!value) {
      error.textContent = t("signin.empty");
      key.focus();
      return;
    }
    submit.disabled = true;
    error.textContent = "";
    api
      .me(value)
      .then((who) => {
        storage()?.setItem(KEY_STORAGE, value);
        signedIn(value, who);
      })
      .catch((failure: unknown) => {
        error.textContent = failure instanceof ApiError ? failure.message : String(failure);
        submit.disabled = false;
        key.select();
        key.focus();
      });
  });
  replace(
    app,
    h(
      "header",
      { class: "topbar" },
      h("div", { class: "topbar__inner" }, brand(), h("div", { class: "topbar__tools" }, languageSwitch())),
    ),
    h("main", { id: "main", class: "main main--signin", tabindex: "-1" }, form),
  );
  key.focus();
}

function brand(): HTMLElement {
  return h(
    "div",
    { class: "brand" },
    h("span", { class: "brand__mark", "aria-hidden": "true" }, "客"),
    h("span", { class: "brand__name" }, t("app.name")),
  );
}

function signedIn(key: string, who: Me): void {
  configure(key, (message) => signOut(message));
  me = who;
  renderShell(who, false);
}

// ---------------------------------------------------------------------------- shell and router

function renderShell(who: Me, keepFocus: boolean): void {
  applyLanguage();
  const navList = h(
    "ul",
    { class: "nav__list" },
    NAV.filter((item) => ROLE_RANK[who.role] >= ROLE_RANK[item.minimum]).map((item) =>
      h("li", null, h("a", { href: `#/${item.name}`, "data-view": item.name, class: "nav__link" }, t(item.label))),
    ),
  );
  const signout = h("button", { type: "button", id: "signout", class: "button button--ghost" }, t("signout"));
  signout.addEventListener("click", () => signOut());
  replace(
    app,
    h("a", { href: "#main", class: "skip-link", onclick: (e: Event) => { e.preventDefault(); document.getElementById("main")?.focus(); } }, t("skip")),
    h(
      "header",
      { class: "topbar" },
      h(
        "div",
        { class: "topbar__inner" },
        brand(),
        h("nav", { class: "nav", "aria-label": t("nav.label") }, navList),
        h(
          "div",
          { class: "topbar__tools" },
          h(
            "span",
            { class: "whoami", id: "whoami", "data-role": who.role },
            h("span", { class: "whoami__name" }, who.name || who.prefix),
            h("span", { class: `badge badge--role badge--role-${who.role}` }, t(`role.${who.role}`)),
          ),
          languageSwitch(),
          signout,
        ),
      ),
    ),
    noticeRegions(),
    h("main", { id: "main", class: "main", tabindex: "-1" }),
  );
  lastRoute = "";
  route(keepFocus);
}

function route(keepFocus = false): void {
  if (!me) return;
  const parsed = parseRoute(location.hash);
  if (!parsed || !allowed(me.role, parsed.view)) {
    if (parsed) pendingError = t("nav.notAllowed");
    location.replace("#/tickets");
    return;
  }
  const key = `${parsed.view}/${parsed.ticket ?? ""}`;
  const sameView = key === lastRoute;
  lastRoute = key;
  stopView?.();
  const main = document.getElementById("main");
  if (!main) return;
  if (!sameView) clearNotices();
  if (pendingError) {
    showError(pendingError);
    pendingError = null;
  }
  document.querySelectorAll<HTMLAnchorElement>("a[data-view]").forEach((link) => {
    if (link.dataset.view === parsed.view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
  const { ctx, stop } = makeContext(me);
  stopView = stop;
  main.dataset.view = parsed.ticket ? "ticket" : parsed.view;
  document.title = t("app.title");
  if (parsed.view === "tickets" && parsed.ticket !== undefined) {
    const id = parsed.ticket;
    ticketView(main, ctx, id);
  } else if (parsed.view === "tickets") {
    ticketsView(main, ctx);
  } else {
    VIEWS[parsed.view](main, ctx);
  }
  document.title = `${t(parsed.ticket ? "ticket.title" : `nav.${parsed.view}`, { id: parsed.ticket ?? "" })} · ${t("app.title")}`;
  if (!keepFocus && !sameView) main.querySelector<HTMLElement>("h1")?.focus({ preventScroll: false });
}

// ---------------------------------------------------------------------------- start

function start(): void {
  const fromUrl = new URL(location.href).searchParams.get("lang");
  setLang(chooseLanguage(fromUrl, storage()?.getItem(LANG_STORAGE) ?? null, navigator.languages ?? [navigator.language]));
  if (fromUrl) storage()?.setItem(LANG_STORAGE, getLang());
  applyLanguage();
  window.addEventListener("hashchange", () => route());
  const key = storage()?.getItem(KEY_STORAGE);
  if (!key) {
    renderSignIn();
    return;
  }
  replace(app, h("p", { class: "loading-screen", role: "status" }, t("common.loading")));
  api
    .me(key)
    .then((who) => signedIn(key, who))
    .catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 401) {
        storage()?.removeItem(KEY_STORAGE);
        renderSignIn(error.message);
      } else {
        renderSignIn(error instanceof Error ? error.message : String(error));
      }
    });
}

start();
