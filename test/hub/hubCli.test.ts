/**
 * The Hub through the built CLI, as a user meets it: `oss-prep download`, `oss-prep publish`, and a
 * build whose pipeline downloads gpt-oss-20b (the tiny fixture served as openai/gpt-oss-20b by the
 * local Hub), converts it and publishes the result.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { digestGguf } from "../ggufDigest.js";
import { tinyFixtureDir } from "../shared.js";
import { temporaryDir } from "./fixtures.js";
import { type HubServer, startHubServer } from "./hubServer.js";

const TOKEN = "hf_clitesttoken0000000000000000000";
const sha256File = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

let scratch: { path: string; remove(): Promise<void> };
let hub: HubServer;
let cacheDir: string;

/** Everything in the fixture directory, plus the folders the real repository has and oss-prep never fetches. */
function fixtureFiles(): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const name of readdirSync(tinyFixtureDir())) files[name] = readFileSync(join(tinyFixtureDir(), name));
  files["original/model.safetensors"] = Buffer.alloc(4096, 1);
  files["metal/model.bin"] = Buffer.alloc(4096, 2);
  return files;
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    HF_ENDPOINT: hub.url,
    HF_HUB_CACHE: cacheDir,
    HF_HOME: join(scratch.path, "hf-home"),
    HF_TOKEN: "",
    HF_HUB_OFFLINE: "",
    OSS_PREP_HOME: join(scratch.path, "work"),
    ...extra,
  };
}

beforeAll(async () => {
  scratch = await temporaryDir("oss-prep-hub-cli-");
  cacheDir = join(scratch.path, "hf-cache");
  hub = await startHubServer({
    repos: [
      { name: "openai/gpt-oss-20b", files: fixtureFiles() },
      { name: "acme/private-model", files: { "config.json": "{}" }, private: true, owner: "acme" },
    ],
    tokens: { [TOKEN]: "alice" },
    lifetimeMs: 600_000,
  });
});
afterAll(async () => {
  await hub.close();
  await scratch.remove();
});

describe("oss-prep download", () => {
  it("--help documents the options; the top-level help lists download and publish", async () => {
    const help = await runCli(["download", "--help"]);
    expect(help.code).toBe(0);
    for (const option of ["--revision", "--hub-url", "--token", "HF_HUB_OFFLINE"]) expect(help.stdout).toContain(option);
    const top = await runCli(["--help"], { env: { NODE_DEBUG: "module" } });
    expect(top.stdout).toMatch(/download[\s\S]*publish|publish[\s\S]*download/);
    expect(top.stderr).not.toMatch(/@huggingface\/hub/);
  });

  it("gpt-oss-20b lands in the HF cache: prints the snapshot dir; --json; a second run fetches nothing", async () => {
    const first = await runCli(["download", "gpt-oss-20b"], { env: env() });
    expect(first.code, first.stderr).toBe(0);
    const commit = hub.headCommit("openai/gpt-oss-20b")!;
    const snapshotDir = join(cacheDir, "models--openai--gpt-oss-20b", "snapshots", commit);
    expect(first.stdout.trim()).toBe(snapshotDir);
    expect(readdirSync(snapshotDir).sort()).toEqual([
      "config.json",
      "generation_config.json",
      "model-00000-of-00001.safetensors",
      "model-00001-of-00001.safetensors",
      "model.safetensors.index.json",
      "tokenizer.json",
      "tokenizer_config.json",
    ]);
    expect(first.stderr).toMatch(/no file matches special_tokens_map.json/);

    const second = await runCli(["download", "gpt-oss-20b", "--json"], { env: env() });
    expect(second.code, second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout);
    expect(summary).toMatchObject({ repo: "openai/gpt-oss-20b", revision: "main", commit, snapshotDir, fetchedBytes: 0, offline: false });
    expect(summary.files.find((f: { path: string }) => f.path === "config.json").sha256).toBe(sha256File(join(tinyFixtureDir(), "config.json")));
  });

  it("HF_HUB_OFFLINE=1 works from the cache, and without a file exits 1 with one line naming it", async () => {
    const requests = hub.requests.length;
    const offline = await runCli(["download", "gpt-oss-20b", "--json"], { env: env({ HF_HUB_OFFLINE: "1" }) });
    expect(offline.code, offline.stderr).toBe(0);
    expect(JSON.parse(offline.stdout).offline).toBe(true);
    expect(hub.requests.length).toBe(requests);

    const isolated = join(scratch.path, "offline-cache");
    const online = await runCli(["download", "gpt-oss-20b", "--json"], { env: env({ HF_HUB_CACHE: isolated }) });
    await rm(join(JSON.parse(online.stdout).snapshotDir, "tokenizer.json"));
    const missing = await runCli(["download", "gpt-oss-20b"], { env: env({ HF_HUB_CACHE: isolated, HF_HUB_OFFLINE: "1" }) });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split("\n").filter((l) => l.startsWith("oss-prep:"))).toEqual([
      expect.stringMatching(/^oss-prep: HF_HUB_OFFLINE=1: openai\/gpt-oss-20b@main \(commit [0-9a-f]{40}\) is incomplete .*missing: tokenizer.json; run once without HF_HUB_OFFLINE=1/),
    ]);
  });

  it("401 exits 1 explaining the token; a token from HF_TOKEN is never printed", async () => {
    const anonymous = await runCli(["download", "acme/private-model"], { env: env() });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/oss-prep: acme\/private-model@main needs authentication \(401.*set HF_TOKEN \(or pass --token\)/);
    const bad = "hf_wrongwrongwrongwrong0000";
    const rejected = await runCli(["download", "acme/private-model", "--verbose"], { env: env({ HF_TOKEN: bad }) });
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/the Hub rejected the token from HF_TOKEN/);
    expect(rejected.stdout + rejected.stderr).not.toContain(bad);
    const usage = await runCli(["download", "acme/private-model", "--token", "not-a-token"], { env: env() });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--token: a Hugging Face access token starts with "hf_"/);
    expect(usage.stderr).not.toContain("not-a-token");
  });
});

