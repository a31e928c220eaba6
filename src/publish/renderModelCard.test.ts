import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import type { ManifestStage } from "../pipeline/manifest.js";
import { renderModelCard } from "./renderModelCard.js";

const tools = { ossPrep: "0.1.0", node: "v20.0.0", nodeLlamaCpp: "3.21.1", llamaCpp: "v0.4.0", platform: "linux-x64" };
const convert: ManifestStage = {
  id: "convert",
  stage: "convert",
  version: 1,
  cacheKey: "k",
  params: { outtype: "bf16" },
  cached: true,
  startedAt: "2025-01-01T00:00:00Z",
  seconds: 12,
  cpuSeconds: 10,
  peakRssBytes: 1 << 30,
  inputs: [],
  outputs: [{ name: "gguf", kind: "gguf", path: "demo-BF16.gguf", files: [], digest: "d" }],
  summary: { outtype: "bf16", experts: "MXFP4 (copied)" },
  warnings: [],
};

describe("renderModelCard", () => {
  const input = {
    repo: "me/demo-gguf",
    variant: "gguf-bf16",
    model: { name: "demo", baseModel: "openai/gpt-oss-20b", license: "apache-2.0", source: { kind: "local", path: "/home/someone/secret-dir" } },
    stages: [convert],
    tools,
    files: [{ path: "demo-BF16.gguf", size: 10, sha256: "ab".repeat(32) }],
  };

  it("is deterministic, and says plainly what the build did not measure", () => {
    const card = renderModelCard(input);
    expect(renderModelCard(input)).toBe(card);
    expect(card).toContain("_This build has no evaluation stage._");
    expect(card).toContain("_This build has no VRAM measurement stage._");
    expect(card).toContain("`MXFP4 (copied)`: MXFP4 experts copied bit-exactly");
    expect(card).not.toContain("secret-dir"); // a local path is the builder's business
  });

  it("front matter names the base model and the relation the Hub indexes", () => {
    const card = renderModelCard(input);
    const front = parse(card.split("---\n")[1]);
    expect(front).toMatchObject({ base_model: "openai/gpt-oss-20b", base_model_relation: "quantized", license: "apache-2.0", pipeline_tag: "text-generation" });
    expect(front.tags).toEqual(expect.arrayContaining(["gguf", "quantized", "bf16"]));
  });

  it("synthetic sources say the weights are random", () => {
    const card = renderModelCard({ ...input, model: { ...input.model, source: { kind: "synth", preset: "demo", seed: 0 } } });
    expect(card).toContain("random weights");
  });

  it("synthetic weights claim no base model; a pruned model claims no relation and says why (issue 17, item 4)", () => {
    const synthetic = parse(renderModelCard({ ...input, model: { ...input.model, source: { kind: "synth", preset: "demo", seed: 0 } } }).split("---\n")[1]);
    expect(synthetic.base_model).toBeUndefined();
    expect(synthetic.base_model_relation).toBeUndefined();
    const prune = { ...convert, id: "prune", stage: "prune", outputs: [{ name: "checkpoint", kind: "checkpoint" as const, path: "prune", files: [], digest: "p" }], summary: {} };
    const card = renderModelCard({ ...input, stages: [prune, convert] });
    const front = parse(card.split("---\n")[1]);
    expect(front.base_model).toBe("openai/gpt-oss-20b");
    expect(front.base_model_relation).toBeUndefined();
    expect(front.tags).toContain("pruned");
    expect(card).toContain("`base_model_relation` is left out");
  });

  it("readable cells: Markdown summaries render as tables, shares as %, no JSON, no local paths; a skipped stage says why", () => {
    const evalStage: ManifestStage = {
      ...convert,
      id: "eval",
      stage: "eval",
      params: { cmmlu_dir: "/home/someone/data/cmmlu", per_subject: 20 },
      outputs: [{ name: "eval", kind: "eval", path: "eval", files: [], digest: "e" }],
      summary: { accuracy: 0.264179, accuracy_ci95: [0.21, 0.32], text: "| subject | accuracy |\n|---|---|\n| law | 30.0% |" },
    };
    const card = renderModelCard({ ...input, stages: [convert, evalStage], skipped: [{ id: "vram", reason: "no NVIDIA GPU on this machine" }] });
    expect(card).toContain("| accuracy | 26.4% |");
    expect(card).toContain("| accuracy_ci95 | 21.0% – 32.0% |");
    expect(card).toContain("| subject | accuracy |\n|---|---|\n| law | 30.0% |");
    expect(card).not.toContain("```text");
    expect(card).toContain("parameters `cmmlu_dir …/cmmlu, per_subject 20`");
    expect(card).not.toContain("/home/someone");
    expect(card).toContain("_Skipped in this build: no NVIDIA GPU on this machine._");
    expect(card).not.toMatch(/\{"/);
  });
});
