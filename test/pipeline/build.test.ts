/**
 * The stage engine end to end, through the real CLI on real files: cache hits and misses,
 * resume after SIGKILL and SIGINT mid-stage, manifest contents.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { cmmluDir, tinyFixtureDir } from "../shared.js";

let home: string;
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-build-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

async function pipelineFile(name: string, outtype: string): Promise<string> {
  const file = join(home, `${name}.yaml`);
  await writeFile(file, `name: ${name}\nstages:\n  - stage: source\n  - stage: convert\n    with:\n      outtype: ${outtype}\n`);
  return file;
}

function build(args: string[], workDir = join(home, "work")) {
  return runCli(["build", "--model", tinyFixtureDir(), "--work-dir", workDir, "--json", ...args]);
}

describe("build: cache", () => {
  it("skips a finished stage, re-runs it when a parameter changes, and --force re-runs it", async () => {
    const bf16 = await pipelineFile("t-bf16", "bf16");
    const first = await build(["--variant", bf16, "--out", join(home, "out1")]);
    expect(first.code, first.stderr).toBe(0);
    const m1 = JSON.parse(first.stdout);
    expect(m1.stages.map((s: { id: string; cached: boolean }) => [s.id, s.cached])).toEqual([["source", false], ["convert", false]]);

    const second = await build(["--variant", bf16, "--out", join(home, "out1")]);
    expect(second.code, second.stderr).toBe(0);
    const m2 = JSON.parse(second.stdout);
    expect(m2.stages[1].cached).toBe(true);
    expect(m2.stages[1].cacheKey).toBe(m1.stages[1].cacheKey);

    const f32 = await pipelineFile("t-f32", "f32");
    const third = await build(["--variant", f32, "--out", join(home, "out2")]);
    const m3 = JSON.parse(third.stdout);
    expect(m3.stages[1].cached).toBe(false);
    expect(m3.stages[1].cacheKey).not.toBe(m1.stages[1].cacheKey);

    const forced = await build(["--variant", bf16, "--out", join(home, "out1"), "--force", "--only", "convert"]);
    expect(JSON.parse(forced.stdout).stages[1].cached).toBe(false);
  });
});

describe("build: manifest", () => {
  it("records the source with file digests, params, timings, memory, outputs with sha256, tool versions", async () => {
    const bf16 = await pipelineFile("t-bf16", "bf16");
    const out = join(home, "out-manifest");
    const result = await build(["--variant", bf16, "--out", out]);
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.variant).toBe("t-bf16");
    expect(manifest.model.source).toEqual({ kind: "local", path: tinyFixtureDir() });
    const source = manifest.stages[0];
    const config = source.outputs[0].files.find((f: { path: string }) => f.path === "config.json");
    expect(config.sha256).toBe(sha256(join(tinyFixtureDir(), "config.json")));
    const convert = manifest.stages[1];
    expect(convert.params).toEqual({ outtype: "bf16" });
    expect(convert.seconds).toBeGreaterThan(0);
    expect(convert.cpuSeconds).toBeGreaterThan(0);
    expect(convert.peakRssBytes).toBeGreaterThan(10 << 20);
    const gguf = convert.outputs[0];
    expect(gguf.kind).toBe("gguf");
    const file = join(out, gguf.path);
    expect(statSync(file).size).toBe(gguf.files[0].size);
    expect(gguf.files[0].sha256).toBe(sha256(file));
    expect(manifest.tools.nodeLlamaCpp).toBe("3.21.1");
    expect(manifest.tools.llamaCpp).toMatch(/^v\d/);
    expect(manifest.tools.node).toBe(process.version);
    expect(JSON.stringify(manifest)).not.toMatch(/hf_[A-Za-z0-9]{10,}/);
  });
});

/** Start a build and kill it once the convert stage has begun writing its partial output. */
async function killMidStage(signal: NodeJS.Signals, workDir: string, variant: string) {
  const stageRoot = join(workDir, "stages", "convert");
  let killedWhilePartial = false;
  const result = await runCli(["build", "--model", tinyFixtureDir(), "--work-dir", workDir, "--variant", variant, "--out", join(workDir, "out")], {
    onSpawn: (child) => {
      const poll = setInterval(() => {
        const entries = existsSync(stageRoot) ? readdirSync(stageRoot) : [];
        const partial = entries.find((e) => e.startsWith(".partial-"));
        if (partial && readdirSync(join(stageRoot, partial)).some((f) => statSync(join(stageRoot, partial, f)).size > 0)) {
          killedWhilePartial = !entries.some((e) => !e.startsWith("."));
          child.kill(signal);
          clearInterval(poll);
        }
      }, 1);
      child.on("close", () => clearInterval(poll));
    },
  });
  return { result, killedWhilePartial, stageRoot };
}

