/**
 * publishToHub + readBuildForPublish with the real @huggingface/hub client against the local Hub:
 * repository creation, LFS (basic and multipart) and regular uploads, the model card, skipping what
 * is already there, dry runs, auth errors and retried upload faults.
 */
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { publishToHub, type PublishProgress } from "../../src/hub/publishToHub.js";
import { readBuildForPublish } from "../../src/publish/readBuildForPublish.js";
import type { BuildManifest, ManifestStage } from "../../src/pipeline/manifest.js";
import { STAGES } from "../../src/stages/index.js";
import { runCli } from "../cli.js";
import { FAST_RETRY, MIB, hubEnvironment, pseudoRandomBytes, temporaryDir } from "./fixtures.js";
import { type HubServer, startHubServer } from "./hubServer.js";

const TOKEN = "hf_alicewritetoken000000000000000";
const OTHER = "hf_bobtoken00000000000000000000000";
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

let scratch: { path: string; remove(): Promise<void> };
let server: HubServer | undefined;
let counter = 0;

beforeAll(async () => {
  scratch = await temporaryDir("oss-prep-publish-");
});
afterAll(async () => scratch.remove());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(options: Omit<Parameters<typeof startHubServer>[0], "tokens"> = {}): Promise<HubServer> {
  // multipart above 1 MiB in 256 KiB parts, so the 3 MiB GGUF goes through the multipart protocol
  server = await startHubServer({ tokens: { [TOKEN]: "alice", [OTHER]: "bob" }, multipartThresholdBytes: MIB, multipartChunkBytes: 256 << 10, ...options });
  return server;
}

function stage(partial: Partial<ManifestStage> & Pick<ManifestStage, "id" | "stage" | "outputs">): ManifestStage {
  return { version: 1, cacheKey: `key-${partial.id}`, params: {}, cached: false, startedAt: "2025-01-01T00:00:00.000Z", seconds: 1.5, cpuSeconds: 1, peakRssBytes: 100 << 20, inputs: [], warnings: [], ...partial };
}

/** A build directory as `oss-prep build` leaves it: exported artifacts and manifest.json. */
async function fakeBuild(): Promise<{ dir: string; gguf: Buffer; evalReport: Buffer; manifest: BuildManifest }> {
  const dir = join(scratch.path, `build-${++counter}`);
  const gguf = Buffer.concat([Buffer.from("GGUF"), pseudoRandomBytes("gguf", 3 * MIB - 4)]);
  const evalReport = Buffer.from(JSON.stringify({ questions: 100, accuracy: 0.61 }));
  await mkdir(join(dir, "eval"), { recursive: true });
  await writeFile(join(dir, "gpt-oss-20b-Q5_K_M.gguf"), gguf);
  // the build's bf16 baseline is exported too: not part of what the variant publishes
  const baseline = Buffer.concat([Buffer.from("GGUF"), pseudoRandomBytes("baseline", 64 << 10)]);
  await writeFile(join(dir, "gpt-oss-20b-BF16.gguf"), baseline);
  await writeFile(join(dir, "eval", "report.json"), evalReport);
  const manifest: BuildManifest = {
    schema: 1,
    variant: "gguf-q5",
    pipelineFile: "pipelines/gguf-q5.yaml",
    model: { name: "gpt-oss-20b", source: { kind: "hub", repo: "openai/gpt-oss-20b", revision: "main", allow: ["config.json"] } },
    createdAt: "2025-01-01T00:00:00.000Z",
    stages: [
      stage({
        id: "source",
        stage: "source",
        summary: { source: "hub", repo: "openai/gpt-oss-20b", commit: "a".repeat(40) },
        outputs: [{ name: "checkpoint", kind: "checkpoint", path: "/cache/models--openai--gpt-oss-20b/snapshots/x", files: [], digest: "d0" }],
      }),
      stage({
        id: "baseline",
        stage: "convert",
        params: { outtype: "bf16" },
        summary: { outtype: "bf16" },
        outputs: [{ name: "gguf", kind: "gguf", path: "gpt-oss-20b-BF16.gguf", files: [{ path: "gpt-oss-20b-BF16.gguf", size: baseline.length, sha256: sha256(baseline) }], digest: "d0b" }],
      }),
      stage({
        id: "quantize",
        stage: "quantize",
        params: { type: "Q5_K_M", experts: "keep" },
        summary: { type: "Q5_K_M", experts: "keep", bitsPerWeight: 5.27, classes: [{ class: "attn_q.weight", tensors: 24, from: { BF16: 24 }, to: { Q5_K: 24 }, fallbacks: 0, bytes: 1000 }], text: "Q5_K_M from checkpoint" },
        outputs: [{ name: "gguf", kind: "gguf", path: "gpt-oss-20b-Q5_K_M.gguf", files: [{ path: "gpt-oss-20b-Q5_K_M.gguf", size: gguf.length, sha256: sha256(gguf) }], digest: "d1" }],
      }),
      stage({
        id: "eval",
        stage: "eval",
        summary: { accuracy: 0.61, baselineAccuracy: 0.63, rows: [{ subject: "anatomy", accuracy: 0.5 }, { subject: "law", accuracy: 0.7 }] },
        outputs: [{ name: "eval", kind: "eval", path: "eval", files: [{ path: "report.json", size: evalReport.length, sha256: sha256(evalReport) }], digest: "d2" }],
      }),
      stage({
        id: "vram",
        stage: "vram",
        summary: { rows: [{ context: 4096, vramBytes: 13_000_000_000 }] },
        outputs: [{ name: "vram", kind: "vram", path: "/elsewhere/vram", files: [], digest: "d3" }],
      }),
    ],
    tools: { ossPrep: "0.1.0", node: "v20", nodeLlamaCpp: "3.21.1", llamaCpp: "b6000", platform: "linux-x64" },
    warnings: [],
  };
  await writeFile(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir, gguf, evalReport, manifest };
}

