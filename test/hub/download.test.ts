/**
 * downloadHubSnapshot with the real @huggingface/hub client against the local Hub: cache layout,
 * allowlist, resume after a dropped connection, corrupt bytes, auth errors, rate limits, 5xx,
 * offline mode, the disk check and the concurrency bound.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { mkdir, rm, utimes, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { downloadHubSnapshot } from "../../src/hub/downloadHubSnapshot.js";
import { loadModelSpecFile, modelsDir } from "../../src/pipeline/modelSpec.js";
import { FAST_RETRY, MIB, gptOssLikeRepo, hubEnvironment, temporaryDir } from "./fixtures.js";
import { type HubServer, type RepoFixture, startHubServer } from "./hubServer.js";

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const gitOid = (data: Uint8Array) => createHash("sha1").update(`blob ${data.length}\0`).update(data).digest("hex");
const TOKEN = "hf_localtesttoken0000000000000000";
const SHARD0 = "model-00000-of-00002.safetensors";
const SHARD1 = "model-00001-of-00002.safetensors";

let allow: string[];
let scratch: { path: string; remove(): Promise<void> };
let server: HubServer | undefined;
let cacheCounter = 0;

beforeAll(async () => {
  const spec = await loadModelSpecFile(join(modelsDir(), "gpt-oss-20b.yaml"));
  if (spec.source.kind !== "hub") throw new Error("gpt-oss-20b must be a hub model");
  allow = spec.source.allow;
  scratch = await temporaryDir("oss-prep-hub-");
});
afterAll(async () => scratch.remove());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(repos: RepoFixture[], options: Omit<Parameters<typeof startHubServer>[0], "repos"> = {}): Promise<HubServer> {
  server = await startHubServer({ repos, tokens: { [TOKEN]: "alice" }, pageSize: 4, ...options });
  return server;
}

function freshCache(): string {
  return join(scratch.path, `cache-${++cacheCounter}`, "hub");
}

function download(hub: HubServer, cacheDir: string, extra: Partial<Parameters<typeof downloadHubSnapshot>[0]> & { token?: string; offline?: boolean } = {}) {
  const warnings: string[] = [];
  const { token, offline, ...rest } = extra;
  const promise = downloadHubSnapshot({
    repo: "openai/gpt-oss-20b",
    allow,
    hub: hubEnvironment({ url: hub.url, cacheDir, token, offline }),
    memoFile: join(cacheDir, "..", "memo.json"),
    retry: FAST_RETRY,
    onWarning: (m) => warnings.push(m),
    ...rest,
  });
  return { promise, warnings };
}

describe("download: the Hugging Face cache layout", () => {
  it("lands the allowlisted files as blobs, relative snapshot links and refs/main; never original/ or metal/", async () => {
    const fixture = gptOssLikeRepo();
    const hub = await serve([fixture]);
    const cacheDir = freshCache();
    const snapshot = await download(hub, cacheDir).promise;

    const commit = hub.headCommit("openai/gpt-oss-20b")!;
    const root = join(cacheDir, "models--openai--gpt-oss-20b");
    expect(snapshot.commit).toBe(commit);
    expect(snapshot.snapshotDir).toBe(join(root, "snapshots", commit));
    expect(readFileSync(join(root, "refs", "main"), "utf8")).toBe(commit);
    const expected = [
      "chat_template.jinja",
      "config.json",
      "generation_config.json",
      SHARD0,
      SHARD1,
      "model.safetensors.index.json",
      "special_tokens_map.json",
      "tokenizer.json",
      "tokenizer_config.json",
    ];
    expect(snapshot.files.map((f) => f.path)).toEqual(expected);
    expect(readdirSync(snapshot.snapshotDir).sort()).toEqual([...expected].sort());

    for (const file of snapshot.files) {
      const content = Buffer.from(fixture.files[file.path] as string | Uint8Array);
      const pointer = join(snapshot.snapshotDir, file.path);
      expect(lstatSync(pointer).isSymbolicLink()).toBe(true);
      // LFS files are named by their sha256, the others by their git blob id, as huggingface_hub names them
      const etag = file.path.endsWith(".safetensors") ? sha256(content) : gitOid(content);
      expect(readlinkSync(pointer)).toBe(`../../blobs/${etag}`);
      expect(file).toEqual({ path: file.path, size: content.length, sha256: sha256(content), etag });
      expect(readFileSync(pointer).equals(content)).toBe(true);
    }
    expect(readdirSync(join(root, "blobs")).filter((b) => b.endsWith(".incomplete"))).toEqual([]);
    // nothing outside the allowlist was ever requested
    expect(hub.requests.filter((r) => /original|metal|README|LICENSE/.test(r.url))).toEqual([]);
    expect(snapshot.fetchedBytes).toBe(snapshot.files.reduce((sum, f) => sum + f.size, 0));
  });

  it("a second run fetches nothing and re-verifies from the memo", async () => {
    const hub = await serve([gptOssLikeRepo()]);
    const cacheDir = freshCache();
    await download(hub, cacheDir).promise;
    const before = hub.requests.length;
    const again = await download(hub, cacheDir).promise;
    expect(again.fetchedBytes).toBe(0);
    const contentRequests = hub.requests.slice(before).filter((r) => r.route === "cdn" || r.route === "resolve");
    expect(contentRequests).toEqual([]);
  });

  it("pins a commit: revision <sha> resolves to itself and writes no ref", async () => {
    const hub = await serve([gptOssLikeRepo()]);
    const cacheDir = freshCache();
    const commit = hub.headCommit("openai/gpt-oss-20b")!;
    const snapshot = await download(hub, cacheDir, { revision: commit }).promise;
    expect(snapshot.commit).toBe(commit);
    expect(existsSync(join(cacheDir, "models--openai--gpt-oss-20b", "refs"))).toBe(false);
  });

  it("works for xet-backed repositories (file-info probe, bytes through the resolve redirect)", async () => {
    const fixture = gptOssLikeRepo("openai/gpt-oss-20b", { xet: true });
    const hub = await serve([fixture]);
    const snapshot = await download(hub, freshCache()).promise;
    const shard = snapshot.files.find((f) => f.path === SHARD0)!;
    expect(shard.sha256).toBe(sha256(fixture.files[SHARD0] as Uint8Array));
    expect(hub.requests.some((r) => r.route === "resolve" && r.file === SHARD0 && r.status === 200 && r.rangeStart === undefined)).toBe(true);
  });

  it("never sends the token to the CDN the Hub redirects to", async () => {
    const hub = await serve([gptOssLikeRepo("openai/gpt-oss-20b", { private: true, owner: "alice" })]);
    await download(hub, freshCache(), { token: TOKEN }).promise;
    const cdn = hub.requests.filter((r) => r.route === "cdn");
    expect(cdn.length).toBeGreaterThan(0);
    expect(cdn.every((r) => !r.hadAuthorization)).toBe(true);
    expect(hub.requests.filter((r) => r.route === "resolve").every((r) => r.hadAuthorization)).toBe(true);
  });

  it("never sends the token to another origin a listing's next page points at", async () => {
    // the other origin answers with the Hub's own pages (a proxy), so the listing completes
    const seen: Array<string | undefined> = [];
    let hubUrl = "";
    const other = createServer((req, res) => {
      seen.push(req.headers.authorization);
      void fetch(`${hubUrl}${req.url}`).then(async (r) => {
        res.writeHead(r.status, Object.fromEntries([...r.headers].filter(([k]) => k === "content-type" || k === "link")));
        res.end(Buffer.from(await r.arrayBuffer()));
      });
    });
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    try {
      const otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const hub = await serve([gptOssLikeRepo("openai/gpt-oss-20b")], { nextPageOrigin: otherOrigin });
      hubUrl = hub.url;
      await download(hub, freshCache(), { token: TOKEN }).promise;
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((auth) => auth === undefined)).toBe(true);
      expect(hub.requests.filter((r) => r.route === "tree")[0].hadAuthorization).toBe(true);
    } finally {
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
    }
  });

  it("a transfer that stalls mid-body, or trickles a byte at a time, is dropped after the stall window and resumed (issue 16, item 11)", async () => {
    for (const fault of [{ kind: "stall", afterBytes: 100_000 }, { kind: "trickle", afterBytes: 100_000, tickMs: 20 }] as const) {
      const hub = await serve([gptOssLikeRepo("openai/gpt-oss-20b")], { faults: [{ route: "cdn", file: SHARD0, fault }] });
      const started = performance.now();
      const { promise, warnings } = download(hub, freshCache(), { retry: { ...FAST_RETRY, stallMs: 300, stallMinBytes: 1024 } });
      const result = await promise;
      expect(performance.now() - started).toBeLessThan(20_000);
      expect(warnings.some((w) => new RegExp(`^${SHARD0}: no progress for 0.3 s after 100\\d{3} of`).test(w)), warnings.join("; ")).toBe(true);
      expect(result.files.find((f) => f.path === SHARD0)).toBeDefined();
      // resumed from the bytes that arrived, not from 0
      const resumed = hub.requests.filter((r) => r.route === "cdn" && r.file === SHARD0);
      expect(resumed.at(-1)!.rangeStart).toBeGreaterThanOrEqual(100_000);
      await server?.close();
      server = undefined;
    }
  });

  it("keeps at most `concurrency` files in flight", async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 6; i++) files[`model-0000${i}-of-00006.safetensors`] = Buffer.alloc(MIB, i);
    const hub = await serve([{ name: "openai/gpt-oss-20b", files }]);
    const snapshot = await download(hub, freshCache(), { concurrency: 2 }).promise;
    expect(snapshot.files).toHaveLength(6);
    expect(hub.maxConcurrentContent()).toBeLessThanOrEqual(2);
  });
});

describe("download: resume", () => {
  it("after a dropped connection, resumes with a Range request and never re-fetches bytes on disk", async () => {
    const fixture = gptOssLikeRepo();
    const size = (fixture.files[SHARD0] as Uint8Array).length;
    const hub = await serve([fixture], { faults: [{ route: "cdn", file: SHARD0, fault: { kind: "drop", afterBytes: MIB + 17 } }] });
    const { promise, warnings } = download(hub, freshCache());
    const snapshot = await promise;

    const served = hub.contentRequests(SHARD0);
    expect(served.map((r) => [r.rangeStart, r.bytesSent])).toEqual([
      [undefined, MIB + 17], // the whole file was asked for; the connection dropped after MIB + 17 bytes
      [MIB + 17, size - (MIB + 17)], // the resume asked for exactly the rest
    ]);
    expect(hub.contentBytes(SHARD0)).toBe(size);
    expect(warnings.join("\n")).toMatch(/connection lost after 1048593 of 3145728 bytes/);
    expect(snapshot.files.find((f) => f.path === SHARD0)!.sha256).toBe(sha256(fixture.files[SHARD0] as Uint8Array));
  });

  it("resumes a partial blob left by an earlier run (the .incomplete name huggingface_hub uses too)", async () => {
    const fixture = gptOssLikeRepo();
    const content = fixture.files[SHARD1] as Uint8Array;
    const hub = await serve([fixture]);
    const cacheDir = freshCache();
    const blobs = join(cacheDir, "models--openai--gpt-oss-20b", "blobs");
    await mkdir(blobs, { recursive: true });
    await writeFile(join(blobs, `${sha256(content)}.incomplete`), content.subarray(0, 777_777));
    const snapshot = await download(hub, cacheDir).promise;
    expect(hub.contentRequests(SHARD1).map((r) => [r.rangeStart, r.bytesSent])).toEqual([[777_777, content.length - 777_777]]);
    expect(snapshot.reusedBytes).toBe(777_777);
    expect(readFileSync(join(snapshot.snapshotDir, SHARD1)).equals(Buffer.from(content))).toBe(true);
  });

  it("restarts from byte 0 when the server ignores the Range", async () => {
    const fixture = gptOssLikeRepo();
    const content = fixture.files[SHARD1] as Uint8Array;
    const hub = await serve([fixture], { faults: [{ route: "cdn", file: SHARD1, fault: { kind: "ignore-range" } }] });
    const cacheDir = freshCache();
    const blobs = join(cacheDir, "models--openai--gpt-oss-20b", "blobs");
    await mkdir(blobs, { recursive: true });
    await writeFile(join(blobs, `${sha256(content)}.incomplete`), content.subarray(0, 1000));
    const { promise, warnings } = download(hub, cacheDir);
    const snapshot = await promise;
    expect(warnings.join("\n")).toMatch(/ignored the Range/);
    expect(readFileSync(join(snapshot.snapshotDir, SHARD1)).equals(Buffer.from(content))).toBe(true);
  });
});

describe("download: integrity", () => {
  it("refuses corrupt bytes, fetches them again, and nothing corrupt reaches snapshots/", async () => {
    const fixture = gptOssLikeRepo();
    const hub = await serve([fixture], { faults: [{ route: "cdn", file: SHARD0, fault: { kind: "corrupt" } }] });
    const { promise, warnings } = download(hub, freshCache());
    const snapshot = await promise;
    expect(warnings.join("\n")).toMatch(/do not match the Hub's digest \(sha256 [0-9a-f]{64} instead of/);
    expect(hub.contentRequests(SHARD0)).toHaveLength(2);
    expect(readFileSync(join(snapshot.snapshotDir, SHARD0)).equals(Buffer.from(fixture.files[SHARD0] as Uint8Array))).toBe(true);
  });

  it("fails after a second corrupt copy, leaving no blob, no partial file and no snapshot entry", async () => {
    const hub = await serve([gptOssLikeRepo()], { faults: [{ route: "cdn", file: SHARD0, fault: { kind: "corrupt" }, times: 10 }] });
    const cacheDir = freshCache();
    await expect(download(hub, cacheDir).promise).rejects.toThrow(/model-00000-of-00002.safetensors arrived corrupt twice/);
    const root = join(cacheDir, "models--openai--gpt-oss-20b");
    const blobs = readdirSync(join(root, "blobs"));
    const shard0 = sha256(gptOssLikeRepo().files[SHARD0] as Uint8Array);
    expect(blobs.filter((b) => b.startsWith(shard0))).toEqual([]);
    expect(existsSync(join(root, "snapshots"))).toBe(false);
    expect(existsSync(join(root, "refs"))).toBe(false);
  });

  it("a corrupt blob already in the cache is deleted and fetched again", async () => {
    const fixture = gptOssLikeRepo();
    const hub = await serve([fixture]);
    const cacheDir = freshCache();
    const first = await download(hub, cacheDir).promise;
    const blob = resolve(first.snapshotDir, readlinkSync(join(first.snapshotDir, SHARD1)));
    const size = statSync(blob).size;
    await rm(blob);
    await writeFile(blob, Buffer.alloc(size, 0x55)); // same size, wrong bytes (a new inode: the memo must not vouch for it)
    const { promise, warnings } = download(hub, cacheDir);
    const second = await promise;
    expect(warnings.join("\n")).toMatch(/is corrupt in the cache/);
    expect(readFileSync(join(second.snapshotDir, SHARD1)).equals(Buffer.from(fixture.files[SHARD1] as Uint8Array))).toBe(true);
  });

  it("checks the disk has room before fetching anything", async () => {
    const hub = await serve([gptOssLikeRepo("openai/gpt-oss-20b", { listedSizes: { [SHARD0]: 2 ** 52 } })]);
    await expect(download(hub, freshCache()).promise).rejects.toThrow(/not enough disk space for openai\/gpt-oss-20b@[0-9a-f]{40}: .* needed, .* free in .*HF_HUB_CACHE/);
    expect(hub.requests.filter((r) => r.route === "cdn" || r.route === "resolve")).toEqual([]);
  });
});

describe("download: errors explain what to do", () => {
  it("401 on a private repo without a token says how to log in", async () => {
    const hub = await serve([gptOssLikeRepo("openai/gpt-oss-20b", { private: true, owner: "alice" })]);
    await expect(download(hub, freshCache()).promise).rejects.toThrow(
      /openai\/gpt-oss-20b@main needs authentication \(401.*set HF_TOKEN \(or pass --token\) to an access token from http:\/\/127\.0\.0\.1:\d+\/settings\/tokens, or run `hf auth login`/,
    );
  });

  it("401 with a bad token names where the token came from, never the token", async () => {
    const hub = await serve([gptOssLikeRepo()]);
    const bad = "hf_thisisnotavalidtoken123";
    const error = await download(hub, freshCache(), { token: bad }).promise.catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/the Hub rejected the token from --token .*\(401\): it is invalid, expired or revoked/);
    expect((error as Error).message).not.toContain(bad);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(bad);
  });

  it("gated repo: without a token, says to accept the license and log in; with one not granted, says to accept it", async () => {
    const hub = await serve([gptOssLikeRepo("openai/gpt-oss-20b", { gated: "manual" })], { tokens: { [TOKEN]: "alice", hf_granted0000000000: "bob" } });
    await expect(download(hub, freshCache()).promise).rejects.toThrow(/openai\/gpt-oss-20b is a gated model: log in at http:\/\/127\.0\.0\.1:\d+\/openai\/gpt-oss-20b and accept its license/);
    await expect(download(hub, freshCache(), { token: TOKEN }).promise).rejects.toThrow(
      /gated model and the account of the token from --token has not been granted access: open .* accept the license/,
    );
  });

  it("404: an unknown repository and an unknown revision", async () => {
    const hub = await serve([gptOssLikeRepo()]);
    await expect(download(hub, freshCache(), { repo: "openai/nope", token: TOKEN }).promise).rejects.toThrow(/openai\/nope was not found on http:\/\/127\.0\.0\.1:\d+ \(404\)/);
    await expect(download(hub, freshCache(), { revision: "v9" }).promise).rejects.toThrow(/revision v9 does not exist in openai\/gpt-oss-20b/);
  });

  it("429 with Retry-After is waited out", async () => {
    const hub = await serve([gptOssLikeRepo()], { faults: [{ route: "model-info", fault: { kind: "status", status: 429, retryAfter: "1" } }] });
    const t0 = performance.now();
    await download(hub, freshCache()).promise;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950);
    expect(hub.requests.filter((r) => r.route === "model-info").map((r) => r.status)).toEqual([429, 200]);
  });

  it("5xx is retried with backoff; a persistent 5xx fails saying so", async () => {
    const hub = await serve([gptOssLikeRepo()], {
      faults: [
        { route: "tree", fault: { kind: "status", status: 503 }, times: 2 },
        { route: "cdn", file: SHARD1, fault: { kind: "status", status: 502 }, times: 1 },
      ],
    });
    const { promise, warnings } = download(hub, freshCache());
    await promise;
    expect(hub.requests.filter((r) => r.route === "tree").slice(0, 3).map((r) => r.status)).toEqual([503, 503, 200]);
    // each retry is a line (item 5 of issue 17): the listing's two, the CDN's one
    const retries = warnings.filter((w) => / \(attempt \d of \d\); retrying in /.test(w));
    expect(retries).toHaveLength(3);
    expect(retries[0]).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/api\/models\/openai\/gpt-oss-20b\/tree\/[0-9a-f]{40}: HTTP 503 \(attempt 1 of \d\); retrying in \d+\.\d s, last attempt within \d+\.\d s$/);
    expect(retries.join("\n")).toMatch(/HTTP 502 \(attempt 1 of \d\)/);

    hub.addFault({ route: "cdn", file: SHARD0, fault: { kind: "status", status: 500 }, times: 100 });
    await expect(download(hub, freshCache()).promise).rejects.toThrow(/answered 500 for openai\/gpt-oss-20b@[0-9a-f]{40}: model-00000-of-00002.safetensors after 4 attempts/);
  });
});

describe("download: HF_HUB_OFFLINE=1", () => {
  it("serves a downloaded snapshot from the cache without any request", async () => {
    const hub = await serve([gptOssLikeRepo()]);
    const cacheDir = freshCache();
    const online = await download(hub, cacheDir).promise;
    const before = hub.requests.length;
    const offline = await download(hub, cacheDir, { offline: true }).promise;
    expect(hub.requests.length).toBe(before);
    expect(offline.offline).toBe(true);
    expect(offline.commit).toBe(online.commit);
    expect(offline.files).toEqual(online.files);
  });

  it("says exactly which files are missing, and exits non-zero through an EnvironmentError", async () => {
    const hub = await serve([gptOssLikeRepo()]);
    const cacheDir = freshCache();
    const online = await download(hub, cacheDir).promise;
    await rm(join(online.snapshotDir, SHARD1));
    await rm(join(online.snapshotDir, "chat_template.jinja"));
    const error = (await download(hub, cacheDir, { offline: true }).promise.catch((e) => e)) as Error & { exitCode: number };
    expect(error.name).toBe("EnvironmentError");
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/HF_HUB_OFFLINE=1: openai\/gpt-oss-20b@main \(commit [0-9a-f]{40}\) is incomplete in the cache .*; missing: chat_template.jinja, model-00001-of-00002.safetensors; run once without HF_HUB_OFFLINE=1/);
  });

  it("without oss-prep's listing (a cache filled by Python tools), derives the expected files from the allowlist and the index", async () => {
    const hub = await serve([gptOssLikeRepo()]);
    const cacheDir = freshCache();
    const online = await download(hub, cacheDir).promise;
    await rm(join(online.snapshotDir, SHARD0));
    const error = await download(hub, cacheDir, { offline: true, memoFile: undefined }).promise.catch((e: Error) => e);
    expect((error as Error).message).toMatch(/missing: model-00000-of-00002.safetensors;/);
  });

  it("fails clearly when the repository was never downloaded", async () => {
    const hub = await serve([gptOssLikeRepo()]);
    await expect(download(hub, freshCache(), { offline: true }).promise).rejects.toThrow(
      /HF_HUB_OFFLINE=1: openai\/gpt-oss-20b@main is not in the cache .* \(no models--openai--gpt-oss-20b\/refs\/main\); run once without HF_HUB_OFFLINE=1/,
    );
  });

  it("a corrupt cached file is deleted and reported missing", async () => {
    const hub = await serve([gptOssLikeRepo()]);
    const cacheDir = freshCache();
    const online = await download(hub, cacheDir).promise;
    const blob = resolve(online.snapshotDir, readlinkSync(join(online.snapshotDir, "config.json")));
    await rm(blob);
    await writeFile(blob, "{\"tampered\": true}");
    await expect(download(hub, cacheDir, { offline: true }).promise).rejects.toThrow(/missing: config.json \(corrupt: .*deleted\)/);
    expect(existsSync(join(online.snapshotDir, "config.json"))).toBe(false);
  });
});

describe("download: concurrent processes and an unreachable Hub", () => {
  it("two downloads into one cache at once fetch each file once (a lock per blob)", async () => {
    const fixture = gptOssLikeRepo();
    const hub = await serve([fixture]);
    const cacheDir = freshCache();
    const a = download(hub, cacheDir);
    const b = download(hub, cacheDir);
    const [first, second] = await Promise.all([a.promise, b.promise]);
    expect(second.files).toEqual(first.files);
    for (const shard of [SHARD0, SHARD1]) expect(hub.contentBytes(shard)).toBe((fixture.files[shard] as Uint8Array).length);
    expect([...a.warnings, ...b.warnings].join("\n")).toMatch(/another oss-prep process is downloading it \(lock \.locks\/models--openai--gpt-oss-20b\/[0-9a-f]{64}\.oss-prep\.lockdir\); waiting for it/);
    expect(readdirSync(join(cacheDir, ".locks", "models--openai--gpt-oss-20b"))).toEqual([]);
  });

  it("takes over a lock left by a killed process (not refreshed within the stale window); ignores an older oss-prep's lock file", async () => {
    const hub = await serve([gptOssLikeRepo()]);
    const cacheDir = freshCache();
    const locks = join(cacheDir, ".locks", "models--openai--gpt-oss-20b");
    const shard0 = sha256(gptOssLikeRepo().files[SHARD0] as Uint8Array);
    const shard1 = sha256(gptOssLikeRepo().files[SHARD1] as Uint8Array);
    // a SIGKILLed holder stops refreshing its lock: its mtime is older than the stale window
    await mkdir(join(locks, `${shard0}.oss-prep.lockdir`), { recursive: true });
    const past = new Date(Date.now() - 60_000);
    await utimes(join(locks, `${shard0}.oss-prep.lockdir`), past, past);
    // the pid file an oss-prep before proper-lockfile left behind
    await writeFile(join(locks, `${shard1}.oss-prep.lock`), "12345@elsewhere");
    const t0 = performance.now();
    const { promise, warnings } = download(hub, cacheDir);
    const snapshot = await promise;
    expect(snapshot.files.find((f) => f.path === SHARD0)!.sha256).toBe(shard0);
    expect(snapshot.files.find((f) => f.path === SHARD1)!.sha256).toBe(shard1);
    expect(warnings.join("\n")).not.toMatch(/waiting for it/);
    expect(performance.now() - t0).toBeLessThan(9_000); // taken over at once, not after another stale window
    expect(readdirSync(locks).sort()).toEqual([`${shard1}.oss-prep.lock`]);
  });

  it("when the Hub cannot be reached, uses a complete cached snapshot and says so; without one, says it cannot reach it", async () => {
    const hub = await serve([gptOssLikeRepo()]);
    const cacheDir = freshCache();
    const online = await download(hub, cacheDir).promise;
    await hub.close();
    const { promise, warnings } = download(hub, cacheDir);
    const cached = await promise;
    expect(cached.files).toEqual(online.files);
    expect(warnings.join("\n")).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); using the cached snapshot of openai\/gpt-oss-20b@main \(commit [0-9a-f]{40}\), which may be out of date/);
    await expect(download(hub, freshCache()).promise).rejects.toThrow(/cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\) .*or set HF_HUB_OFFLINE=1/);
  });
});

