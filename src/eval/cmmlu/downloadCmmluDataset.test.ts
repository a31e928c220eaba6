/**
 * The Hub path for CMMLU against a tiny local stand-in for the Hub's dataset API (listing and
 * resolve with Range, as @huggingface/hub calls them): the release zip layout and the CSV-folder
 * layout, the cache, and the errors when the Hub cannot be reached or offline mode has no copy.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmmluDir } from "../../../test/shared.js";
import { writeZip } from "../../../test/writeZip.js";
import { EnvironmentError } from "../../errors.js";
import { downloadCmmluDataset } from "./downloadCmmluDataset.js";
import { readCmmluDir } from "./readCmmluDir.js";

/** Serve `files` as dataset `repo` at revision main; returns the endpoint and a request log. */
async function serveDataset(repo: string, files: Record<string, Buffer>, options: { unavailable?: number } = {}): Promise<{ endpoint: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  let unavailable = options.unavailable ?? 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    requests.push(`${req.method} ${url.pathname}`);
    if (unavailable > 0 && url.pathname.includes("/resolve/")) {
      // a Hub hiccup: the first downloads get 503
      unavailable--;
      res.statusCode = 503;
      res.end("unavailable");
      return;
    }
    if (url.pathname === `/api/datasets/${repo}/tree/main`) {
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify(Object.entries(files).map(([path, data]) => ({ type: "file", path, size: data.length, oid: "0".repeat(40) }))));
      return;
    }
    const prefix = `/datasets/${repo}/resolve/main/`;
    const data = url.pathname.startsWith(prefix) ? files[decodeURIComponent(url.pathname.slice(prefix.length))] : undefined;
    if (!data) {
      res.statusCode = 404;
      res.setHeader("X-Error-Code", "EntryNotFound");
      res.end("not found");
      return;
    }
    res.setHeader("ETag", `"${createHash("sha1").update(data).digest("hex")}"`);
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
      res.statusCode = 206;
      res.setHeader("Content-Range", `bytes ${start}-${end}/${data.length}`);
      res.setHeader("Content-Length", end - start + 1);
      res.end(data.subarray(start, end + 1));
      return;
    }
    res.setHeader("Content-Length", data.length);
    res.end(data);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests };
}

function sharedCsvs(): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const split of ["dev", "test"]) {
    for (const name of readdirSync(join(cmmluDir(), split))) files[`${split}/${name}`] = readFileSync(join(cmmluDir(), split, name));
  }
  return files;
}

let cache: string;
beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), "oss-prep-cmmlu-hub-"));
});
afterAll(async () => {
  await rm(cache, { recursive: true, force: true });
});

describe("downloadCmmluDataset", () => {
  it("extracts the release zip, then reads the cached copy without the network", async () => {
    const zip = writeZip(Object.entries(sharedCsvs()).map(([name, data]) => ({ name: `cmmlu/${name}`, data, deflate: true })));
    const { endpoint, server, requests } = await serveDataset("haonan-li/cmmlu", { "cmmlu_v1_0_1.zip": zip, "README.md": Buffer.from("# CMMLU") });
    const hub = { endpoint, offline: false };
    try {
      const dataset = await downloadCmmluDataset({ hub, cacheDir: join(cache, "zip") });
      expect(dataset.origin).toBe(`${endpoint}/datasets/haonan-li/cmmlu@main`);
      expect(dataset.subjects.size).toBe(67);
      const local = await readCmmluDir({ dir: cmmluDir() });
      const strip = (qs: { question: string; choices: string[]; answer: string; row: number }[]) => qs.map(({ question, choices, answer, row }) => ({ question, choices, answer, row }));
      expect(strip((await dataset.readSubject("arts")).test)).toEqual(strip((await local.readSubject("arts")).test));
      expect(requests.some((r) => r.includes("README.md"))).toBe(false);
    } finally {
      server.close();
    }
    // the server is gone: the finished copy is used as is
    const again = await downloadCmmluDataset({ hub, cacheDir: join(cache, "zip") });
    expect((await again.readSubject("nutrition")).dev).toHaveLength(5);
  });

  it("retries a 503 like the model downloads, with a line saying so", async () => {
    const zip = writeZip(Object.entries(sharedCsvs()).map(([name, data]) => ({ name: `cmmlu/${name}`, data, deflate: true })));
    const { endpoint, server, requests } = await serveDataset("haonan-li/cmmlu", { "cmmlu_v1_0_1.zip": zip }, { unavailable: 1 });
    const warnings: string[] = [];
    try {
      const dataset = await downloadCmmluDataset({ hub: { endpoint, offline: false }, cacheDir: join(cache, "retry"), onWarning: (m) => warnings.push(m) });
      expect(dataset.subjects.size).toBe(67);
    } finally {
      server.close();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/HTTP 503 \(attempt 1 of \d+\); retrying in [\d.]+ s/);
    expect(requests.filter((r) => r.includes("cmmlu_v1_0_1.zip")).length).toBeGreaterThanOrEqual(2);
  });

  it("downloads a dev/ and test/ CSV layout file by file", async () => {
    const { endpoint, server } = await serveDataset("someone/cmmlu-csv", sharedCsvs());
    try {
      const dataset = await downloadCmmluDataset({ hub: { endpoint, offline: false }, cacheDir: join(cache, "csv"), repo: "someone/cmmlu-csv" });
      expect((await dataset.readSubject("virology")).test.length).toBeGreaterThan(100);
    } finally {
      server.close();
    }
  });

  it("says to pass --cmmlu-dir when the Hub is unreachable, offline, or lacks the data", async () => {
    const { endpoint, server } = await serveDataset("haonan-li/cmmlu", { "README.md": Buffer.from("nothing here") });
    try {
      await expect(downloadCmmluDataset({ hub: { endpoint, offline: false }, cacheDir: join(cache, "empty") })).rejects.toThrow(/neither dev\/ and test\/ CSVs nor a zip archive.*--cmmlu-dir/);
    } finally {
      server.close();
    }
    // a Hub that is gone is retried like any (fast here), then the error says what to do
    const retry = { retries: 2, baseDelayMs: 10 };
    const closed = downloadCmmluDataset({ hub: { endpoint, offline: false }, cacheDir: join(cache, "down"), retry, onWarning: () => {} });
    await expect(closed).rejects.toThrow(EnvironmentError);
    await expect(downloadCmmluDataset({ hub: { endpoint, offline: false }, cacheDir: join(cache, "down"), retry, onWarning: () => {} })).rejects.toThrow(
      /cannot list the CMMLU dataset haonan-li\/cmmlu from http:\/\/127\.0\.0\.1:\d+ .*pass --cmmlu-dir DIR/,
    );
    await expect(downloadCmmluDataset({ hub: { endpoint, offline: true }, cacheDir: join(cache, "offline") })).rejects.toThrow(/HF_HUB_OFFLINE is set.*--cmmlu-dir/);
  });
});
