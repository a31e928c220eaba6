import { open } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../test/shared.js";
import { readSafetensorsHeader } from "../formats/safetensors/index.js";
import { applyRope } from "./applyRope.js";
import { createOrtMatmulBackend } from "./createOrtMatmulBackend.js";
import { createPlainMatmulBackend } from "./createPlainMatmulBackend.js";
import type { GptOssNumerics } from "./gptOssNumerics.js";
import { addMoeOutput } from "./gptOssMoe.js";
import type { GptOssWeightProvider } from "./gptOssWeights.js";
import type { MatmulBackend } from "./matmulBackend.js";
import { openGptOssWeights } from "./openGptOssWeights.js";
import { warpButterfly, warpSum, warpWidth } from "./warpSum.js";

/*
 * Exactness of numerics "transformers" where transformers' result is reproducible: given the inputs
 * transformers computed, the ops must give its outputs bit for bit. testdata/transformers-prompt2.safetensors
 * holds intermediates of the run that produced the fixture's reference logits (transformers 5.17 on an
 * H200, logits bit-identical to reference_logits.safetensors; testdata/README.md) for prompt 2.
 */

type Tensors = Map<string, Float32Array | Int32Array>;
const f = Math.fround;

async function readTensors(path: string): Promise<Tensors> {
  const header = await readSafetensorsHeader({ path });
  const handle = await open(path, "r");
  try {
    const out: Tensors = new Map();
    for (const t of header.tensors) {
      const buffer = new ArrayBuffer(t.byteLength);
      await handle.read(new Uint8Array(buffer), 0, t.byteLength, t.byteOffset);
      out.set(t.name, t.dtype === "I32" ? new Int32Array(buffer) : new Float32Array(buffer));
    }
    return out;
  } finally {
    await handle.close();
  }
}

function mismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let count = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) count++;
  return count;
}

let data: Tensors;
let weights: GptOssWeightProvider;
beforeAll(async () => {
  data = await readTensors(join(import.meta.dirname, "testdata", "transformers-prompt2.safetensors"));
  weights = await openGptOssWeights({ dir: tinyFixtureDir() });
});
afterAll(() => weights.close());

const f32 = (name: string) => data.get(name) as Float32Array;

/** Layer `layer`'s MoE on transformers' own post-attention residual, norm output and routing: the layer output. */
async function moeLayer(layer: number, backend: MatmulBackend, numerics: GptOssNumerics): Promise<Float32Array> {
  const residual = f32(`mid.${layer}`).slice();
  const mlpInput = f32(`mlp_in.${layer}`);
  await addMoeOutput({
    weights,
    layer,
    backend,
    mlpInput,
    tokens: mlpInput.length / weights.config.hidden,
    topkIdx: data.get(`topk_idx.${layer}`) as Int32Array,
    topkWeights: f32(`topk_weights.${layer}`),
    residual,
    precision: "bf16",
    numerics,
    expertChunkTokens: 8192,
  });
  return residual;
}

describe('numerics "transformers" reproduces transformers bit for bit given its inputs', () => {
  let ort: MatmulBackend;
  beforeAll(async () => {
    ort = await createOrtMatmulBackend({ executionProviders: ["cpu"] });
  });
  afterAll(() => ort.dispose());

  it("MoE block (bf16 grouped_mm experts, slot sum, residual add): layers 0–3 of prompt 2, both backends", async () => {
    for (const backend of [createPlainMatmulBackend(), ort]) {
      for (let layer = 0; layer < 4; layer++) {
        const out = await moeLayer(layer, backend, "transformers");
        expect(mismatches(out, f32(`hidden_out.${layer}`)), `${backend.name} layer ${layer}`).toBe(0);
      }
    }
  });

  it('"fast" adds each expert to the residual on its own: last-bit differences in most layers', async () => {
    let differing = 0;
    for (let layer = 0; layer < 4; layer++) differing += mismatches(await moeLayer(layer, createPlainMatmulBackend(), "fast"), f32(`hidden_out.${layer}`));
    expect(differing).toBeGreaterThan(100);
  });

  it("RoPE: three float32 ops per output with torch rounding (one rounding is off in ~28% of outputs)", () => {
    const table = { length: 25, half: 16, cos: f32("cos"), sin: f32("sin") };
    for (const [name, nHeads] of [["q", 16], ["k", 2]] as const) {
      const torch = f32(`${name}.0`).slice();
      applyRope({ x: torch, rows: 25, nHeads, headDim: 32, table, torchRounding: true });
      expect(mismatches(torch, f32(`${name}_rope.0`))).toBe(0);
      const fast = f32(`${name}.0`).slice();
      applyRope({ x: fast, rows: 25, nHeads, headDim: 32, table });
      expect(mismatches(fast, f32(`${name}_rope.0`))).toBeGreaterThan(fast.length / 10);
    }
  });
});

describe("warpSum (torch's CUDA warp softmax sum order)", () => {
  it("lane width: next power of two, at most 32", () => {
    expect([1, 2, 3, 5, 26, 32, 33, 364, 1024].map(warpWidth)).toEqual([1, 2, 4, 8, 32, 32, 32, 32, 32]);
  });

  it("per-lane sums in index order, then a xor butterfly, every step in float32", () => {
    const values = Array.from({ length: 70 }, (_, i) => f(Math.exp(-i / 7) * (1 + 1e-3 * Math.sin(i))));
    const lanes = new Float64Array(32);
    for (let j = 0; j < 70; j++) lanes[j % 32] = f(lanes[j % 32] + values[j]);
    // butterfly by hand for lane 0: offsets 16, 8, 4, 2, 1
    let level = Array.from(lanes);
    for (const offset of [16, 8, 4, 2, 1]) level = level.map((v, i) => f(v + level[i ^ offset]));
    expect(warpSum(values, 70)).toBe(level[0]);
    expect(warpButterfly(Float64Array.of(1, 2, 3, 4), 4)).toBe(10);
    // three values: width 4, lanes [a, b, c, 0] → (a + c) + b
    const [a, b, c] = [f(1e8), f(1), f(-1e8)];
    expect(warpSum([a, b, c], 3)).toBe(f(f(a + c) + b));
  });
});
