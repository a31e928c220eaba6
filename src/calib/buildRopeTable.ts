import type { RopeFrequencies } from "./computeRopeFrequencies.js";

export interface RopeTable {
  /** Positions covered: 0 … length − 1. */
  length: number;
  /** headDim / 2. */
  half: number;
  /** [length, half]: cos(pos·invFreq)·attentionFactor and the same for sin. */
  cos: Float32Array;
  sin: Float32Array;
}

const f = Math.fround;

/**
 * cos/sin per position as GptOssRotaryEmbedding.forward computes them: freqs = inv_freq · position in
 * float32 (no duplication to full head width: gpt-oss rotates the two halves of a head against each
 * other), cos and sin rounded to float32, then scaled by the attention factor.
 */
export function buildRopeTable(params: { frequencies: RopeFrequencies; length: number }): RopeTable {
  const { invFreq, attentionFactor } = params.frequencies;
  const half = invFreq.length;
  const { length } = params;
  const scale = f(attentionFactor);
  const cos = new Float32Array(length * half);
  const sin = new Float32Array(length * half);
  for (let pos = 0; pos < length; pos++) {
    for (let i = 0; i < half; i++) {
      const angle = f(invFreq[i] * pos);
      cos[pos * half + i] = f(Math.cos(angle)) * scale;
      sin[pos * half + i] = f(Math.sin(angle)) * scale;
    }
  }
  return { length, half, cos, sin };
}
