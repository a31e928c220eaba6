import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReferenceLogits, type ReferencePrompt } from "../../test/readReferenceLogits.js";
import { tinyFixtureDir } from "../../test/shared.js";
import { collectLayerActivations, type LayerActivations } from "./collectLayerActivations.js";
import { createOrtMatmulBackend } from "./createOrtMatmulBackend.js";
import type { GptOssWeightProvider } from "./gptOssWeights.js";
import type { MatmulBackend } from "./matmulBackend.js";
import { meanKlDivergence } from "./meanKlDivergence.js";
import { openGptOssWeights } from "./openGptOssWeights.js";
import { runGptOss } from "./runGptOss.js";

/*
 * The reference logits are transformers' forward pass on CUDA (grouped_mm experts: the dequantized MXFP4
 * weights stay bf16, so every expert input and intermediate is cast to bf16). numerics "transformers"
 * replicates that computation op by op — given transformers' own inputs its MoE block and RoPE are
 * bit-identical (transformersNumerics.test.ts) — but not the GPU's float32 arithmetic (cuBLAS split-K
 * accumulation, CUDA's reduction order, the hardware expf/rsqrtf/sinf/cosf approximations). Those leave
 * last-bit differences; where one puts an expert input on the other side of a bf16 rounding midpoint,
 * that token's expert output moves by ~1e-3 and the difference spreads through attention: 2–25 such
 * flips per prompt here, and in prompt 2 they tip a last-layer routing near-tie (experts 1 and 6 at
 * position 19, 0.008 apart) into a KL of 7e-3 at that position. transformers itself on CPU shows the
 * same floor (3.5e-4 on prompt 2, same position). Per-prompt mean KL is therefore checked at the
 * tightest bound that holds, not the issue's 1e-4: see docs/quality.md, "TS forward pass vs
 * transformers reference". The issue's 1e-4 holds for the mean over all 494 positions and for the
 * typical (median) position of every prompt.
 */
const MEAN_KL = 4e-4;
const MEAN_KL_ALL_POSITIONS = 1e-4;
const MEDIAN_POSITION_KL = 1e-4;
const MIN_TOP1_AGREEMENT = 0.93;

let prompts: ReferencePrompt[];
beforeAll(async () => {
  prompts = await readReferenceLogits(join(tinyFixtureDir(), "reference_logits.safetensors"));
});

interface PromptMatch {
  meanKl: number;
  medianKl: number;
  maxKl: number;
  top1: number;
  positionKl: number[];
}

function compareWithReference(logits: Float32Array[]): PromptMatch[] {
  return prompts.map((p, i) => {
    const V = p.vocabSize;
    const all = meanKlDivergence({ reference: p.logits, candidate: logits[i], vocab: V });
    const positionKl = p.ids.map((_, r) =>
      meanKlDivergence({ reference: p.logits.subarray(r * V, (r + 1) * V), candidate: logits[i].subarray(r * V, (r + 1) * V), vocab: V }).meanKl,
    );
    const sorted = [...positionKl].sort((a, b) => a - b);
    return { meanKl: all.meanKl, medianKl: sorted[Math.floor(sorted.length / 2)], maxKl: all.maxKl, top1: all.top1Agreement, positionKl };
  });
}

function describeMatch(label: string, results: PromptMatch[]): void {
  const allMean = results.flatMap((r) => r.positionKl).reduce((a, b) => a + b, 0) / results.reduce((n, r) => n + r.positionKl.length, 0);
  console.log(
    `${label} vs reference: ${results.map((r) => `${r.meanKl.toExponential(2)} (median ${r.medianKl.toExponential(1)}, max ${r.maxKl.toExponential(1)}, top-1 ${r.top1.toFixed(3)})`).join(", ")}; all positions ${allMean.toExponential(2)}`,
  );
}

