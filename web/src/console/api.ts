// The console's HTTP client: the Bearer key and the UI language on every call, the server's
// error message on failure, and types of the responses the console reads.

import { getLang, t } from "./strings";

export type Role = "agent" | "staff" | "admin";
export const ROLE_RANK: Record<Role, number> = { agent: 0, staff: 1, admin: 2 };

export interface Me {
  name: string | null;
  prefix: string;
  role: Role;
}

export type TicketStatus = "open" | "pending" | "resolved" | "closed";
export const TICKET_STATUSES: readonly TicketStatus[] = ["open", "pending", "resolved", "closed"];
export type Priority = "low" | "normal" | "high" | "urgent";
export const PRIORITIES: readonly Priority[] = ["low", "normal", "high", "urgent"];

export interface Sla {
  first_response_due: string;
  resolution_due: string;
  first_response_breached: boolean;
  resolution_breached: boolean;
  // Not (yet) sent by every server; used when present.
  first_responded_at?: string | null;
  resolved_at?: string | null;
}

export interface Ticket {
  id: number;
  status: TicketStatus;
  priority: Priority;
  summary: string;
  category: string;
  assignee: string | null;
  session_id: string | null;
  customer_id: string | null;
  order_id: string | null;
  created_at: string;
  updated_at: string;
  sla: Sla;
}

export interface Reply {
  id: number;
  author: string;
  body: string;
  public: boolean;
  created_at: string;
}

export type Speaker = "shopper" | "assistant" | "agent";

export interface TranscriptMessage {
  role: Speaker;
  content: string;
  created_at: string;
}

export interface TicketDetail extends Ticket {
  replies: Reply[];
  transcript: TranscriptMessage[];
}

export interface TicketPatch {
  status?: TicketStatus;
  assignee?: string | null;
  priority?: Priority;
}

export interface ReplyCreated {
  id: number;
  ticket_id: number;
  public: boolean;
  created_at: string;
}

export type PersonalData = Record<string, number>;

export interface DocumentRow {
  id: string;
  filename: string;
  title: string;
  lang: string | null;
  chunks: number;
  status: string;
  version: number;
  size_bytes: number | null;
  personal_data: PersonalData;
  updated_at: string;
}

export interface UploadResult {
  id: string;
  filename: string;
  title: string;
  chunks: number;
  status: "created" | "updated" | "unchanged" | string;
  version: number;
  personal_data: PersonalData | null;
}

export interface SearchHit {
  document_id: string;
  document: string;
  title: string;
  heading: string | null;
  chunk_id: string;
  lang: string | null;
  score: number;
  text: string;
  links: string[];
  images: string[];
}

export interface DayCount {
  day: string;
  conversations: number;
  turns: number;
}

export interface KnowledgeGap {
  question: string;
  count: number;
  lang: string;
}

export interface TicketFigures {
  created: number;
  resolved: number;
  open: number;
  by_category: Record<string, number>;
  first_response_avg_seconds: number | null;
  resolution_avg_seconds: number | null;
  first_response_breaches: number;
  resolution_breaches: number;
}

export interface Summary {
  start: string;
  end: string; // exclusive
  timezone: string;
  conversations: number;
  messages: number;
  turns: number;
  by_day: DayCount[];
  by_hour: number[];
  by_intent: Record<string, number>;
  by_language: Record<string, number>;
  outcomes: Record<string, number>;
  resolution_rate: number | null;
  escalation_rate: number | null;
  abstention_rate: number | null;
  csat_avg: number | null;
  csat_count: number;
  csat_distribution: Record<string, number>;
  avg_session_seconds: number | null;
  avg_first_token_ms: number | null;
  tickets: TicketFigures;
  knowledge_gaps: KnowledgeGap[];
  by_category?: Record<string, number>;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail: Record<string, unknown> | null;
}

export interface Items<T> {
  items: T[];
}

/** A failed call: the HTTP status (0: no answer) and the server's code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

interface Options {
  signal?: AbortSignal | undefined;
  /** Use this key instead of the signed-in one (sign-in checks a key). */
  key?: string;
}

let currentKey = "";
let unauthorized: (message: string) => void = () => undefined;

/** The key every call sends, and what to do when the server says it is not valid (401). */
export function configure(key: string, onUnauthorized?: (message: string) => void): void {
  currentKey = key;
  if (onUnauthorized) unauthorized = onUnauthorized;
}

