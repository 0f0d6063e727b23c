// The knowledge base: upload (one file after another, each with its ingest status), the
// document list with delete (confirmed in a dialog), and a search that shows the passages
// the bot would answer from.

import { api, ApiError, isAbort } from "../api";
import type { DocumentRow, PersonalData, SearchHit, UploadResult } from "../api";
import { dataTable, h, replace } from "../dom";
import { formatBytes, formatDateTime, formatDateTimeLong, formatNumber } from "../format";
import { announce, clearError } from "../notices";
import { has, t } from "../strings";
import type { ViewContext } from "../view";
import { languageName } from "./labels";

const ACCEPT = ".md,.markdown,.html,.htm,.txt,.pdf,.docx,.csv";

/** "phone × 2, e-mail × 1" of a document's personal-data scan; null when it found nothing. */
function personalDataList(found: PersonalData | null | undefined): string | null {
  const entries = Object.entries(found ?? {}).filter(([, n]) => n > 0);
  if (!entries.length) return null;
  return entries
    .map(([type, n]) => `${has(`pii.${type}`) ? t(`pii.${type}`) : type} × ${formatNumber(n)}`)
    .join(t("list.separator"));
}

function personalDataText(found: PersonalData | null | undefined): string | null {
  const list = personalDataList(found);
  return list ? t("docs.personalData", { found: list }) : null;
}

function chunksText(n: number): string {
  return t(n === 1 ? "docs.chunks.one" : "docs.chunks.other", { n: formatNumber(n) });
}

function resultText(result: UploadResult): string {
  const status = has(`docs.result.${result.status}`) ? t(`docs.result.${result.status}`) : result.status;
  const main =
    result.status === "unchanged"
      ? t("docs.resultUnchanged", { status, version: result.version })
      : t("docs.resultLine", { status, chunks: chunksText(result.chunks), version: result.version });
  const pii = personalDataText(result.personal_data);
  return pii ? `${main} — ${pii}` : main;
}