function expectReferenceMatch(results: PromptMatch[]): void {
  const positions = results.flatMap((r) => r.positionKl);
  expect(positions.reduce((a, b) => a + b, 0) / positions.length, "mean KL over all positions").toBeLessThanOrEqual(MEAN_KL_ALL_POSITIONS);
  results.forEach((r, k) => {
    expect(r.meanKl, `prompt ${k} mean KL`).toBeLessThanOrEqual(MEAN_KL);
    expect(r.medianKl, `prompt ${k} median position KL`).toBeLessThanOrEqual(MEDIAN_POSITION_KL);
    expect(r.top1, `prompt ${k} top-1 agreement`).toBeGreaterThanOrEqual(MIN_TOP1_AGREEMENT);
  });
}

describe("runGptOss on the tiny fixture vs transformers' reference logits", () => {
  it("plain TypeScript backend, all 4 prompts (363 tokens: past the sliding window)", async () => {
    const result = await runGptOss({ dir: tinyFixtureDir(), sequences: prompts.map((p) => p.ids), logits: "all", numerics: "transformers" });
    expect(result.logits.map((l) => l.length)).toEqual(prompts.map((p) => p.ids.length * p.vocabSize));
    const results = compareWithReference(result.logits);
    describeMatch("plain-ts", results);
    expectReferenceMatch(results);
  });

  describe("onnxruntime-node (CPU provider)", () => {
    let ort: MatmulBackend;
    beforeAll(async () => {
      ort = await createOrtMatmulBackend({ executionProviders: ["cpu"] });
    });
    afterAll(() => ort.dispose());

    it("all 4 prompts", async () => {
      const result = await runGptOss({ dir: tinyFixtureDir(), sequences: prompts.map((p) => p.ids), logits: "all", backend: ort, numerics: "transformers" });
      const results = compareWithReference(result.logits);
      describeMatch("ort-cpu", results);
      expectReferenceMatch(results);
    });

    it("agrees with the plain backend to float tolerance (float32 experts: no bf16 amplification)", async () => {
      const sequences = [prompts[1].ids.slice(0, 300)]; // past the window of 64, two query blocks
      const plain = await runGptOss({ dir: tinyFixtureDir(), sequences, logits: "all", expertPrecision: "f32" });
      const viaOrt = await runGptOss({ dir: tinyFixtureDir(), sequences, logits: "all", expertPrecision: "f32", backend: ort });
      sequences.forEach((_, i) => {
        expect(meanKlDivergence({ reference: plain.logits[i], candidate: viaOrt.logits[i], vocab: 4096 }).meanKl).toBeLessThan(1e-9);
      });
    });
  });
});

describe("runGptOss hooks", () => {
  const sequences = [
    [402, 973, 509, 407, 401, 282, 730, 2374, 905, 303],
    [51, 71, 68, 220, 80, 84, 72],
  ];

  async function collect(): Promise<LayerActivations[]> {
    const layers: LayerActivations[] = [];
    await runGptOss({
      dir: tinyFixtureDir(),
      sequences,
      hooks: collectLayerActivations({ onLayer: (a) => void layers.push(a) }),
      maxBatchTokens: 8, // one sequence per attention batch: exercises the batch bookkeeping
      expertChunkTokens: 3, // several onExpert calls per expert
    });
    return layers;
  }

  it("reports every linear input with consistent shapes", async () => {
    const weights = await openGptOssWeights({ dir: tinyFixtureDir() });
    const { hidden, nHeads, headDim, nLayers, nExpertsUsed: k, expertFfn, nExperts } = weights.config;
    await weights.close();
    const tokens = sequences.flat().length;
    const layers = await collect();
    expect(layers.map((l) => l.layer)).toEqual([...Array(nLayers).keys()]);
    for (const l of layers) {
      expect(l.attnInput.length).toBe(tokens * hidden);
      expect(l.oProjInput.length).toBe(tokens * nHeads * headDim);
      expect(l.mlpInput.length).toBe(tokens * hidden);
      expect(l.hidden.length).toBe(tokens * hidden);
      expect(l.routing.routerLogits.length).toBe(tokens * nExperts);
      expect(l.routing.topkIdx.length).toBe(tokens * k);
      let routed = 0;
      for (const [e, { tokens: ids, gateWeights, x }] of l.expertInputs) {
        routed += ids.length;
        expect(x.length).toBe(ids.length * hidden);
        expect(l.downInputs.get(e)!.length).toBe(ids.length * expertFfn);
        expect(l.expertOutputs.get(e)!.length).toBe(ids.length * hidden);
        ids.forEach((t, i) => {
          // the token chose this expert, with this weight
          const slot = Array.from(l.routing.topkIdx.subarray(t * k, (t + 1) * k)).indexOf(e);
          expect(slot).toBeGreaterThanOrEqual(0);
          expect(gateWeights[i]).toBe(l.routing.topkWeights[t * k + slot]);
          if (i > 0) expect(t).toBeGreaterThan(ids[i - 1]);
        });
      }
      expect(routed).toBe(tokens * k);
      for (let t = 0; t < tokens; t++) {
        const w = l.routing.topkWeights.subarray(t * k, (t + 1) * k);
        expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
        expect(w[0]).toBeGreaterThanOrEqual(w[1]); // ordered by logit, like torch.topk
      }
    }
  });

  it("routing decisions and activations are deterministic", async () => {
    const [a, b] = [await collect(), await collect()];
    a.forEach((layer, i) => {
      expect(layer.routing.topkIdx).toEqual(b[i].routing.topkIdx);
      expect(layer.routing.topkWeights).toEqual(b[i].routing.topkWeights);
      expect(layer.hidden).toEqual(b[i].hidden);
    });
  });
});

