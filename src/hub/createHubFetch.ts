/**
 * The fetch that every @huggingface/hub call is given (its `fetch` parameter). The library makes
 * one attempt per request; this adds what a 13 GB download over the internet needs:
 *
 * - retries with exponential backoff for 429 (honouring Retry-After), 5xx and dropped connections,
 *   only where a retry cannot duplicate work (idempotent methods, or 429/503 which the server did
 *   not act on) and the body can be sent again;
 * - redirects followed here rather than by undici, so the Authorization header is dropped whenever
 *   a redirect leaves the Hub's origin (the CDN gets a signed URL, never the token); and any request
 *   to another origin than `origin` loses it too — the library follows a listing's `Link: rel="next"`
 *   with the same headers, so a server could otherwise page the token to itself;
 * - cancellation through the build's AbortSignal (the library passes none on downloads);
 * - a record of the last failed response with the Hub's X-Error-Code / X-Error-Message headers,
 *   which the library's HubApiError does not keep and which tell a gated repo from a missing one;
 * - a notice before every backoff wait (`onRetry`): attempt n of m, the reason, the wait and when
 *   the last attempt starts at the latest, which the callers print as a line.
 *
 * The retry loop is ours rather than p-retry's or async-retry's: both retry thrown errors, while here
 * a 5xx is a response that must reach the library after the last attempt; neither lets an attempt set
 * the next wait (a Retry-After could only be slept in p-retry's failure callback with its own backoff
 * turned off, leaving it to count attempts) nor tells its wait before waiting it (the notice's ETA);
 * async-retry's waits cannot be aborted. What they would add is the one-line backoff formula.
 */
export interface HttpFailure {
  url: string;
  /** Where the last redirect led (the URL a HubApiError reports). */
  finalUrl?: string;
  method: string;
  /** 0 when no response came (connection refused, reset, DNS). */
  status: number;
  errorCode?: string;
  errorMessage?: string;
  retryAfterSeconds?: number;
  requestId?: string;
  /** The network error's code (ECONNREFUSED…) when no response came. */
  networkError?: string;
  attempts: number;
}

export interface HubResponseInfo {
  url: string;
  method: string;
  status: number;
  headers: Headers;
  /** The Range header sent, if any. */
  range?: string;
}

export interface RetryPolicy {
  /** Retries after the first attempt (default 5). */
  retries?: number;
  /** First backoff delay, doubled each retry (default 1000 ms). */
  baseDelayMs?: number;
  /** Backoff cap (default 30 s). */
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the request fails and says when to retry (default 5 min). */
  maxRetryAfterMs?: number;
  /**
   * A download body that brings fewer than stallMinBytes in stallMs is stalled (a server that stops
   * mid-body, or trickles bytes to keep the connection alive): it is dropped and resumed like a lost
   * connection, and counts as a failure (default 60 s, 64 KiB).
   */
  stallMs?: number;
  stallMinBytes?: number;
}

/** One failed attempt that will be retried: what a user is told while a request is retried. */
export interface RetryNotice {
  method: string;
  url: string;
  /** The HTTP status, when a response came. */
  status?: number;
  /** `HTTP 503`, or the network error's code (ECONNREFUSED, ENOTFOUND…). */
  reason: string;
  /** The attempt that failed (1 = the first request). */
  attempt: number;
  /** Attempts in all, the first included (retries + 1). */
  attempts: number;
  /** The wait before the next attempt (Retry-After when the server sent one). */
  delayMs: number;
  /** The longest the remaining retries can wait in all, this delay included: when the last attempt starts at the latest. */
  remainingMs: number;
}

export interface HubFetchOptions extends RetryPolicy {
  /** The Hub's origin (scheme, host, port): the only one a request may carry Authorization to. */
  origin?: string;
  signal?: AbortSignal;
  /** Told before each backoff wait, so a caller can say a request is being retried and for how long. */
  onRetry?: (notice: RetryNotice) => void;
  /** Called with the final response of every request (after redirects and retries). */
  onResponse?: (info: HubResponseInfo) => void;
}

