import { retry } from "@botyard/core";
import type { PdErrorBody, PdOnCall, PdOnCallsPage } from "./types.js";

export const PAGERDUTY_US_URL = "https://api.pagerduty.com";
export const PAGERDUTY_EU_URL = "https://api.eu.pagerduty.com";

export interface PagerDutyClientOptions {
  /** A REST API key (General or User), sent as `Authorization: Token token=<key>`. */
  token: string;
  /** `https://api.pagerduty.com` by default; `https://api.eu.pagerduty.com` for the EU service region. */
  baseUrl?: string;
  /** Per request (default 10 s); a request that takes longer is abandoned and retried. */
  timeoutMs?: number;
  /** Retries of a request that failed with 429, 5xx, a timeout or a network error (default 3). */
  retries?: number;
  /** First wait between retries (default 1 s), doubling each time. */
  retryDelayMs?: number;
  /** Cap of any wait, including what a 429 asks for (default 30 s). */
  maxRetryDelayMs?: number;
}

export interface RequestOptions {
  /** Aborts at once (no more retries): pass `ctx.signal`. */
  signal?: AbortSignal;
  /** Overrides the client's retries for this call (0: one attempt). */
  retries?: number;
  /** Called before each retry (for a log line). */
  onRetry?: (info: { error: PagerDutyError; retry: number; delayMs: number }) => void;
}

/** Which on-calls to list: `GET /oncalls` ANDs the filters, so give one kind. */
export interface OnCallFilter {
  scheduleIds?: readonly string[];
  escalationPolicyIds?: readonly string[];
}

// PagerDuty's largest page; offset + limit may not pass 10,000.
const PAGE_LIMIT = 100;
const MAX_RECORDS = 10_000;

/**
 * A failed PagerDuty call. `status` is absent when no answer came (timeout, network);
 * `retryable` says whether trying again can help (429, 5xx, timeouts, network errors).
 */
export class PagerDutyError extends Error {
  readonly status: number | undefined;
  /** PagerDuty's own error code (`2006` authentication failed...), when it sent one. */
  readonly pdCode: number | undefined;
  readonly retryable: boolean;
  /** What a 429 asked to wait (`ratelimit-reset`), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: { status?: number; pdCode?: number; retryable: boolean; retryAfterMs?: number; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PagerDutyError";
    this.status = options.status;
    this.pdCode = options.pdCode;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The slice of PagerDuty's REST API v2 this plugin needs, over `fetch`: typed, paginated, with a
 * timeout per request and bounded retries with backoff on what can succeed later.
 */
export class PagerDutyClient {
  readonly baseUrl: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;

  constructor(options: PagerDutyClientOptions) {
    if (!options.token) throw new Error("PagerDutyClient needs an API token (pagerduty.token).");
    let base: URL;
    try {
      base = new URL(options.baseUrl ?? PAGERDUTY_US_URL);
    } catch {
      throw new Error(`pagerduty.baseUrl ${JSON.stringify(options.baseUrl)} is not a URL; use ${PAGERDUTY_US_URL} or ${PAGERDUTY_EU_URL}.`);
    }
    this.baseUrl = base.href.replace(/\/+$/, "");
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  }

  /**
   * Everyone on call now (`GET /oncalls`, users inlined so their emails come along), every page.
   * Overrides are already applied: PagerDuty resolves them.
   */
  async listOnCalls(filter: OnCallFilter, options: RequestOptions = {}): Promise<PdOnCall[]> {
    const all: PdOnCall[] = [];
    for (let offset = 0; ; offset += PAGE_LIMIT) {
      if (offset + PAGE_LIMIT > MAX_RECORDS) {
        throw new PagerDutyError(`GET /oncalls has more than ${MAX_RECORDS} entries, past PagerDuty's pagination limit; filter on fewer schedules.`, { retryable: false });
      }
      const query = new URLSearchParams();
      for (const id of filter.scheduleIds ?? []) query.append("schedule_ids[]", id);
      for (const id of filter.escalationPolicyIds ?? []) query.append("escalation_policy_ids[]", id);
      query.append("include[]", "users");
      query.set("limit", String(PAGE_LIMIT));
      query.set("offset", String(offset));
      const page = await this.get<PdOnCallsPage>("/oncalls", query, options);
      if (!Array.isArray(page.oncalls)) throw new PagerDutyError("GET /oncalls answered without an `oncalls` list.", { retryable: false });
      all.push(...page.oncalls);
      // An empty page that claims more would loop forever.
      if (!page.more || page.oncalls.length === 0) return all;
    }
  }