describe("oss-prep download: retries", () => {
  it("every retry of a Hub request is a line on stderr by default (attempt n of m, reason, wait, last attempt's ETA), without --verbose", async () => {
    hub.addFault({ route: "model-info", fault: { kind: "status", status: 503 }, times: 2 });
    const result = await runCli(["download", "gpt-oss-20b"], { env: env({ HF_HUB_CACHE: join(scratch.path, "retry-cache") }) });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.split("\n").filter((line) => line.includes("(attempt "));
    expect(lines).toEqual([
      expect.stringMatching(/warning: GET http:\/\/127\.0\.0\.1:\d+\/api\/models\/openai\/gpt-oss-20b\S*: HTTP 503 \(attempt 1 of 6\); retrying in 1\.0 s, last attempt within 31\.0 s$/),
      expect.stringMatching(/warning: GET http:\/\/127\.0\.0\.1:\d+\/api\/models\/openai\/gpt-oss-20b\S*: HTTP 503 \(attempt 2 of 6\); retrying in 2\.0 s, last attempt within 30\.0 s$/),
    ]);
  });
});

describe("oss-prep download: interrupted and resumed", () => {
  it("SIGINT mid-file exits 130 keeping the partial file; the next run fetches only the rest", async () => {
    const shard = "model-00000-of-00001.safetensors";
    const size = readFileSync(join(tinyFixtureDir(), shard)).length;
    const partialBytes = 3 << 20;
    hub.addFault({ route: "cdn", file: shard, fault: { kind: "stall", afterBytes: partialBytes } });
    const cache = join(scratch.path, "interrupted-cache");
    const blobs = join(cache, "models--openai--gpt-oss-20b", "blobs");
    const etag = createHash("sha256").update(readFileSync(join(tinyFixtureDir(), shard))).digest("hex");
    const interrupted = await runCli(["download", "gpt-oss-20b"], {
      env: env({ HF_HUB_CACHE: cache }),
      onSpawn: (child) => {
        const poll = setInterval(() => {
          try {
            if (statSync(join(blobs, `${etag}.incomplete`)).size === partialBytes) {
              clearInterval(poll);
              child.kill("SIGINT");
            }
          } catch {
            // not there yet
          }
        }, 10);
        child.on("close", () => clearInterval(poll));
      },
    });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/interrupted/);
    expect(statSync(join(blobs, `${etag}.incomplete`)).size).toBe(partialBytes);
    expect(readdirSync(join(cache, "models--openai--gpt-oss-20b"))).not.toContain("snapshots");
    expect(readdirSync(join(cache, ".locks", "models--openai--gpt-oss-20b"))).toEqual([]);

    const before = hub.contentRequests(shard).length;
    const resumed = await runCli(["download", "gpt-oss-20b"], { env: env({ HF_HUB_CACHE: cache }) });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(hub.contentRequests(shard).slice(before).map((r) => [r.rangeStart, r.bytesSent])).toEqual([[partialBytes, size - partialBytes]]);
  });
});