describe("runGptOss with a wrapped weight provider", () => {
  it("runs modified weights: folding power-of-two scales into norms, attention, router and experts is exact", async () => {
    const base = await openGptOssWeights({ dir: tinyFixtureDir() });
    const { hidden } = base.config;
    // A per-channel scale s (powers of two: the fold is then exact in f32 and bf16) divides the norm
    // weight and multiplies the matching input column of every linear reading that norm — AWQ's fold.
    const scale = Float32Array.from({ length: hidden }, (_, i) => 2 ** ((i % 5) - 2));
    const scaleColumns = (w: Float32Array) => w.map((v, i) => v * scale[i % hidden]);
    const folded: GptOssWeightProvider = {
      ...base,
      async layer(layer) {
        const w = await base.layer(layer);
        const a = w.attention;
        return {
          ...w,
          inputNorm: w.inputNorm.map((v, i) => v / scale[i]),
          postAttentionNorm: w.postAttentionNorm.map((v, i) => v / scale[i]),
          attention: { ...a, qWeight: scaleColumns(a.qWeight), kWeight: scaleColumns(a.kWeight), vWeight: scaleColumns(a.vWeight) },
          routerWeight: scaleColumns(w.routerWeight),
        };
      },
      async expert(layer, expert) {
        const w = await base.expert(layer, expert);
        return { ...w, gateUp: scaleColumns(w.gateUp) };
      },
    };
    const sequences = [prompts[2].ids];
    try {
      const original = await runGptOss({ weights: base, sequences, logits: "last" });
      const modified = await runGptOss({ weights: folded, sequences, logits: "last" });
      expect(modified.logits[0]).toEqual(original.logits[0]);
      // and a provider change that is not an identity does change the output
      const zeroed = await runGptOss({ weights: { ...base, expert: async (l, e) => ({ ...(await base.expert(l, e)), downBias: new Float32Array(hidden).fill(1) }) }, sequences, logits: "last" });
      expect(zeroed.logits[0]).not.toEqual(original.logits[0]);
    } finally {
      await base.close();
    }
  });
});

describe("runGptOss input errors", () => {
  it("names what is wrong", async () => {
    await expect(runGptOss({ dir: tinyFixtureDir(), sequences: [] })).rejects.toThrow(/no sequences to run/);
    await expect(runGptOss({ dir: tinyFixtureDir(), sequences: [[1, 2], []] })).rejects.toThrow(/sequences\[1\]: empty sequence/);
    await expect(runGptOss({ dir: tinyFixtureDir(), sequences: [[1, 4096]] })).rejects.toThrow(/token id 4096/);
    await expect(runGptOss({ sequences: [[1]] })).rejects.toThrow(/exactly one of dir and weights/);
    await expect(runGptOss({ dir: tinyFixtureDir(), sequences: [[1]], numerics: "transformers", expertPrecision: "f32" })).rejects.toThrow(/expertPrecision "f32" contradicts/);
  });
});
