import type { MatmulBackend } from "./matmulBackend.js";

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
}

/**
 * Causal self-attention of one sequence with gpt-oss's learned sinks, GQA and optional sliding window,
 * as transformers' eager_attention_forward: scores = q·kᵀ·headDim^−½, masked, the head's sink logit
 * appended, softmax (after subtracting the row max), the sink's column dropped, times v. Query head h
 * reads KV head ⌊h / (nHeads/nKvHeads)⌋ (repeat_kv). Returns [length, nHeads·headDim], heads in order
 * (the layout o_proj reads).
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
          let max = sink;
          for (let c = firstKey; c < endKey; c++) {
            const s = Math.fround(scores[row + c] * scale);
            scores[row + c] = s;
            if (s > max) max = s;
          }
          let denominator = Math.exp(sink - max);
          for (let c = firstKey; c < endKey; c++) {
            const e = Math.exp(scores[row + c] - max);
            scores[row + c] = e;
            denominator += e;
          }
          for (let c = 0; c < firstKey; c++) scores[row + c] = 0;
          for (let c = firstKey; c < endKey; c++) scores[row + c] /= denominator;
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