describe("build and publish through the Hub", () => {
  it("the shipped gguf-bf16 pipeline with the default model downloads gpt-oss-20b; offline, the next build runs from the cache", async () => {
    const out = join(scratch.path, "build-default");
    const online = await runCli(["build", "--variant", "gguf-bf16", "--out", out, "--json"], { env: env() });
    expect(online.code, online.stderr).toBe(0);
    const manifest = JSON.parse(online.stdout);
    expect(manifest.model).toMatchObject({ name: "gpt-oss-20b", source: { kind: "hub", repo: "openai/gpt-oss-20b", revision: "main" } });
    expect(manifest.stages[0].summary).toMatchObject({ repo: "openai/gpt-oss-20b", commit: hub.headCommit("openai/gpt-oss-20b") });
    const requests = hub.requests.length;
    const offline = await runCli(["build", "--variant", "gguf-bf16", "--out", out, "--json"], { env: env({ HF_HUB_OFFLINE: "1" }) });
    expect(offline.code, offline.stderr).toBe(0);
    const again = JSON.parse(offline.stdout);
    expect(again.stages[0].summary).toMatchObject({ offline: true, commit: manifest.stages[0].summary.commit });
    expect(again.stages[1].cached).toBe(true);
    expect(hub.requests.length).toBe(requests);
  });

  let buildDir: string;

  it("a pipeline download → convert → publish: same tensors as a local build, repo + commit in the manifest, no token anywhere", async () => {
    const pipeline = join(scratch.path, "hub-bf16.yaml");
    await writeFile(
      pipeline,
      "name: hub-bf16\nstages:\n  - stage: download\n  - stage: convert\n    with:\n      outtype: bf16\n  - stage: publish\n    with:\n      repo: alice/gpt-oss-20b-bf16\n",
    );
    buildDir = join(scratch.path, "build-hub");
    const build = await runCli(["build", "--variant", pipeline, "--model", "gpt-oss-20b", "--out", buildDir, "--json"], { env: env({ HF_TOKEN: TOKEN }) });
    expect(build.code, build.stderr).toBe(0);
    const manifest = JSON.parse(build.stdout);
    const [download, convert, publish] = manifest.stages;
    expect(download.summary).toMatchObject({ source: "hub", repo: "openai/gpt-oss-20b", revision: "main", commit: hub.headCommit("openai/gpt-oss-20b"), endpoint: hub.url });
    expect(download.outputs[0].path).toBe(download.summary.path);
    expect(download.outputs[0].files.map((f: { path: string }) => f.path)).toContain("model-00000-of-00001.safetensors");
    expect(publish.summary).toMatchObject({ repo: "alice/gpt-oss-20b-bf16", dryRun: false, created: true, uploaded: 3, skipped: 0 });

    const published = hub.repoFiles("alice/gpt-oss-20b-bf16")!;
    const gguf = convert.outputs[0].path;
    expect(createHash("sha256").update(published.get(gguf)!).digest("hex")).toBe(sha256File(join(buildDir, gguf)));
    expect(published.get("README.md")!.toString()).toContain(`at commit \`${download.summary.commit}\``);
    for (const text of [build.stdout, build.stderr, readFileSync(join(buildDir, "manifest.json"), "utf8"), published.get("manifest.json")!.toString(), published.get("README.md")!.toString()]) {
      expect(text).not.toContain(TOKEN);
    }

    await writeFile(join(scratch.path, "local-bf16.yaml"), "name: local-bf16\nstages:\n  - stage: source\n  - stage: convert\n    with:\n      outtype: bf16\n");
    const localBuild = await runCli(["build", "--variant", join(scratch.path, "local-bf16.yaml"), "--model", tinyFixtureDir(), "--out", join(scratch.path, "build-local"), "--json"], { env: env() });
    expect(localBuild.code, localBuild.stderr).toBe(0);
    const localGguf = join(scratch.path, "build-local", JSON.parse(localBuild.stdout).stages[1].outputs[0].path);
    const [fromHub, fromDir] = await Promise.all([digestGguf(join(buildDir, gguf)), digestGguf(localGguf)]);
    expect(fromHub.tensors).toEqual(fromDir.tensors);
  });

  it("build --publish-to uploads even when the variant's publish stage dry-runs; that dry run itself asks no Hub (issue 17, item 3)", async () => {
    const pipeline = join(scratch.path, "dry-publish.yaml");
    await writeFile(pipeline, "name: dry-publish\nstages:\n  - stage: source\n  - stage: quantize\n    with: { type: Q8_0 }\n  - stage: publish\n    optional: true\n    with: { repo: your-org/placeholder, dry_run: true }\n");
    const args = ["build", "--variant", pipeline, "--model", tinyFixtureDir(), "--json"];
    // the dry run: a Hub that cannot be reached is not waited for
    const t0 = performance.now();
    const dry = await runCli([...args, "--out", join(scratch.path, "build-dry")], { env: env({ HF_ENDPOINT: "http://127.0.0.1:9" }) });
    expect(dry.code, dry.stderr).toBe(0);
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(JSON.parse(dry.stdout).stages.at(-1).summary).toMatchObject({ dryRun: true });
    const up = await runCli([...args, "--out", join(scratch.path, "build-up"), "--publish-to", "alice/q8-from-build"], { env: env({ HF_TOKEN: TOKEN }) });
    expect(up.code, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout).stages.at(-1).summary).toMatchObject({ repo: "alice/q8-from-build", dryRun: false, created: true });
    expect([...hub.repoFiles("alice/q8-from-build")!.keys()].some((f) => f.endsWith("Q8_0.gguf"))).toBe(true);
  });

  it("oss-prep publish <build dir>: uploads, then uploads nothing; --dry-run changes nothing; download brings it back", async () => {
    const repo = "alice/gpt-oss-20b-bf16-cli";
    const dry = await runCli(["publish", buildDir, "--repo", repo, "--dry-run"], { env: env() });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would create http:\/\/127\.0\.0\.1:\d+\/alice\/gpt-oss-20b-bf16-cli/);
    expect(dry.stdout).toMatch(/would upload\s+new\s+.*gpt-oss-20b-BF16.gguf/);
    expect(dry.stdout).toContain("base_model_relation: quantized");
    expect(hub.repoFiles(repo)).toBeUndefined();

    const first = await runCli(["publish", buildDir, "--repo", repo, "--private"], { env: env({ HF_TOKEN: TOKEN }) });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/created .*\(private\)[\s\S]*commit [0-9a-f]{40}/);
    const commits = hub.commits.length;
    const second = await runCli(["publish", buildDir, "--repo", repo, "--json"], { env: env({ HF_TOKEN: TOKEN }) });
    expect(second.code, second.stderr).toBe(0);
    const result = JSON.parse(second.stdout);
    expect(result.files.map((f: { action: string }) => f.action)).toEqual(["skip", "skip", "skip"]);
    expect(hub.commits.length).toBe(commits);

    const back = await runCli(["download", repo, "--include", "*.gguf", "--json"], { env: env({ HF_TOKEN: TOKEN }) });
    expect(back.code, back.stderr).toBe(0);
    const [file] = JSON.parse(back.stdout).files;
    expect(file.sha256).toBe(sha256File(join(buildDir, file.path)));
  });
});
