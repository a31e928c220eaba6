import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createHubFetch, parseRetryAfter, type RetryNotice } from "./createHubFetch.js";

const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("createHubFetch", () => {
  it("parses Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("7")).toBe(7);
    expect(parseRetryAfter(new Date(Date.now() + 3000).toUTCString())).toBeGreaterThanOrEqual(2);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
  });

  it("drops Authorization on a redirect to another origin, keeps it on the same origin", async () => {
    const seen: Array<[string, string | undefined]> = [];
    const cdn = await serve((req, res) => {
      seen.push(["cdn", req.headers.authorization]);
      res.end("bytes");
    });
    const hub = await serve((req, res) => {
      seen.push([req.url!, req.headers.authorization]);
      if (req.url === "/a") res.writeHead(302, { Location: "/b" }).end();
      else res.writeHead(302, { Location: `${cdn}/object` }).end();
    });
    const { fetch } = createHubFetch();
    const response = await fetch(`${hub}/a`, { headers: { Authorization: "Bearer hf_x" } });
    expect(await response.text()).toBe("bytes");
    expect(seen).toEqual([
      ["/a", "Bearer hf_x"],
      ["/b", "Bearer hf_x"],
      ["cdn", undefined],
    ]);
  });

  it("a request to another origin than the Hub's (a listing's next page elsewhere) carries no Authorization", async () => {
    const seen: Array<[string, string | undefined]> = [];
    const other = await serve((req, res) => {
      seen.push(["other", req.headers.authorization]);
      res.end("[]");
    });
    const hub = await serve((req, res) => {
      seen.push(["hub", req.headers.authorization]);
      res.writeHead(200, { Link: `<${other}/api/models/x/tree/main?cursor=2>; rel="next"` }).end("[]");
    });
    const { fetch } = createHubFetch({ origin: new URL(hub).origin });
    const first = await fetch(`${hub}/api/models/x/tree/main`, { headers: { Authorization: "Bearer hf_x" } });
    const next = /<([^>]+)>/.exec(first.headers.get("link")!)![1];
    await fetch(next, { headers: { Authorization: "Bearer hf_x" } }); // what the library does with rel="next"
    expect(seen).toEqual([
      ["hub", "Bearer hf_x"],
      ["other", undefined],
    ]);
  });

  it("retries 5xx on GET, never a 500 on POST (it may have been applied), and records the final failure", async () => {
    let gets = 0;
    let posts = 0;
    const url = await serve((req, res) => {
      if (req.method === "GET") gets++;
      else posts++;
      res.writeHead(500, { "X-Error-Code": "Boom", "X-Request-Id": "r1" }).end("{}");
    });
    const notices: RetryNotice[] = [];
    const hub = createHubFetch({ retries: 2, baseDelayMs: 1, onRetry: (r) => notices.push(r) });
    expect((await hub.fetch(url)).status).toBe(500);
    expect(gets).toBe(3);
    expect(notices.map((n) => n.attempt)).toEqual([1, 2]);
    expect(hub.lastFailure()).toMatchObject({ status: 500, errorCode: "Boom", requestId: "r1", attempts: 3, method: "GET" });
    expect((await hub.fetch(url, { method: "POST", body: "{}" })).status).toBe(500);
    expect(posts).toBe(1);
  });

  it("does not wait out a Retry-After beyond the limit: the 429 is returned with it", async () => {
    const url = await serve((_req, res) => res.writeHead(429, { "Retry-After": "3600" }).end());
    const hub = createHubFetch({ maxRetryAfterMs: 1000 });
    const t0 = performance.now();
    expect((await hub.fetch(url)).status).toBe(429);
    // returned without sleeping the hour (a timing bound far from any machine's speed)
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(hub.lastFailure()).toMatchObject({ status: 429, retryAfterSeconds: 3600 });
  });

  it("a refused connection is retried, then recorded with its code", async () => {
    const dead = await serve((_req, res) => res.end());
    const server = servers.pop()!;
    await new Promise((r) => server.close(r)); // nothing listens there any more
    const hub = createHubFetch({ retries: 1, baseDelayMs: 1 });
    await expect(hub.fetch(dead)).rejects.toThrow();
    expect(hub.lastFailure()).toMatchObject({ status: 0, networkError: "ECONNREFUSED", attempts: 2 });
  });

  it("a host name that does not resolve is not retried: one attempt, no wait (no network, or a wrong HF_ENDPOINT)", async () => {
    const notices: unknown[] = [];
    const hub = createHubFetch({ baseDelayMs: 1000, onRetry: (n) => notices.push(n) });
    await expect(hub.fetch("http://oss-prep-test.invalid/api/models/x")).rejects.toThrow();
    expect(hub.lastFailure()).toMatchObject({ status: 0, networkError: "ENOTFOUND", attempts: 1 });
    expect(notices).toEqual([]);
  });

  it("tells every retry before waiting: attempt n of m, the reason, the wait, and when the last attempt starts at the latest", async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(503, { "Retry-After": "0" }).end();
      else if (calls < 4) res.writeHead(502).end();
      else res.end("ok");
    });
    const notices: RetryNotice[] = [];
    const hub = createHubFetch({ retries: 4, baseDelayMs: 5, maxDelayMs: 20, onRetry: (n) => notices.push(n) });
    expect(await (await hub.fetch(`${url}/api/models/x?cursor=secret`)).text()).toBe("ok");
    // backoff 5, 10, 20, 20 ms (capped); the 503's Retry-After: 0 replaces the first
    expect(notices).toEqual([
      { method: "GET", url: `${url}/api/models/x?cursor=secret`, status: 503, reason: "HTTP 503", attempt: 1, attempts: 5, delayMs: 0, remainingMs: 50 },
      { method: "GET", url: `${url}/api/models/x?cursor=secret`, status: 502, reason: "HTTP 502", attempt: 2, attempts: 5, delayMs: 10, remainingMs: 50 },
      { method: "GET", url: `${url}/api/models/x?cursor=secret`, status: 502, reason: "HTTP 502", attempt: 3, attempts: 5, delayMs: 20, remainingMs: 40 },
    ]);
  });

  it("the signal aborts a request and a backoff wait", async () => {
    const url = await serve((_req, res) => res.writeHead(503).end());
    const controller = new AbortController();
    const hub = createHubFetch({ signal: controller.signal, baseDelayMs: 60_000 });
    setTimeout(() => controller.abort(new DOMException("stop", "AbortError")), 50);
    await expect(hub.fetch(url)).rejects.toThrow(/stop/);
  });
});
