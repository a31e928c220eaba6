/**
 * The line a user sees for each retried Hub request (issue 17, item 5: an unreachable Hub used to
 * cost ~31 s of silent backoff): the request, why it failed, which attempt of how many, the wait
 * before the next one and when the last one starts at the latest — an ETA for giving up. The query
 * string is left out: it holds listing cursors and the signatures of pre-signed storage URLs.
 */
import { formatSeconds } from "../util/format.js";
import type { RetryNotice } from "./createHubFetch.js";

function withoutQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return url;
  }
}

export function formatRetryNotice(notice: RetryNotice): string {
  const wait = formatSeconds(notice.delayMs / 1000);
  const last = notice.attempt + 1 < notice.attempts ? `last attempt within ${formatSeconds(notice.remainingMs / 1000)}` : "the last attempt";
  return `${notice.method} ${withoutQuery(notice.url)}: ${notice.reason} (attempt ${notice.attempt} of ${notice.attempts}); retrying in ${wait}, ${last}`;
}
