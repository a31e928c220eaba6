/**
 * The type plan for the real gpt-oss-20b shapes against llama.cpp's own decisions: llama_model_quantize
 * in dry-run mode (no data is read) on a sparse full-size GGUF of our BF16 conversion, whose log
 * lists every tensor's chosen type. Also the full-size output sizes the plan implies.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bf16ConversionType, gptOss20bPlan, writeSparseGptOss20bGguf } from "../../test/fullShapeGguf.js";
import { encodeGgufHeader } from "../formats/gguf/encodeGgufHeader.js";
import { GgmlType, ggmlTypeName } from "../formats/gguf/ggmlTypes.js";
import { readGguf } from "../formats/gguf/readGguf.js";
import { llamaModelQuantize } from "../ggml/llamaModelQuantize.js";
import { KEEP_EXPERTS_OVERRIDE_PATTERN, planQuantization, type ExpertPolicy } from "./planQuantization.js";
import { quantizedGgufMetadata } from "./quantizedGgufMetadata.js";
import { quantizeTypeFromName } from "./recipe/quantizeTypes.js";

/** Per tensor, the type llama_model_quantize's log says it writes (dry run). */
function typesFromDryRunLog(log: string): Map<string, string> {
  const types = new Map<string, string>();
  const line = /\[\s*\d+\/\s*\d+\]\s+(\S+)\s+- \[[^\]]*\], type =\s+(\S+), size =\s+[\d.]+ MiB(?: ->\s+[\d.]+ MiB \((\S+)\))?/g;
  for (const m of log.matchAll(line)) types.set(m[1], m[3] ?? m[2]);
  return types;
}

const CASES: Array<{ type: string; experts: ExpertPolicy }> = [
  { type: "Q5_K_M", experts: "keep" },
  { type: "Q5_K_M", experts: "requant" },
  { type: "Q4_K_M", experts: "keep" },
  { type: "Q4_K_M", experts: "requant" },
  { type: "Q4_K_S", experts: "requant" },
  { type: "Q5_K_S", experts: "requant" },
  { type: "Q6_K", experts: "requant" },
  { type: "Q8_0", experts: "keep" },
  { type: "Q8_0", experts: "requant" },
  { type: "MXFP4_MOE", experts: "keep" },
  { type: "F16", experts: "requant" },
  { type: "BF16", experts: "requant" },
];

describe("type plan for the full gpt-oss-20b shapes vs llama.cpp's dry run", () => {
  let dir: string;
  let input: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "oss-prep-fullshape-"));
    input = join(dir, "gpt-oss-20b-bf16.gguf");
    await writeSparseGptOss20bGguf(input);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const { type, experts } of CASES) {
    it(`${type}, experts ${experts}: every tensor's type as llama.cpp chooses it`, async () => {
      const quantizeType = quantizeTypeFromName(type);
      const { hp, plans } = gptOss20bPlan();
      const ours = planQuantization({
        tensors: plans.map((p) => ({ name: p.name, shape: p.shape, type: bf16ConversionType(p) })),
        quantizeType, experts, nExpert: hp.nExperts, nLayer: hp.nLayers, where: input,
      });
      const { log } = await llamaModelQuantize({
        input, output: join(dir, "dry.gguf"), ftype: quantizeType.ftype, dryRun: true,
        allowRequantize: experts === "requant",
        tensorTypeOverrides: experts === "keep" ? [{ pattern: KEEP_EXPERTS_OVERRIDE_PATTERN, type: GgmlType.MXFP4 }] : undefined,
      });
      const theirs = typesFromDryRunLog(log);
      expect(theirs.size).toBe(plans.length);
      // same order too: the dry run logs tensors in the order it would write them
      expect(ours.tensors.map((t) => t.name)).toEqual([...theirs.keys()]);
      for (const t of ours.tensors) expect(ggmlTypeName(t.type), t.name).toBe(theirs.get(t.name));
      // llama.cpp's own fallback count
      const fallbacks = /WARNING: (\d+) of \d+ tensor\(s\) required fallback quantization/.exec(log);
      expect(ours.tensors.filter((t) => t.fellBack).length).toBe(fallbacks ? Number(fallbacks[1]) : 0);
    });
  }

  it("full-size Q5_K_M output: ≈11.70 GB keeping the experts, ≈16.88 GB requantizing them", async () => {
    const { hp, plans } = gptOss20bPlan();
    const inputHeader = await readGguf({ path: input });
    const sizes: Record<string, number> = {};
    for (const experts of ["keep", "requant"] as const) {
      const quantizeType = quantizeTypeFromName("Q5_K_M");
      const plan = planQuantization({
        tensors: plans.map((p) => ({ name: p.name, shape: p.shape, type: bf16ConversionType(p) })),
        quantizeType, experts, nExpert: hp.nExperts, nLayer: hp.nLayers, where: input,
      });
      const layout = encodeGgufHeader({
        metadata: quantizedGgufMetadata({ metadata: inputHeader.metadata, fileType: quantizeType.ftype }),
        tensors: plan.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.type })),
      });
      sizes[experts] = layout.fileSize;
    }
    console.log(`full-size Q5_K_M: keep ${(sizes.keep / 1e9).toFixed(3)} GB, requant ${(sizes.requant / 1e9).toFixed(3)} GB`);
    expect(Math.abs(sizes.keep / 11.70e9 - 1)).toBeLessThan(0.005);
    expect(Math.abs(sizes.requant / 16.88e9 - 1)).toBeLessThan(0.005);
  });
});