  /** One GET with PagerDuty's headers, a timeout, and retries on what can succeed later. */
  async get<T>(path: string, query: URLSearchParams, options: RequestOptions = {}): Promise<T> {
    const url = `${this.baseUrl}${path}${query.size ? `?${query}` : ""}`;
    return retry(() => this.once<T>(url, path, options.signal), {
      retries: options.retries ?? this.retries,
      minDelayMs: this.retryDelayMs,
      maxDelayMs: this.maxRetryDelayMs,
      retryable: (e) => e instanceof PagerDutyError && e.retryable,
      delayFor: (e) => (e instanceof PagerDutyError ? e.retryAfterMs : undefined),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onRetry ? { onRetry: (r) => options.onRetry!({ ...r, error: r.error as PagerDutyError }) } : {}),
    });
  }

  private async once<T>(url: string, path: string, signal: AbortSignal | undefined): Promise<T> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, {
        headers: {
          Authorization: `Token token=${this.token}`,
          Accept: "application/vnd.pagerduty+json;version=2",
        },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (cause) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new PagerDutyError(`PagerDuty did not answer GET ${path} within ${this.timeoutMs} ms.`, { retryable: true, cause });
      }
      const detail = (cause as { cause?: { code?: string } })?.cause?.code ?? (cause as Error)?.message ?? String(cause);
      throw new PagerDutyError(`Could not reach PagerDuty at ${this.baseUrl} (${detail}).`, { retryable: true, cause });
    }
    const text = await res.text().catch(() => "");
    if (res.ok) {
      try {
        return JSON.parse(text) as T;
      } catch (cause) {
        throw new PagerDutyError(`PagerDuty answered GET ${path} with a body that is not JSON.`, { status: res.status, retryable: true, cause });
      }
    }
    throw errorFor(res, path, text);
  }
}

function errorFor(res: Response, path: string, text: string): PagerDutyError {
  let body: PdErrorBody = {};
  try {
    body = JSON.parse(text) as PdErrorBody;
  } catch {
    // Proxies and load balancers answer 5xx with HTML.
  }
  const pd = body.error;
  const said = pd?.message ? `: ${pd.message}${pd.errors?.length ? ` (${pd.errors.join("; ")})` : ""}` : "";
  const status = res.status;
  const base = { status, ...(pd?.code !== undefined ? { pdCode: pd.code } : {}) };
  if (status === 401) {
    return new PagerDutyError(`PagerDuty rejected the API key (HTTP 401${said}). Check pagerduty.token: it must be a REST API key, not an integration (routing) key.`, { ...base, retryable: false });
  }
  if (status === 403) {
    return new PagerDutyError(`PagerDuty refused GET ${path} (HTTP 403${said}): the API key may not read on-calls, schedules or escalation policies.`, { ...base, retryable: false });
  }
  if (status === 429) {
    const reset = Number(res.headers.get("ratelimit-reset") ?? res.headers.get("retry-after"));
    return new PagerDutyError(`PagerDuty rate-limited GET ${path} (HTTP 429${said}).`, {
      ...base,
      retryable: true,
      ...(Number.isFinite(reset) && reset >= 0 ? { retryAfterMs: reset * 1000 } : {}),
    });
  }
  return new PagerDutyError(`PagerDuty answered GET ${path} with HTTP ${status}${said}.`, { ...base, retryable: status >= 500 || status === 408 });
}
