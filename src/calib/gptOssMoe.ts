import { clampedSwiglu } from "./clampedSwiglu.js";
import type { GptOssHooks } from "./gptOssHooks.js";
import type { GptOssNumerics } from "./gptOssNumerics.js";
import type { GptOssWeightProvider } from "./gptOssWeights.js";
import type { MatmulBackend } from "./matmulBackend.js";
import { roundToBf16 } from "./roundToBf16.js";

export interface AddMoeOutputParams {
  weights: GptOssWeightProvider;
  layer: number;
  backend: MatmulBackend;
  /** The post_attention_layernorm output of every token, [tokens, hidden]. */
  mlpInput: Float32Array;
  tokens: number;
  /** [tokens, k] chosen experts (slot order) and their routing weights. */
  topkIdx: Int32Array;
  topkWeights: Float32Array;
  /** [tokens, hidden]: the MoE output is added into it (pass zeros to get the MoE output itself). */
  residual: Float32Array;
  precision: "bf16" | "f32";
  numerics: GptOssNumerics;
  /** At most this many routed tokens per expert product. */
  expertChunkTokens: number;
  hooks?: GptOssHooks;
  /** Called before each expert is run (progress reporting). */
  onExpertStart?: (expert: number) => void;
}

/**
 * GptOssMLP after its router: every expert, in index order, runs on the tokens routed to it (its weights
 * read when reached, its tokens in chunks), and the weighted outputs land in `residual`.
 *
 * "fast": each weighted expert output is added to the residual as soon as it is computed (one float32
 * rounding per expert and token). "transformers": as grouped_mm_experts_forward — the k weighted outputs
 * of a token are kept per slot, summed in float32 in slot order (torch's `sum(dim=1)` on CUDA, checked
 * for k ≤ 4), and that sum is added to the residual once; it holds tokens·k·hidden more floats.
 */
export async function addMoeOutput(params: AddMoeOutputParams): Promise<void> {
  const { weights, layer, backend, mlpInput, tokens, topkIdx, topkWeights, residual, precision, numerics, expertChunkTokens, hooks = {} } = params;
  const { hidden, nExperts, nExpertsUsed: k, expertFfn: ffn, swigluLimit } = weights.config;
  const routed = tokensPerExpert({ topkIdx, topkWeights, tokens, nExperts, k });
  const perSlot = numerics === "transformers" ? new Float32Array(tokens * k * hidden) : undefined;
  for (let expert = 0; expert < nExperts; expert++) {
    params.onExpertStart?.(expert);
    const { tokens: expertTokens, gateWeights, slots } = routed[expert];
    if (expertTokens.length === 0) continue;
    const ew = await weights.expert(layer, expert);
    for (let c = 0; c < expertTokens.length; c += expertChunkTokens) {
      const chunkTokens = expertTokens.subarray(c, c + expertChunkTokens);
      const chunkWeights = gateWeights.subarray(c, c + expertChunkTokens);
      const n = chunkTokens.length;
      const input = new Float32Array(n * hidden);
      for (let i = 0; i < n; i++) input.set(mlpInput.subarray(chunkTokens[i] * hidden, (chunkTokens[i] + 1) * hidden), i * hidden);
      if (precision === "bf16") roundToBf16(input);
      const gateUp = await expertLinear({ backend, x: input, n, k: hidden, weight: ew.gateUp, m: 2 * ffn, bias: ew.gateUpBias, precision });
      const downInput = clampedSwiglu({ gateUp, rows: n, ffn, limit: swigluLimit, precision });
      const output = await expertLinear({ backend, x: downInput, n, k: ffn, weight: ew.down, m: hidden, bias: ew.downBias, precision });
      for (let i = 0; i < n; i++) {
        const w = chunkWeights[i];
        const src = i * hidden;
        if (perSlot) {
          const dst = (chunkTokens[i] * k + slots[c + i]) * hidden;
          for (let j = 0; j < hidden; j++) perSlot[dst + j] = output[src + j] * w;
        } else {
          const dst = chunkTokens[i] * hidden;
          for (let j = 0; j < hidden; j++) residual[dst + j] += Math.fround(output[src + j] * w);
        }
      }
      await hooks.onExpert?.({ layer, expert, tokens: chunkTokens, gateWeights: chunkWeights, input, downInput, output });
    }
  }
  if (perSlot) {
    for (let t = 0; t < tokens; t++) {
      for (let j = 0; j < hidden; j++) {
        let sum = 0;
        for (let s = 0; s < k; s++) sum = Math.fround(sum + perSlot[(t * k + s) * hidden + j]);
        residual[t * hidden + j] += sum;
      }
    }
  }
}

/**
 * One expert linear. In bf16 precision, as torch's grouped_mm on bf16 operands followed by an in-place
 * bias add: two ops, each rounded to bf16 — the product (accumulated in float32 by the backend) and
 * then the sum with the bias.
 */
async function expertLinear(params: {
  backend: MatmulBackend;
  x: Float32Array;
  n: number;
  k: number;
  weight: Float32Array;
  m: number;
  bias: Float32Array;
  precision: "bf16" | "f32";
}): Promise<Float32Array> {
  const { backend, precision, ...linear } = params;
  if (precision === "f32") return backend.matmulBias(linear);
  const y = roundToBf16(await backend.matmulBias({ ...linear, bias: undefined }));
  const { n, m, bias } = linear;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) y[i * m + j] += bias[j];
  return roundToBf16(y);
}

/** For each expert, the tokens that chose it (ascending), the weight each gives it and the top-k slot it holds. */
function tokensPerExpert(params: { topkIdx: Int32Array; topkWeights: Float32Array; tokens: number; nExperts: number; k: number }) {
  const { topkIdx, topkWeights, tokens, nExperts, k } = params;
  const counts = new Int32Array(nExperts);
  for (let i = 0; i < tokens * k; i++) counts[topkIdx[i]]++;
  const routed = Array.from(counts, (count) => ({ tokens: new Int32Array(count), gateWeights: new Float32Array(count), slots: new Int32Array(count) }));
  const filled = new Int32Array(nExperts);
  for (let t = 0; t < tokens; t++) {
    for (let s = 0; s < k; s++) {
      const e = topkIdx[t * k + s];
      routed[e].tokens[filled[e]] = t;
      routed[e].gateWeights[filled[e]] = topkWeights[t * k + s];
      routed[e].slots[filled[e]] = s;
      filled[e]++;
    }
  }
  return routed;
}