export interface HubFetch {
  fetch: typeof fetch;
  /** The last request that failed for good (after retries), if any. */
  lastFailure(): HttpFailure | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const RETRYABLE = new Set([429, 500, 502, 503, 504]);
const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
const MAX_REDIRECTS = 10;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function isReplayable(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === "string" ||
    body instanceof Blob ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof URLSearchParams
  );
}

function requestUrl(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === "string") return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

export function createHubFetch(options: HubFetchOptions = {}): HubFetch {
  const retries = options.retries ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 300_000;
  let failure: HttpFailure | undefined;
  const backoffMs = (attempt: number) => Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
  /** `attempt` is the 0-based index of the attempt that failed; `delayMs` is the wait chosen before the next. */
  const notify = (method: string, url: string, attempt: number, delayMs: number, reason: string, status?: number) => {
    let remainingMs = delayMs;
    for (let later = attempt + 1; later < retries; later++) remainingMs += backoffMs(later);
    options.onRetry?.({ method, url, status, reason, attempt: attempt + 1, attempts: retries + 1, delayMs, remainingMs });
  };

  const followRedirects = async (url: string, init: RequestInit, headers: Headers, signal: AbortSignal | undefined) => {
    let method = (init.method ?? "GET").toUpperCase();
    let body = init.body;
    let current = url;
    for (let hop = 0; ; hop++) {
      const response = await fetch(current, { ...init, method, body, headers, signal, redirect: "manual" });
      const location = response.headers.get("location");
      if (!REDIRECTS.has(response.status) || !location) return response;
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new TypeError(`too many redirects from ${url}`);
      const next = new URL(location, current);
      if (next.origin !== new URL(current).origin) headers.delete("authorization");
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
        headers.delete("content-type");
      }
      current = next.href;
    }
  };

  const hubFetch: typeof fetch = async (input, init = {}) => {
    const url = requestUrl(input);
    const method = (init.method ?? "GET").toUpperCase();
    const signal = options.signal && init.signal ? AbortSignal.any([options.signal, init.signal]) : (options.signal ?? init.signal ?? undefined);
    const canRetry = isReplayable(init.body);
    for (let attempt = 0; ; attempt++) {
      const headers = new Headers(init.headers); // fresh per attempt: redirects may strip Authorization
      if (options.origin && new URL(url).origin !== options.origin) headers.delete("authorization");
      let response: Response;
      try {
        response = await followRedirects(url, init, headers, signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const code = cause?.code ?? cause?.message ?? ((error as Error).message || "network error");
        // a host name that does not resolve is no network (or a wrong HF_ENDPOINT), not a hiccup: waiting
        // half a minute would only delay the answer — and the skip of an optional stage offline
        if (canRetry && IDEMPOTENT.has(method) && attempt < retries && code !== "ENOTFOUND") {
          const delayMs = backoffMs(attempt);
          notify(method, url, attempt, delayMs, code);
          await sleep(delayMs, signal);
          continue;
        }
        failure = { url, method, status: 0, networkError: code, attempts: attempt + 1 };
        throw error;
      }
      const retryAfterSeconds = parseRetryAfter(response.headers.get("retry-after"));
      if (
        RETRYABLE.has(response.status) &&
        attempt < retries &&
        canRetry &&
        (IDEMPOTENT.has(method) || response.status === 429 || response.status === 503)
      ) {
        const delayMs = retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : backoffMs(attempt);
        if (delayMs <= maxRetryAfterMs) {
          await response.body?.cancel();
          notify(method, url, attempt, delayMs, `HTTP ${response.status}`, response.status);
          await sleep(delayMs, signal);
          continue;
        }
      }
      if (!response.ok) {
        failure = {
          url,
          finalUrl: response.url || undefined,
          method,
          status: response.status,
          errorCode: response.headers.get("x-error-code") ?? undefined,
          errorMessage: response.headers.get("x-error-message") ?? undefined,
          retryAfterSeconds,
          requestId: response.headers.get("x-request-id") ?? undefined,
          attempts: attempt + 1,
        };
      }
      options.onResponse?.({ url: response.url || url, method, status: response.status, headers: response.headers, range: headers.get("range") ?? undefined });
      return response;
    }
  };

  return { fetch: hubFetch, lastFailure: () => failure };
}
