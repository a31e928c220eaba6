/**
 * Turn what the Hub client throws into one line that says what to do: log in, accept a gated
 * model's license, fix the repo name, wait out a rate limit. The token itself never appears —
 * only where it came from.
 */
import { EnvironmentError, OssPrepError } from "../errors.js";
import type { HttpFailure } from "./createHubFetch.js";

export interface HubErrorContext {
  repo: string;
  endpoint: string;
  revision?: string;
  /** The file being fetched, when there is one. */
  path?: string;
  /** e.g. "HF_TOKEN"; undefined when the request was anonymous. */
  tokenSource?: string;
  operation: "download" | "publish";
  /** From the model info, when known: makes a 403 unambiguous. */
  gated?: boolean;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

function matches(failure: HttpFailure | undefined, error: unknown): failure is HttpFailure {
  if (!failure) return false;
  const url = (error as { url?: unknown } | null)?.url;
  if (typeof url !== "string") return true; // stream errors carry no URL: the last failure is the one
  return url === failure.url || url === failure.finalUrl;
}

export function explainHubError(error: unknown, failure: HttpFailure | undefined, context: HubErrorContext): Error {
  if (error instanceof OssPrepError) return error;
  if ((error as Error | null)?.name === "AbortError") return error as Error;
  const known = matches(failure, error) ? failure : undefined;
  const status = statusOf(error) ?? known?.status;
  const code = known?.errorCode;
  const repoUrl = `${context.endpoint}/${context.repo}`;
  const tokensUrl = `${context.endpoint}/settings/tokens`;
  const where = `${context.repo}${context.revision ? `@${context.revision}` : ""}${context.path ? `: ${context.path}` : ""}`;
  const login = `set HF_TOKEN (or pass --token) to an access token from ${tokensUrl}, or run \`hf auth login\` (oss-prep reads the token it stores)`;
  const serverSays = known?.errorMessage ? ` (the Hub says: ${known.errorMessage})` : "";
  const cause = { cause: error };

  if (status === 0 || (status === undefined && known?.networkError)) {
    return new EnvironmentError(
      `cannot reach ${context.endpoint} (${known?.networkError ?? "network error"}) while fetching ${where}; check the network or HF_ENDPOINT` +
        (context.operation === "download" ? ", or set HF_HUB_OFFLINE=1 to use the files already in the cache" : ""),
      cause,
    );
  }
  if (code === "GatedRepo" || (status === 403 && context.gated)) {
    return new EnvironmentError(
      context.tokenSource
        ? `${context.repo} is a gated model and the account of the token from ${context.tokenSource} has not been granted access: open ${repoUrl} while logged in as that account, accept the license (some need approval), then run again`
        : `${context.repo} is a gated model: log in at ${repoUrl} and accept its license, then ${login}`,
      cause,
    );
  }
  if (status === 401) {
    return new EnvironmentError(
      context.tokenSource
        ? `the Hub rejected the token from ${context.tokenSource} for ${where} (401): it is invalid, expired or revoked, or the repository is private to another account; create a new one at ${tokensUrl}${serverSays}`
        : `${where} needs authentication (401: the repository is private or gated, or does not exist); ${login}${serverSays}`,
      cause,
    );
  }
  if (status === 403) {
    return new EnvironmentError(
      context.operation === "publish"
        ? `the token from ${context.tokenSource ?? "(none)"} may not write to ${context.repo} (403): use a token with write access to that namespace (a "write" token, or a fine-grained one with write on ${context.repo.split("/")[0]}) from ${tokensUrl}${serverSays}`
        : `access to ${where} is forbidden (403) for the token from ${context.tokenSource ?? "(no token)"}: make sure its account can read ${repoUrl}${serverSays}`,
      cause,
    );
  }
  if (status === 404) {
    if (code === "RevisionNotFound") return new EnvironmentError(`revision ${context.revision} does not exist in ${context.repo} (404); check ${repoUrl}/tree/main`, cause);
    if (code === "EntryNotFound") return new EnvironmentError(`${context.path ?? "a file"} does not exist in ${context.repo}@${context.revision} (404)`, cause);
    return new EnvironmentError(
      `${context.repo} was not found on ${context.endpoint} (404)${context.tokenSource ? "" : `; if it is private, ${login}`}`,
      cause,
    );
  }
  if (status === 429) {
    const after = known?.retryAfterSeconds !== undefined ? `; the Hub asks to wait ${known.retryAfterSeconds} s (Retry-After)` : "";
    return new EnvironmentError(`rate-limited by ${context.endpoint} (429) while fetching ${where} after ${known?.attempts ?? 1} attempts${after}; run again later (downloads resume)`, cause);
  }
  if (status !== undefined && status >= 500) {
    const id = known?.requestId ? ` (request id ${known.requestId})` : "";
    return new EnvironmentError(
      `${context.endpoint} answered ${status} for ${where} after ${known?.attempts ?? 1} attempts${id}; the Hub may be having trouble, run again later (downloads resume)`,
      cause,
    );
  }
  const message = typeof error === "string" ? error : ((error as Error | null)?.message ?? String(error));
  return new OssPrepError(`${context.operation} ${where}: ${message}`, cause);
}