/** Ask before deleting: a modal <dialog>, resolved true when confirmed. */
function confirmDelete(doc: DocumentRow): Promise<boolean> {
  const cancel = h("button", { type: "button", class: "button button--secondary", value: "cancel", id: "confirm-cancel" }, t("action.cancel"));
  const ok = h("button", { type: "submit", class: "button button--danger", value: "delete", id: "confirm-delete" }, t("docs.delete.confirm"));
  const dialog = h(
    "dialog",
    { id: "confirm-dialog", class: "dialog", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-text" },
    h(
      "form",
      { method: "dialog" },
      h("h2", { id: "confirm-title" }, t("docs.delete.title")),
      h("p", { id: "confirm-text" }, t("docs.delete.text", { filename: doc.filename, chunks: chunksText(doc.chunks) })),
      h("div", { class: "form-actions" }, cancel, ok),
    ),
  );
  document.body.appendChild(dialog);
  return new Promise((resolve) => {
    let answer = false;
    cancel.addEventListener("click", () => dialog.close("cancel"));
    ok.addEventListener("click", () => {
      answer = true;
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(answer && dialog.returnValue === "delete");
    });
    dialog.showModal();
    cancel.focus();
  });
}

function hitItem(hit: SearchHit, rank: number): HTMLLIElement {
  const heading = hit.heading && hit.heading !== hit.title ? hit.heading : null;
  return h(
    "li",
    { class: "hit", "data-document": hit.document, "data-chunk-id": hit.chunk_id },
    h(
      "div",
      { class: "hit__head" },
      h("span", { class: "hit__rank", "aria-hidden": "true" }, String(rank)),
      h("span", { class: "hit__title" }, hit.title, heading ? ` › ${heading}` : ""),
      h("span", { class: "hit__score" }, t("search.score", { score: formatNumber(hit.score, 3) })),
    ),
    h("p", { class: "hit__from muted small" }, t("search.from", { document: hit.document, lang: languageName(hit.lang) })),
    h("p", { class: "hit__text", lang: hit.lang === "zh" ? "zh-CN" : hit.lang === "en" ? "en" : null }, hit.text),
  );
}

export function documentsView(root: HTMLElement, ctx: ViewContext): void {
  // Upload
  const fileInput = h("input", { type: "file", id: "upload-file", name: "file", multiple: true, accept: ACCEPT, "aria-describedby": "upload-hint" });
  const uploadSend = h("button", { type: "submit", id: "upload-send", class: "button" }, t("docs.upload.send"));
  const statusList = h("ul", { id: "upload-status", class: "upload-status", "aria-live": "polite", "aria-label": t("docs.upload.status") });
  const uploadForm = h(
    "form",
    { id: "upload-form", class: "panel upload-form", "aria-labelledby": "upload-title" },
    h("h2", { id: "upload-title" }, t("docs.upload.title")),
    h("label", { for: "upload-file" }, t("docs.upload.label")),
    h("div", { class: "inline-form__row" }, fileInput, uploadSend),
    h("p", { id: "upload-hint", class: "hint" }, t("docs.upload.hint")),
    statusList,
  );

  // Search
  const query = h("input", { type: "search", id: "search-query", name: "query", required: true, maxlength: 2000, autocomplete: "off" });
  const searchSend = h("button", { type: "submit", id: "search-send", class: "button button--secondary" }, t("search.send"));
  const results = h("ol", { id: "search-results", class: "hits" });
  const resultsNote = h("p", { id: "search-note", class: "muted", "aria-live": "polite" });
  const searchForm = h(
    "form",
    { id: "search-form", class: "panel", role: "search", "aria-labelledby": "search-title" },
    h("h2", { id: "search-title" }, t("search.title")),
    h("p", { class: "hint" }, t("search.hint")),
    h("label", { for: "search-query" }, t("search.label")),
    h("div", { class: "inline-form__row" }, query, searchSend),
    resultsNote,
    results,
  );

  // List
  const tbody = h("tbody");
  const count = h("p", { class: "count", id: "documents-count" });
  const table = dataTable(
    "documents",
    t("docs.caption"),
    ["docs.col.filename", "docs.col.title", "docs.col.lang", "docs.col.chunks", "docs.col.version", "docs.col.size", "docs.col.updated", "docs.col.status", "docs.col.personalData", "docs.col.actions"].map((key) => t(key)),
    tbody,
  );

  replace(
    root,
    h("div", { class: "view-head" }, h("h1", { tabindex: "-1" }, t("docs.title"))),
    h("div", { class: "docs-grid" }, uploadForm, searchForm),
    h(
      "section",
      { class: "panel", "aria-labelledby": "documents-title" },
      h("h2", { id: "documents-title" }, t("docs.list")),
      count,
      h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": "documents-title" }, table),
    ),
  );

  function docRow(doc: DocumentRow): HTMLTableRowElement {
    const pii = personalDataList(doc.personal_data);
    const remove = h(
      "button",
      { type: "button", class: "button button--danger button--small", "data-action": "delete", "aria-label": t("docs.delete.label", { filename: doc.filename }) },
      t("action.delete"),
    );
    remove.addEventListener("click", () => void remove_(doc, remove));
    return h(
      "tr",
      { "data-document-id": doc.id },
      h("th", { scope: "row", class: "cell-file" }, doc.filename),
      h("td", null, doc.title),
      h("td", null, languageName(doc.lang)),
      h("td", { class: "num" }, formatNumber(doc.chunks)),
      h("td", { class: "num" }, formatNumber(doc.version)),
      h("td", { class: "num nowrap" }, formatBytes(doc.size_bytes)),
      h("td", { class: "nowrap" }, h("time", { datetime: doc.updated_at, title: formatDateTimeLong(doc.updated_at) }, formatDateTime(doc.updated_at))),
      h("td", null, h("span", { class: `badge badge--doc-${doc.status}` }, has(`docs.status.${doc.status}`) ? t(`docs.status.${doc.status}`) : doc.status)),
      h("td", { class: "cell-pii" }, pii ? h("span", { class: "pii-note", title: t("docs.personalDataHint") }, h("span", { "aria-hidden": "true" }, "⚠ "), pii) : h("span", { class: "muted" }, t("docs.noPersonalData"))),
      h("td", null, remove),
    );
  }

  async function load(): Promise<void> {
    try {
      const body = await api.documents({ signal: ctx.signal });
      if (ctx.signal.aborted) return;
      const rows = body.items.map(docRow);
      replace(tbody, rows.length ? rows : h("tr", null, h("td", { colspan: 10, class: "empty" }, t("docs.empty"))));
      const chunks = body.items.reduce((sum, doc) => sum + doc.chunks, 0);
      count.textContent = t("docs.count", { n: body.items.length, chunks: formatNumber(chunks) });
    } catch (error) {
      ctx.fail(error);
    }
  }

  async function remove_(doc: DocumentRow, button: HTMLButtonElement): Promise<void> {
    if (!(await confirmDelete(doc))) {
      button.focus();
      return;
    }
    button.disabled = true;
    try {
      await api.deleteDocument(doc.id, { signal: ctx.signal });
      clearError();
      await load();
      announce(t("docs.deleted", { filename: doc.filename }));
      (tbody.querySelector<HTMLElement>("button[data-action=delete]") ?? root.querySelector<HTMLElement>("h1"))?.focus();
    } catch (error) {
      button.disabled = false;
      ctx.fail(error);
    }
  }

  uploadForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const files = Array.from(fileInput.files ?? []);
    if (!files.length) {
      fileInput.focus();
      announce(t("docs.upload.none"));
      return;
    }
    void uploadAll(files);
  });

  async function uploadAll(files: File[]): Promise<void> {
    uploadSend.disabled = true;
    fileInput.disabled = true;
    const items = files.map((file) => {
      const text = h("span", { class: "upload-status__text" }, t("docs.upload.waiting"));
      const li = h(
        "li",
        { "data-filename": file.name, "data-state": "waiting", class: "upload-status__item" },
        h("span", { class: "upload-status__name" }, file.name),
        " ",
        text,
      );
      return { file, li, text };
    });
    replace(statusList, items.map((item) => item.li));
    let ok = 0;
    for (const item of items) {
      if (ctx.signal.aborted) break;
      const set = (state: string, message: string) => {
        item.li.dataset.state = state;
        item.text.textContent = message;
      };
      set("uploading", t("docs.upload.uploading"));
      try {
        const result = await api.upload(item.file, () => set("processing", t("docs.upload.processing")), ctx.signal);
        set(result.status === "unchanged" ? "unchanged" : "done", resultText(result));
        item.li.dataset.status = result.status;
        item.li.dataset.documentId = result.id;
        ok += 1;
      } catch (error) {
        if (isAbort(error)) break;
        set("error", error instanceof ApiError ? error.message : String(error));
        if (error instanceof ApiError) item.li.dataset.code = error.code;
      }
    }
    if (ctx.signal.aborted) return;
    uploadSend.disabled = false;
    fileInput.disabled = false;
    fileInput.value = "";
    announce(t("docs.upload.finished", { ok, total: files.length }));
    await load();
  }

  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = query.value.trim();
    if (!text) return;
    searchSend.disabled = true;
    resultsNote.textContent = t("common.loading");
    void (async () => {
      try {
        const body = await api.search(text, 5, { signal: ctx.signal });
        if (ctx.signal.aborted) return;
        replace(results, body.items.map((hit, i) => hitItem(hit, i + 1)));
        resultsNote.textContent = body.items.length ? t("search.found", { n: body.items.length }) : t("search.none");
      } catch (error) {
        resultsNote.textContent = "";
        ctx.fail(error);
      } finally {
        searchSend.disabled = false;
      }
    })();
  });

  replace(tbody, h("tr", null, h("td", { colspan: 10, class: "empty" }, t("common.loading"))));
  void load();
}
