// The shopper endpoints of Kefu's HTTP API, as the widget uses them.

import { readEvents, type StreamEvent } from "./sse";

export interface Source {
  document_id: string;
  document: string;
  title: string;
  heading?: string;
  chunk_id: string;
  score: number;
  url?: string;
}

export interface Done {
  session_id: string;
  answer: string;
  intent: string | null;
  sources: Source[];
  ticket_id: number | null;
  handoff: boolean;
  lang?: string;
}

export interface TicketState {
  id: number;
  status: string;
}

export interface AgentMessage {
  id: number;
  text: string;
  created_at: string;
}

export interface RatingPrompt {
  prompt: string;
  scale: number[];
  feedback_url: string;
}

export interface StoredMessage {
  id: number;
  role: "shopper" | "assistant" | "agent";
  content: string;
  sources: Source[] | null;
  created_at: string;
}

export interface SessionView {
  session_id: string;
  tickets: TicketState[];
  messages: StoredMessage[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    /** Seconds the server asks us to wait (Retry-After), when it says. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

export class ShopperApi {
  constructor(
    private readonly base: string,
    private readonly acceptLanguage: () => string,
  ) {}

  /** Paths are read below the base, so a Kefu behind a path prefix (data-api) keeps it. */
  url(path: string): string {
    return new URL(path.replace(/^\/+/, ""), this.base).toString();
  }

  private headers(json = false): HeadersInit {
    const headers: Record<string, string> = { "Accept-Language": this.acceptLanguage() };
    if (json) headers["Content-Type"] = "application/json";
    return headers;
  }

  private async failure(response: Response): Promise<ApiError> {
    const wait = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
    const retryAfter = Number.isFinite(wait) && wait >= 0 ? wait : null;
    try {
      const body = (await response.json()) as { error?: { code?: string; message?: string } };
      return new ApiError(response.status, body.error?.message ?? "", body.error?.code ?? "", retryAfter);
    } catch {
      return new ApiError(response.status, "", "", retryAfter);
    }
  }

  /** One chat turn; yields the stream's events as they arrive. */
  async *chat(
    body: { message: string; session_id: string | null; customer_id: string | null; locale: string },
    signal: AbortSignal,
  ): AsyncGenerator<StreamEvent> {
    const response = await fetch(this.url("/v1/chat/stream"), {
      method: "POST",
      headers: { ...this.headers(true), Accept: "text/event-stream" },
      body: JSON.stringify(body),
      signal,
    });
    if (!response.ok || !response.body) throw await this.failure(response);
    yield* readEvents(response.body);
  }

  /** The session's tickets and its messages (only those after message ``after``, if given). */
  async session(sessionId: string, after = 0): Promise<SessionView | null> {
    const query = after ? `?after=${after}` : "";
    const response = await fetch(this.url(`/v1/sessions/${encodeURIComponent(sessionId)}/messages${query}`), {
      headers: this.headers(),
    });
    if (response.status === 404) return null;
    if (!response.ok) throw await this.failure(response);
    return (await response.json()) as SessionView;
  }

  async rate(feedbackUrl: string, rating: number, comment: string): Promise<string> {
    const response = await fetch(this.url(feedbackUrl), {
      method: "POST",
      headers: this.headers(true),
      body: JSON.stringify(comment ? { rating, comment } : { rating }),
    });
    if (!response.ok) throw await this.failure(response);
    const body = (await response.json()) as { message?: string };
    return body.message ?? "";
  }
}