function headers(key: string, extra?: Record<string, string>): Record<string, string> {
  return {
    Authorization: `Bearer ${key}`,
    "Accept-Language": getLang() === "zh" ? "zh-CN" : "en",
    ...extra,
  };
}

/** The error of a failed response: the JSON error's message, else the status. */
async function errorOf(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = t("error.http", { status: response.status });
  try {
    const body: unknown = await response.json();
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (error && typeof error.message === "string") message = error.message;
    if (error && typeof error.code === "string") code = error.code;
  } catch {
    // not JSON: keep the status text
  }
  return new ApiError(response.status, code, message);
}

async function send(method: string, path: string, body: unknown, options: Options): Promise<Response> {
  const init: RequestInit = { method, signal: options.signal ?? null };
  const extra: Record<string, string> = { Accept: "application/json" };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    extra["Content-Type"] = "application/json";
  }
  init.headers = headers(options.key ?? currentKey, extra);
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(0, "network_error", t("error.network"));
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401 && options.key === undefined) unauthorized(error.message);
    throw error;
  }
  return response;
}

async function json<T>(method: string, path: string, body?: unknown, options: Options = {}): Promise<T> {
  const response = await send(method, path, body, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export interface Download {
  blob: Blob;
  filename: string | null;
}

function filenameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star?.[1]) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain?.[1] ?? null;
}

export const api = {
  me: (key: string, options: Options = {}) => json<Me>("GET", "/v1/me", undefined, { ...options, key }),

  tickets: (filter: { status?: string; assignee?: string }, options?: Options) =>
    json<Items<Ticket>>("GET", `/v1/tickets${query(filter)}`, undefined, options),
  ticket: (id: number, options?: Options) => json<TicketDetail>("GET", `/v1/tickets/${id}`, undefined, options),
  updateTicket: (id: number, patch: TicketPatch, options?: Options) =>
    json<Ticket>("PATCH", `/v1/tickets/${id}`, patch, options),
  reply: (id: number, body: string, isPublic: boolean, options?: Options) =>
    json<ReplyCreated>("POST", `/v1/tickets/${id}/replies`, { body, public: isPublic }, options),

  documents: (options?: Options) => json<Items<DocumentRow>>("GET", "/v1/documents", undefined, options),
  deleteDocument: (id: string, options?: Options) =>
    json<void>("DELETE", `/v1/documents/${encodeURIComponent(id)}`, undefined, options),
  search: (text: string, k = 5, options?: Options) =>
    json<Items<SearchHit>>("POST", "/v1/search", { query: text, k }, options),

  summary: (from: string, to: string, options?: Options) =>
    json<Summary>("GET", `/v1/analytics/summary${query({ from, to })}`, undefined, options),

  audit: (filter: { action?: string; subject?: string; since?: string }, options?: Options) =>
    json<Items<AuditEntry>>("GET", `/v1/audit${query(filter)}`, undefined, options),

  /** A file the API serves behind the key (CSV export, reports). */
  async download(path: string, options: Options = {}): Promise<Download> {
    const response = await send("GET", path, undefined, options);
    return { blob: await response.blob(), filename: filenameOf(response.headers.get("Content-Disposition")) };
  },

  /** Upload one document; `onSent` runs when its bytes are sent and the server is processing. */
  upload(file: File, onSent: () => void, signal?: AbortSignal): Promise<UploadResult> {
    return new Promise<UploadResult>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/v1/documents");
      for (const [name, value] of Object.entries(headers(currentKey, { Accept: "application/json" }))) {
        xhr.setRequestHeader(name, value);
      }
      xhr.upload.addEventListener("load", () => onSent());
      xhr.addEventListener("load", () => {
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = null;
        }
        if (xhr.status >= 200 && xhr.status < 300 && body) {
          resolve(body as UploadResult);
          return;
        }
        const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
        const failure = new ApiError(
          xhr.status,
          error?.code ?? `http_${xhr.status}`,
          error?.message ?? t("error.http", { status: xhr.status }),
        );
        if (xhr.status === 401) unauthorized(failure.message);
        reject(failure);
      });
      xhr.addEventListener("error", () => reject(new ApiError(0, "network_error", t("error.network"))));
      xhr.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      signal?.addEventListener("abort", () => xhr.abort(), { once: true });
      const form = new FormData();
      form.append("file", file, file.name);
      xhr.send(form);
    });
  },
};