async function publish(hub: HubServer, buildDir: string, extra: { token?: string; dryRun?: boolean; private?: boolean; repo?: string } = {}) {
  const repo = extra.repo ?? "alice/gpt-oss-20b-q5";
  const env = hubEnvironment({ url: hub.url, cacheDir: join(scratch.path, "unused-cache"), token: "token" in extra ? extra.token : TOKEN });
  const build = await readBuildForPublish({ buildDir, repo, endpoint: env.endpoint, stages: STAGES });
  const progress: PublishProgress[] = [];
  const warnings: string[] = [];
  const result = await publishToHub({
    repo,
    files: build.files,
    hub: env,
    dryRun: extra.dryRun,
    private: extra.private,
    commitTitle: "oss-prep: gguf-q5",
    retry: FAST_RETRY,
    onProgress: (p) => progress.push(p),
    onWarning: (m) => warnings.push(m),
  });
  return { result, build, progress, warnings };
}

describe("publish: round trip", () => {
  it("creates the repository and uploads the GGUF (multipart), the eval report, manifest.json and README.md", async () => {
    const hub = await serve();
    const { dir, gguf, evalReport } = await fakeBuild();
    const { result, progress } = await publish(hub, dir, { private: true });

    expect(result.created).toBe(true);
    expect(result.commit?.oid).toBe(hub.headCommit("alice/gpt-oss-20b-q5"));
    expect(result.files.map((f) => [f.path, f.action, f.reason])).toEqual([
      ["gpt-oss-20b-Q5_K_M.gguf", "upload", "new"],
      ["eval/report.json", "upload", "new"],
      ["manifest.json", "upload", "new"],
      ["README.md", "upload", "new"],
    ]);
    const files = hub.repoFiles("alice/gpt-oss-20b-q5")!;
    expect(files.get("gpt-oss-20b-Q5_K_M.gguf")!.equals(gguf)).toBe(true);
    expect(files.get("eval/report.json")!.equals(evalReport)).toBe(true);
    // the build's manifest, its local directories reduced to their last component
    const published = JSON.parse(files.get("manifest.json")!.toString());
    const local = JSON.parse((await import("node:fs")).readFileSync(join(dir, "manifest.json"), "utf8"));
    expect(published.stages[0].outputs[0].path).toBe("…/x");
    expect(local.stages[0].outputs[0].path).toBe("/cache/models--openai--gpt-oss-20b/snapshots/x");
    expect(published.stages.map((s: { outputs: Array<{ files: unknown }> }) => s.outputs.map((o) => o.files))).toEqual(local.stages.map((s: { outputs: Array<{ files: unknown }> }) => s.outputs.map((o) => o.files)));
    expect(files.get("manifest.json")!.toString()).not.toMatch(/"\/(cache|elsewhere)\//);
    // the GGUF went through LFS in parts; the small files inline in the commit
    expect(hub.requests.filter((r) => r.route === "upload" && r.method === "PUT").length).toBe(12);
    expect(hub.uploads.map((u) => u.bytes)).toEqual([gguf.length]);
    // upload progress counts the bytes actually sent, ending at the total
    const uploading = progress.filter((p) => p.phase === "uploading");
    expect(uploading.length).toBeGreaterThan(4); // byte progress while the parts stream
    expect(uploading.map((p) => p.doneBytes)).toEqual([...uploading.map((p) => p.doneBytes)].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ phase: "committing", doneBytes: progress.at(-1)!.totalBytes });
  });

  it("the model card: front matter for the Hub, recipe, expert policy, eval and VRAM tables, manifest, how to run", async () => {
    const hub = await serve();
    const { dir } = await fakeBuild();
    await publish(hub, dir);
    const readme = hub.repoFiles("alice/gpt-oss-20b-q5")!.get("README.md")!.toString();
    const [, frontMatter, body] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(readme)!;
    expect(parseYaml(frontMatter)).toEqual({
      base_model: "openai/gpt-oss-20b",
      base_model_relation: "quantized",
      license: "apache-2.0",
      pipeline_tag: "text-generation",
      quantized_by: "oss-prep",
      tags: ["gguf", "quantized", "gpt-oss", "llama.cpp", "oss-prep", "q5_k_m"],
      "model-index": [
        {
          name: "gpt-oss-20b-q5",
          results: [{ task: { type: "text-generation" }, dataset: { name: "CMMLU (oss-prep subset)", type: "haonan-li/cmmlu" }, metrics: [{ type: "accuracy", value: 61, name: "accuracy (%)" }] }],
        },
      ],
    });
    expect(body).toContain("GGUF variant `gguf-q5` of [openai/gpt-oss-20b]");
    expect(body).toContain(`at commit \`${"a".repeat(40)}\``);
    expect(body).toMatch(/## Quantization recipe[\s\S]*parameters `type Q5_K_M, experts keep`[\s\S]*\| attn_q.weight \| 24 \| BF16 24 \| Q5_K 24 \|/);
    expect(body).toContain("`keep`: MXFP4 experts copied bit-exactly from the checkpoint (no requantization).");
    expect(body).toMatch(/## Evaluation[\s\S]*\| accuracy \| 61.0% \|[\s\S]*\| subject \| accuracy \|[\s\S]*\| anatomy \| 50.0% \|/);
    expect(body).toMatch(/## VRAM[\s\S]*\| context \| vramBytes \|[\s\S]*\| 4,096 \| 13,000,000,000 \|/);
    // no raw JSON anywhere in the body, no local path
    expect(body).not.toMatch(/\{"/);
    expect(body).not.toContain("/elsewhere/");
    expect(body).toContain("llama-server --hf-repo alice/gpt-oss-20b-q5 --hf-file gpt-oss-20b-Q5_K_M.gguf --jinja");
    expect(body).toContain("npx -y node-llama-cpp chat hf:alice/gpt-oss-20b-q5/gpt-oss-20b-Q5_K_M.gguf");
    expect(body).toMatch(/## Build manifest[\s\S]*\| `quantize` \(quantize\) \| 1 \|/);
    expect(body).toContain("`manifest.json` in this repository records");
  });

  it("a second publish of the same build uploads nothing and makes no commit", async () => {
    const hub = await serve();
    const { dir } = await fakeBuild();
    await publish(hub, dir);
    const uploads = hub.uploads.length;
    const commits = hub.commits.length;
    const lfsPuts = hub.requests.filter((r) => r.route === "upload").length;
    const { result } = await publish(hub, dir);
    expect(result.files.every((f) => f.action === "skip" && f.reason === "same")).toBe(true);
    expect(result.commit).toBeUndefined();
    expect(hub.uploads.length).toBe(uploads);
    expect(hub.commits.length).toBe(commits);
    expect(hub.requests.filter((r) => r.route === "upload").length).toBe(lfsPuts);
    expect(hub.requests.filter((r) => r.route === "preupload" || r.route === "lfs-batch" || r.route === "commit").length).toBe(3);
  });

  it("after a change, uploads only what changed", async () => {
    const hub = await serve();
    const { dir, manifest } = await fakeBuild();
    await publish(hub, dir);
    manifest.createdAt = "2025-02-02T00:00:00.000Z";
    await writeFile(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    const { result } = await publish(hub, dir);
    expect(result.files.filter((f) => f.action === "upload").map((f) => [f.path, f.reason])).toEqual([["manifest.json", "changed"]]);
    expect(hub.commits.at(-1)!.paths).toEqual(["manifest.json"]);
  });

  it("--dry-run lists what would be uploaded and changes nothing (no token needed)", async () => {
    const hub = await serve();
    const { dir } = await fakeBuild();
    const { result, build } = await publish(hub, dir, { dryRun: true, token: undefined });
    expect(result).toMatchObject({ dryRun: true, created: true, uploadedBytes: 0 });
    expect(result.files.map((f) => f.action)).toEqual(["upload", "upload", "upload", "upload"]);
    expect(build.card).toContain("## How to run");
    expect(hub.repoFiles("alice/gpt-oss-20b-q5")).toBeUndefined();
    expect(hub.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });
});

describe("publish: refusals and faults", () => {
  it("publish --dry-run with HF_HUB_OFFLINE=1: the card and the file list, no network, exit 0 (issue 17, item 2)", async () => {
    const { dir } = await fakeBuild();
    const t0 = performance.now();
    const r = await runCli(["publish", dir, "--repo", "alice/gpt-oss-20b-q5", "--dry-run"], { env: { HF_HUB_OFFLINE: "1", HF_ENDPOINT: "http://127.0.0.1:9" } });
    expect(r.code, r.stderr).toBe(0);
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(r.stdout).toMatch(/would upload\s+unknown\s+.*gpt-oss-20b-Q5_K_M\.gguf/);
    expect(r.stdout).not.toContain("gpt-oss-20b-BF16.gguf");
    expect(r.stdout).toContain("README.md (model card):");
    expect(r.stdout).toContain("--hf-file gpt-oss-20b-Q5_K_M.gguf");
  });

  it("refuses an artifact that changed since the build", async () => {
    const hub = await serve();
    const { dir } = await fakeBuild();
    await writeFile(join(dir, "eval", "report.json"), "{}");
    await expect(publish(hub, dir)).rejects.toThrow(/eval\/report.json: changed since the build \(manifest.json says \d+ bytes, sha256 [0-9a-f]{64}\); rebuild before publishing/);
  });

  it("without a token, says how to get a write token", async () => {
    const hub = await serve();
    const { dir } = await fakeBuild();
    await expect(publish(hub, dir, { token: undefined })).rejects.toThrow(/publishing to alice\/gpt-oss-20b-q5 needs a token with write access: set HF_TOKEN \(or pass --token\)/);
  });

  it("403: creating in or writing to another account's namespace explains the token's rights, never printing it", async () => {
    const hub = await serve();
    const { dir, manifest } = await fakeBuild();
    const create = (await publish(hub, dir, { token: OTHER, repo: "alice/another" }).catch((e) => e)) as Error;
    expect(create.message).toMatch(/the token from --token may not write to alice\/another \(403\): use a token with write access/);
    expect(create.message).not.toContain(OTHER);

    await publish(hub, dir); // alice's repository exists now
    manifest.createdAt = "2025-03-03T00:00:00.000Z";
    await writeFile(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    const write = (await publish(hub, dir, { token: OTHER }).catch((e) => e)) as Error;
    expect(write.message).toMatch(/may not write to alice\/gpt-oss-20b-q5 \(403\)/);
    expect(write.message).not.toContain(OTHER);
  });

  it("retries a 503 on an upload PUT and a 429 (Retry-After) on the LFS batch", async () => {
    const hub = await serve({
      faults: [
        { route: "upload", method: "PUT", fault: { kind: "status", status: 503 } },
        { route: "lfs-batch", fault: { kind: "status", status: 429, retryAfter: "1" } },
      ],
    });
    const { dir, gguf } = await fakeBuild();
    const { result } = await publish(hub, dir);
    expect(result.commit).toBeDefined();
    expect(hub.repoFiles("alice/gpt-oss-20b-q5")!.get("gpt-oss-20b-Q5_K_M.gguf")!.equals(gguf)).toBe(true);
    expect(hub.requests.filter((r) => r.route === "lfs-batch").map((r) => r.status)).toEqual([429, 200]);
  });
});
