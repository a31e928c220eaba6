/** gpt-oss-120b, added as one model file, through every command that takes a model without its weights. */
import { describe, expect, it } from "vitest";
import { runCli } from "../cli.js";

describe("oss-prep with models/gpt-oss-120b.yaml", () => {
  it("list names it", async () => {
    const r = await runCli(["list", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const model = JSON.parse(r.stdout).models.find((m: { name: string }) => m.name === "gpt-oss-120b");
    expect(model.source).toMatchObject({ kind: "hub", repo: "openai/gpt-oss-120b" });
  });

  it("inspect gpt-oss-120b: architecture, hyperparameters, planned tensors, total and active parameters", async () => {
    const r = await runCli(["inspect", "gpt-oss-120b", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ kind: "model", architecture: "GptOssForCausalLM", family: "gpt-oss", parameters: 116_829_156_672, activeParameters: 5_132_849_472, tensorCount: 687 });
    expect(report.hyperparameters).toMatchObject({ nLayers: 36, nExperts: 128 });
    expect(report.tensors[0]).toMatchObject({ name: "model.layers.0.input_layernorm.weight", shape: [2880] });
    const text = await runCli(["inspect", "gpt-oss-120b"]);
    expect(text.stdout).toContain("116,829,156,672 parameters, 5,132,849,472 active per token");
  });

  it("plan --model gpt-oss-120b --variant gguf-q5 --gpus 1x80GB", async () => {
    const r = await runCli(["plan", "--model", "gpt-oss-120b", "--variant", "gguf-q5", "--gpus", "1x80GB"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/gpt-oss-120b, gguf-q5/);
    expect(r.stdout).toMatch(/layers 0–35|0–35/);
  });

  it("prune gpt-oss-120b --dry-run plans from the declared config", async () => {
    const r = await runCli(["prune", "gpt-oss-120b", "--dry-run", "--experts-keep", "64", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.original).toMatchObject({ nExperts: 128, nHeads: 64 });
    expect(plan.pruned.nExperts).toBe(64);
    expect(plan.before.total).toBe(116_829_156_672);
  });

  it("synth --preset gpt-oss-120b --dry-run plans 15 shards without writing", async () => {
    const r = await runCli(["synth", "--preset", "gpt-oss-120b", "--dry-run", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ preset: "gpt-oss-120b", tensors: 687, parameters: 116_829_156_672, tensorBytes: 65_248_815_744 });
    expect(out.shards).toHaveLength(15);
  });
});
