import type { GptOssNumerics } from "./gptOssNumerics.js";
import type { MatmulBackend } from "./matmulBackend.js";
import { warpButterfly, warpWidth } from "./warpSum.js";

const f = Math.fround;

export interface GptOssAttentionParams {
  /** One sequence after RoPE: q [length, nHeads·headDim], k and v [length, nKvHeads·headDim]. */
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  length: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  /** [nHeads] learned sink logits. */
  sinks: Float32Array;
  /** Keys further back than this many positions are masked (query i sees i − window < j ≤ i); 0 = full causal. */
  slidingWindow: number;
  backend: MatmulBackend;
  /** Query positions per block (default 256): bounds the score matrix to nRep·block × (block + window). */
  queryBlock?: number;
  /** "transformers": round the softmax as torch's float32 CUDA kernels do (see GptOssNumerics). Default "fast". */
  numerics?: GptOssNumerics;
}

/**
 * Causal self-attention of one sequence with gpt-oss's learned sinks, GQA and optional sliding window,
 * as transformers' eager_attention_forward: scores = q·kᵀ·headDim^−½, masked, the head's sink logit
 * appended, softmax (after subtracting the row max), the sink's column dropped, times v. Query head h
 * reads KV head ⌊h / (nHeads/nKvHeads)⌋ (repeat_kv). Returns [length, nHeads·headDim], heads in order
 * (the layout o_proj reads).
 *
 * In "transformers" numerics the scale is float32(headDim^−½) applied to the float32 scores, and the
 * softmax runs over the row transformers builds — all `length` keys (masked ones contribute exact
 * zeros) then the sink at index `length` — with float32 exp of the float32 difference to the max, the
 * sum in the warp softmax's lane order (key j in lane j mod width), and a float32 division.
 *
 * The two products go through the backend, per KV group and query block: Q of the group's nRep heads
 * for the block, stacked, times the block's reachable keys (everything up to the block's end, or only
 * the window for sliding layers) — so a long sequence never materialises length² scores at once.
 */
export async function gptOssAttention(params: GptOssAttentionParams): Promise<Float32Array> {
  const { q, k, v, length, nHeads, nKvHeads, headDim: d, sinks, slidingWindow, backend } = params;
  const block = params.queryBlock ?? 256;
  const nRep = nHeads / nKvHeads;
  const qWidth = nHeads * d;
  const kvWidth = nKvHeads * d;
  const scale = d ** -0.5;
  const scaleF32 = f(scale);
  const torch = params.numerics === "transformers";
  const lanes = new Float64Array(32);
  const out = new Float32Array(length * qWidth);

  for (let a = 0; a < length; a += block) {
    const b = Math.min(length, a + block);
    const blockRows = b - a;
    const keyStart = slidingWindow > 0 ? Math.max(0, a - slidingWindow + 1) : 0;
    const nKeys = b - keyStart;
    for (let g = 0; g < nKvHeads; g++) {
      // Q rows ordered (head r of the group, position): row r·blockRows + (i − a).
      const qBlock = new Float32Array(nRep * blockRows * d);
      for (let r = 0; r < nRep; r++) {
        const h = g * nRep + r;
        for (let i = 0; i < blockRows; i++) {
          qBlock.set(q.subarray((a + i) * qWidth + h * d, (a + i) * qWidth + (h + 1) * d), (r * blockRows + i) * d);
        }
      }
      const kBlock = new Float32Array(nKeys * d);
      const vTransposed = new Float32Array(d * nKeys);
      for (let c = 0; c < nKeys; c++) {
        const src = (keyStart + c) * kvWidth + g * d;
        kBlock.set(k.subarray(src, src + d), c * d);
        for (let e = 0; e < d; e++) vTransposed[e * nKeys + c] = v[src + e];
      }
      const scores = await backend.matmulBias({ x: qBlock, n: nRep * blockRows, k: d, weight: kBlock, m: nKeys });
      for (let r = 0; r < nRep; r++) {
        const sink = sinks[g * nRep + r];
        for (let i = 0; i < blockRows; i++) {
          const position = a + i;
          const row = (r * blockRows + i) * nKeys;
          // Reachable keys: keyStart + c ≤ position, and position − (keyStart + c) < window when sliding.
          const firstKey = slidingWindow > 0 ? Math.max(0, position - slidingWindow + 1 - keyStart) : 0;
          const endKey = position - keyStart + 1;
          if (torch) softmaxRowTorch(scores, row, firstKey, endKey, keyStart, sink, scaleF32, length, lanes);
          else softmaxRowFast(scores, row, firstKey, endKey, sink, scale);
          for (let c = 0; c < firstKey; c++) scores[row + c] = 0;
          for (let c = endKey; c < nKeys; c++) scores[row + c] = 0;
        }
      }
      const context = await backend.matmulBias({ x: scores, n: nRep * blockRows, k: nKeys, weight: vTransposed, m: d });
      for (let r = 0; r < nRep; r++) {
        const h = g * nRep + r;
        for (let i = 0; i < blockRows; i++) {
          out.set(context.subarray((r * blockRows + i) * d, (r * blockRows + i + 1) * d), (a + i) * qWidth + h * d);
        }
      }
    }
  }
  return out;
}

/** Softmax of one row of raw scores over keys [firstKey, endKey) plus the sink, in float64 (one rounding per probability). */
function softmaxRowFast(scores: Float32Array, row: number, firstKey: number, endKey: number, sink: number, scale: number): void {
  let max = sink;
  for (let c = firstKey; c < endKey; c++) {
    const s = f(scores[row + c] * scale);
    scores[row + c] = s;
    if (s > max) max = s;
  }
  let denominator = Math.exp(sink - max);
  for (let c = firstKey; c < endKey; c++) {
    const e = Math.exp(scores[row + c] - max);
    scores[row + c] = e;
    denominator += e;
  }
  for (let c = firstKey; c < endKey; c++) scores[row + c] /= denominator;
}

/**
 * The same row as transformers' eager attention computes it in float32 on CUDA: scores·scale rounded,
 * the max over [scores, sink] subtracted (rounded), exp rounded, the row sum in warp-softmax order over
 * the full row of `length` keys + sink (masked keys add zeros, so only reachable ones are visited:
 * key index keyStart + c, the sink at index `length`), then each probability a float32 division.
 */
function softmaxRowTorch(
  scores: Float32Array,
  row: number,
  firstKey: number,
  endKey: number,
  keyStart: number,
  sink: number,
  scale: number,
  length: number,
  lanes: Float64Array,
): void {
  let max = sink;
  for (let c = firstKey; c < endKey; c++) {
    const s = f(scores[row + c] * scale);
    scores[row + c] = s;
    if (s > max) max = s;
  }
  const width = warpWidth(length + 1);
  lanes.fill(0);
  for (let c = firstKey; c < endKey; c++) {
    const e = f(Math.exp(f(scores[row + c] - max)));
    scores[row + c] = e;
    const lane = (keyStart + c) % width;
    lanes[lane] = f(lanes[lane] + e);
  }
  const sinkLane = length % width;
  lanes[sinkLane] = f(lanes[sinkLane] + f(Math.exp(f(sink - max))));
  const denominator = warpButterfly(lanes, width);
  for (let c = firstKey; c < endKey; c++) scores[row + c] /= denominator;
}
