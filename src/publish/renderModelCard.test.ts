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
});
