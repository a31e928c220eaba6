import { describe, expect, it } from "vitest";
import { formatRetryNotice } from "./formatRetryNotice.js";

describe("formatRetryNotice", () => {
  it("one line: request without its query, reason, attempt n of m, the wait, and when the last attempt starts at the latest", () => {
    const base = { method: "GET", url: "https://huggingface.co/api/models/openai/gpt-oss-20b/tree/main?cursor=abc&X-Amz-Signature=s", reason: "ENOTFOUND", attempts: 6 };
    expect(formatRetryNotice({ ...base, attempt: 1, delayMs: 1000, remainingMs: 31_000 })).toBe(
      "GET https://huggingface.co/api/models/openai/gpt-oss-20b/tree/main: ENOTFOUND (attempt 1 of 6); retrying in 1.0 s, last attempt within 31.0 s",
    );
    expect(formatRetryNotice({ ...base, reason: "HTTP 503", status: 503, attempt: 5, delayMs: 16_000, remainingMs: 16_000 })).toBe(
      "GET https://huggingface.co/api/models/openai/gpt-oss-20b/tree/main: HTTP 503 (attempt 5 of 6); retrying in 16.0 s, the last attempt",
    );
  });
});