describe("build: resume after a kill in the middle of a stage", () => {
  for (const signal of ["SIGKILL", "SIGINT"] as const) {
    it(`${signal}: the partial output is never reused and the next build completes it`, async () => {
      const workDir = join(home, `kill-${signal}`);
      // f32 with dequantized experts: the largest conversion of the fixture, to widen the window
      const variant = join(home, "t-f32-deq.yaml");
      await writeFile(variant, "name: t-f32-deq\nstages:\n  - stage: source\n  - stage: convert\n    with:\n      outtype: f32\n      dequantize_experts: true\n");
      const { result, killedWhilePartial, stageRoot } = await killMidStage(signal, workDir, variant);
      expect(killedWhilePartial).toBe(true);
      if (signal === "SIGKILL") expect(result.signal).toBe("SIGKILL");
      else expect(result.code).toBe(130);
      // no finished stage directory (finished ones are named by their cache key, without a dot)
      expect(readdirSync(stageRoot).filter((e) => !e.startsWith("."))).toEqual([]);
      if (signal === "SIGINT") expect(readdirSync(stageRoot).filter((e) => e.startsWith(".partial-"))).toEqual([]);

      const resumed = await runCli(["build", "--model", tinyFixtureDir(), "--work-dir", workDir, "--variant", variant, "--out", join(workDir, "out"), "--json"]);
      expect(resumed.code, resumed.stderr).toBe(0);
      const manifest = JSON.parse(resumed.stdout);
      expect(manifest.stages[1].cached).toBe(false);
      // stale partial dirs of the killed process are gone, one finished dir remains
      expect(readdirSync(stageRoot).filter((e) => e.startsWith(".partial-"))).toEqual([]);
      expect(readdirSync(stageRoot).filter((e) => !e.startsWith("."))).toHaveLength(1);
      const gguf = join(workDir, "out", manifest.stages[1].outputs[0].path);
      expect(sha256(gguf)).toBe(manifest.stages[1].outputs[0].files[0].sha256);
    });
  }
});

describe("build: optional stages", () => {
  it("an optional stage that cannot run here is skipped with its reason, cached nowhere; --strict makes it fatal", async () => {
    const variant = join(home, "t-optional.yaml");
    await writeFile(
      variant,
      "name: t-optional\nstages:\n  - stage: source\n  - stage: convert\n  - stage: vram\n    optional: true\n  - stage: publish\n    optional: true\n",
    );
    const workDir = join(home, "optional-work");
    const env = { OSS_PREP_NVIDIA_SMI: join(home, "no-such-nvidia-smi") };
    const r = await runCli(["build", "--model", tinyFixtureDir(), "--work-dir", workDir, "--variant", variant, "--out", join(home, "optional-out"), "--json"], { env });
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(r.stdout);
    expect(manifest.stages.map((s: { id: string }) => s.id)).toEqual(["source", "convert"]);
    expect(manifest.skipped.map((s: { id: string }) => s.id)).toEqual(["vram", "publish"]);
    expect(manifest.skipped[0].reason).toMatch(/no NVIDIA GPU/);
    expect(manifest.skipped[1].reason).toMatch(/--publish-to/);
    expect(manifest.warnings.join("\n")).toMatch(/vram: skipped/);
    // nothing finished is cached for the skipped stages: a later run on a GPU machine measures for real
    const vramRoot = join(workDir, "stages", "vram");
    expect(existsSync(vramRoot) ? readdirSync(vramRoot).filter((e) => !e.startsWith(".")) : []).toEqual([]);

    const strict = await runCli(["build", "--model", tinyFixtureDir(), "--work-dir", workDir, "--variant", variant, "--out", join(home, "optional-out"), "--strict"], { env });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/no NVIDIA GPU/);
  });

  it("--publish-to sets the publish stage's repository, validated like the pipeline file", async () => {
    const r = await runCli(["build", "--model", tinyFixtureDir(), "--work-dir", join(home, "work"), "--variant", "gguf-bf16", "--publish-to", "me/x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--publish-to: variant gguf-bf16 has no publish stage/);
    const bad = await runCli(["build", "--model", tinyFixtureDir(), "--work-dir", join(home, "work"), "--variant", "gguf-q5", "--publish-to", "not a repo"]);
    // a bad value on the command line is a usage error (issue 16, item 14)
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--publish-to: publish.*expected org\/name/);
  });
});

describe("build: the shipped variants on --model demo", () => {
  it("pruned-15b builds the demo model: its target is a share of the model's parameters (issue 17, item 8)", async () => {
    const out = join(home, "pruned-demo");
    const r = await runCli(
      ["build", "--variant", "pruned-15b", "--model", "demo", "--work-dir", join(home, "pruned-work"), "-o", out, "--cmmlu-dir", cmmluDir(), "--only", "source", "unpruned", "prune", "--json"],
      { env: { OSS_PREP_HOME: join(home, "oss-prep-home") } },
    );
    expect(r.code, r.stderr).toBe(0);
    const prune = JSON.parse(r.stdout).stages.find((s: { stage: string }) => s.stage === "prune");
    const { before, after, target } = prune.summary.parameters;
    // 71.7% of the demo's parameters, met by the closest expert count (as 15.0B of gpt-oss-20b's 20.91B)
    expect(target).toBe(Math.round(before * 0.717));
    expect(Math.abs(after - target) / before).toBeLessThan(0.1);
    expect(after).toBeLessThan(before);
  });
});
