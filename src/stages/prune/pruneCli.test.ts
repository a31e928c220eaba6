/**
 * `oss-prep prune` and the `prune` pipeline stage through the real CLI (dist/): the dry-run plan, bad
 * input as one-line errors with the documented exit codes, an atomic output folder, and a build
 * (prune → quantize) whose manifest carries the kept indices and scores.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../test/cli.js";
import { tinyFixtureDir } from "../../../test/shared.js";
import { InvalidInputError } from "../../errors.js";
import { pruneStage } from "./definition.js";

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-prune-cli-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("oss-prep prune", () => {
  it("--dry-run prints the parameter table and the plain notes; --json the plan", async () => {
    const r = await runCli(["prune", tinyFixtureDir(), "--experts-keep", "6", "--heads-keep", "12", "--dry-run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/query heads per layer: 16 → 12; KV heads: 2 \(unchanged\); query heads per KV group: 8 → 6/);
    expect(r.stdout).toMatch(/experts per layer: 8 → 6; top-k: 2/);
    expect(r.stdout).toMatch(/\| total \| 21,024,992 \(21\.02M\) \| 16,434,352 \(16\.43M\) \|/);
    expect(r.stdout).toMatch(/head pruning alone cannot make the model much smaller/);
    const json = await runCli(["prune", tinyFixtureDir(), "--target-params", "18M", "--dry-run", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ targetParams: 18e6, expertsChosenBy: "target", pruned: { nExperts: 6 }, after: { total: 17_025_232 } });
  });

  it("bad input: GQA uniformity, top-k above the kept experts, unreachable target, conflicts (exit 2); no checkpoint (exit 1)", async () => {
    const prune = (...args: string[]) => runCli(["prune", tinyFixtureDir(), "--dry-run", ...args]);
    const cases: Array<[string[], RegExp]> = [
      [["--heads-keep", "13"], /--heads-keep: keeping 13 of 16 query heads breaks GQA uniformity/],
      [["--experts-keep", "1"], /--experts-keep: top-k 2 \(num_experts_per_tok\) is larger than the 1 kept experts/],
      [["--target-params", "1e6"], /--target-params: 1\.00M is below what pruning can reach: 9\.03M/],
      [[], /--target-params: 15\.00B is not below the model's 21\.02M .*nothing to prune/],
      [["--heads-keep", "12", "--kv-groups-keep", "1"], /give --heads-keep or --kv-groups-keep, not both/],
      [["--heads-keep", "half"], /expected a positive count \(22\) or a share \(75%\)/],
      [["--score", "best"], /Allowed choices are reap, reap-sum, frequency, norm, random/],
    ];
    for (const [args, message] of cases) {
      const r = await prune(...args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const noOut = await runCli(["prune", tinyFixtureDir(), "--experts-keep", "6"]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--out: required/);
    const missing = await runCli(["prune", join(home, "nowhere"), "--dry-run", "--experts-keep", "6"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nowhere\/config\.json: missing/);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("writes the checkpoint atomically into --out and refuses to overwrite it", async () => {
    const out = join(home, "random-e6-h12");
    const r = await runCli(["prune", tinyFixtureDir(), "--experts-keep", "6", "--heads-keep", "12", "--score", "random", "--no-bias-compensation", "--seed", "3", "-o", out, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.method).toMatchObject({ experts: "random", heads: "random", bias_compensation: false, seed: 3 });
    expect(report.output.parameters).toBe(16_434_352);
    expect(readdirSync(out).sort()).toEqual(["config.json", "generation_config.json", "model-00000-of-00001.safetensors", "model-00001-of-00001.safetensors", "model.safetensors.index.json", "pruning.json", "tokenizer.json", "tokenizer_config.json"]);
    expect(readdirSync(home).filter((f) => f.includes("partial"))).toEqual([]);
    const again = await runCli(["prune", tinyFixtureDir(), "--experts-keep", "6", "--score", "random", "-o", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
  });

  it("--score reap-sum keeps each layer's best experts by REAP summed over all tokens (REAP × frequency)", async () => {
    const calib = join(home, "calib-sum.json");
    await writeFile(calib, JSON.stringify({ sequences: [Array.from({ length: 96 }, (_, i) => (i * 29 + 3) % 4000)] }));
    const out = join(home, "reap-sum-e6");
    const r = await runCli(["prune", tinyFixtureDir(), "--experts-keep", "6", "--score", "reap-sum", "--calib", calib, "--backend", "plain", "-o", out, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "pruning.json"), "utf8"));
    expect(report.method.experts).toBe("reap_sum");
    for (const layer of report.layers) {
      const sums: number[] = layer.experts.reap_sum;
      const best = [...sums.keys()].sort((a, b) => sums[b] - sums[a] || a - b).slice(0, 6).sort((a, b) => a - b);
      expect(layer.experts.kept).toEqual(best);
    }
  });
});

describe("prune stage", () => {
  it("a build: prune (REAP + FLAP on a token-id calibration file) → quantize; the manifest has the plan, kept indices and scores", async () => {
    const calib = join(home, "calib.json");
    // token ids of CMMLU-like text are not needed here: any in-vocabulary ids exercise the scoring path
    await writeFile(calib, JSON.stringify({ sequences: [Array.from({ length: 96 }, (_, i) => (i * 37) % 4000), Array.from({ length: 96 }, (_, i) => (i * 11 + 5) % 4000)] }));
    const pipeline = join(home, "prune-pipeline.yaml");
    await writeFile(
      pipeline,
      [
        "name: prune-test",
        "stages:",
        "  - stage: source",
        "  - stage: prune",
        `    with: { experts_keep: 6, heads_keep: "75%", score: reap, calib: ${JSON.stringify(calib)} }`,
        "  - stage: quantize",
        "    with: { type: Q8_0 }",
        "",
      ].join("\n"),
    );
    const out = join(home, "build");
    const r = await runCli(["build", "--variant", pipeline, "--model", tinyFixtureDir(), "--work-dir", join(home, "work"), "--out", out, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(r.stdout);
    const prune = manifest.stages.find((s: { id: string }) => s.id === "prune");
    expect(prune.summary).toMatchObject({
      parameters: { before: 21_024_992, after: 16_434_352 },
      heads: "16 → 12 (8 → 6 per KV group, 2 → 2 KV groups)",
      experts: "8 → 6 (top-k 2)",
      method: { experts: "reap", heads: "flap", bias_compensation: true },
      calibration: { sequences: 2, tokens: 192 },
    });
    expect(prune.summary.text).toMatch(/\| total \| 21,024,992/);
    expect(prune.summary.layers).toHaveLength(8);
    expect(prune.summary.layers[0].experts_kept).toHaveLength(6);
    expect(prune.summary.layers[0].experts_reap).toHaveLength(8);
    expect(prune.summary.layers[0].heads_kept).toHaveLength(12);
    expect(existsSync(join(out, "prune", "pruning.json"))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, "prune", "config.json"), "utf8")).num_local_experts).toBe(6);
    const quantize = manifest.stages.find((s: { id: string }) => s.id === "quantize");
    expect(quantize.outputs[0].files[0].path).toMatch(/\.gguf$/);
  });

  it("checks the counts against the model when it runs, naming the stage and key", async () => {
    const pipeline = join(home, "prune-bad.yaml");
    await writeFile(pipeline, "name: prune-bad\nstages:\n  - stage: source\n  - stage: prune\n    with: { heads_keep: 13, score: random }\n");
    const r = await runCli(["build", "--variant", pipeline, "--model", tinyFixtureDir(), "--work-dir", join(home, "work"), "--out", join(home, "bad")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pipeline stage "prune": with\.heads_keep: keeping 13 of 16 query heads breaks GQA uniformity/);
  });

  it("params are validated with file and key", () => {
    const where = { file: "p.yaml", key: "stages[1].with" };
    expect(pruneStage.parseParams({ target_params: "15B", heads_keep: "75%" }, where)).toEqual({ targetParams: 15e9, headsKeep: { percent: 75 }, score: "reap", engine: "llama", backend: "auto", calibSeqlen: 512, calibTokens: 16384 });
    expect(() => pruneStage.parseParams({ heads_keep: "most" }, where)).toThrow(/stages\[1\]\.with\.heads_keep: expected a positive count/);
    expect(() => pruneStage.parseParams({ target_params: "big" }, where)).toThrow(InvalidInputError);
    // a share of the model's parameters (a pipeline for every model size); 100% would prune nothing
    expect(pruneStage.parseParams({ target_params: "71.7%" }, where)).toMatchObject({ targetParams: { percent: 71.7 } });
    expect(() => pruneStage.parseParams({ target_params: "100%" }, where)).toThrow(/target_params: expected a parameter count .* or a share/);
    expect(() => pruneStage.parseParams({ target_params: 15e9, experts_keep: 22 }, where)).toThrow(/experts_keep: give target_params or experts_keep, not both/);
    expect(() => pruneStage.parseParams({ score: "best" }, where)).toThrow(/expected one of reap, reap_sum, frequency, norm, random/);
    expect(pruneStage.parseParams({ experts_keep: 6, score: "reap_sum" }, where)).toMatchObject({ score: "reap_sum" });
    expect(() => pruneStage.parseParams({ experts: 22 }, where)).toThrow(/unknown key/);
  });
});
