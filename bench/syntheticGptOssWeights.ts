/**
 * Random weights with gpt-oss-20b's real shapes (one sliding and one full layer, a small vocabulary: no
 * logits are computed) for the calibration-engine and AWQ benchmarks. Experts are random MXFP4 (scales
 * near 2^-7) dequantized on every request, like the checkpoint reader does.
 */
import { randomBytes } from "node:crypto";
import { parseGptOssConfig } from "../src/arch/gpt-oss/index.js";
import type { GptOssWeightProvider } from "../src/calib/gptOssWeights.js";
import { dequantizeHfMxfp4 } from "../src/formats/mxfp4/dequantizeHfMxfp4.js";

/** gpt-oss-20b's layer count (the benchmarks run 2 layers and scale by it). */
export const REAL_LAYERS = 24;

/** gpt-oss-20b's config.json values, 2 layers and a 1024-token vocabulary. */
const REAL_CONFIG = {
  architectures: ["GptOssForCausalLM"],
  model_type: "gpt_oss",
  num_hidden_layers: 2,
  layer_types: ["sliding_attention", "full_attention"],
  hidden_size: 2880,
  intermediate_size: 2880,
  num_attention_heads: 64,
  num_key_value_heads: 8,
  head_dim: 64,
  num_local_experts: 32,
  num_experts_per_tok: 4,
  vocab_size: 1024,
  sliding_window: 128,
  rms_norm_eps: 1e-5,
  swiglu_limit: 7,
  max_position_embeddings: 131072,
  rope_theta: 150000,
  rope_scaling: { rope_type: "yarn", factor: 32, original_max_position_embeddings: 4096, beta_fast: 32, beta_slow: 1, truncate: false },
};

/** n uniform values in [−scale, scale). */
export function randomFloats(n: number, scale: number): Float32Array {
  const bytes = randomBytes(n * 2);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((bytes[2 * i] | (bytes[2 * i + 1] << 8)) / 65536 - 0.5) * 2 * scale;
  return out;
}

function randomMxfp4(rows: number, cols: number): Float32Array {
  const nBlocks = (rows * cols) / 32;
  return dequantizeHfMxfp4({ blocks: randomBytes(nBlocks * 16), scales: new Uint8Array(nBlocks).fill(120) });
}

export function syntheticGptOssWeights(): GptOssWeightProvider {
  const config = parseGptOssConfig({ config: REAL_CONFIG, file: "synthetic" });
  const { hidden, nHeads, nKvHeads, headDim, nExperts, expertFfn: ffn } = config;
  const s = 1 / Math.sqrt(hidden);
  const attention = {
    qWeight: randomFloats(nHeads * headDim * hidden, s), qBias: randomFloats(nHeads * headDim, 0.01),
    kWeight: randomFloats(nKvHeads * headDim * hidden, s), kBias: randomFloats(nKvHeads * headDim, 0.01),
    vWeight: randomFloats(nKvHeads * headDim * hidden, s), vBias: randomFloats(nKvHeads * headDim, 0.01),
    oWeight: randomFloats(hidden * nHeads * headDim, 1 / Math.sqrt(nHeads * headDim)), oBias: randomFloats(hidden, 0.01),
    sinks: randomFloats(nHeads, 1),
  };
  return {
    config,
    async embeddingRows(ids) { return randomFloats(ids.length * hidden, 1); },
    async layer() {
      return {
        inputNorm: new Float32Array(hidden).fill(1), postAttentionNorm: new Float32Array(hidden).fill(1),
        attention, routerWeight: randomFloats(nExperts * hidden, s), routerBias: randomFloats(nExperts, 0.1),
      };
    },
    async expert() {
      return { gateUp: randomMxfp4(2 * ffn, hidden), gateUpBias: randomFloats(2 * ffn, 0.01), down: randomMxfp4(hidden, ffn), downBias: randomFloats(hidden, 0.01) };
    },
    async finalNorm() { return new Float32Array(hidden).fill(1); },
    async lmHeadRows(start, end) { return randomFloats((end - start) * hidden, s); },
    async close() {},
  };
}
