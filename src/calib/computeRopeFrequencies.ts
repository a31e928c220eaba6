import type { GptOssRope } from "../arch/gpt-oss/index.js";

export interface RopeFrequencies {
  /** [headDim / 2] inverse frequencies, float32 as transformers holds them. */
  invFreq: Float32Array;
  /** Multiplies cos and sin (so q·k by its square): YaRN's mscale, 1 without scaling. */
  attentionFactor: number;
}

const f = Math.fround;

/**
 * transformers' `_compute_default_rope_parameters` / `_compute_yarn_parameters` (modeling_rope_utils.py),
 * step for step, including where it computes in float32 (tensor ops, rounded here with Math.fround) and
 * where in float64 (Python scalars: the correction range, the attention factor):
 *
 * - pos_freqs = base^(2i/dim); extrapolation = 1/pos_freqs, interpolation = 1/(factor·pos_freqs)
 * - correction range from beta_fast/beta_slow over the original context (`truncate: false` keeps the
 *   fractional bounds; transformers' default `true` floors/ceils them), clamped to [0, dim − 1]
 * - a linear ramp over i between the bounds blends the two: inv_freq = interp·ramp + extrap·(1 − ramp)
 * - attention_factor = 0.1·ln(factor) + 1 unless the config gives one.
 */
export function computeRopeFrequencies(params: { rope: GptOssRope; headDim: number }): RopeFrequencies {
  const { rope, headDim: dim } = params;
  const half = dim / 2;
  const base = rope.theta;
  const posFreqs = new Float32Array(half);
  for (let i = 0; i < half; i++) posFreqs[i] = f(base ** f((2 * i) / dim));
  const yarn = rope.yarn;
  if (!yarn) {
    return { invFreq: posFreqs.map((p) => f(1 / p)), attentionFactor: 1 };
  }
  const factor = yarn.factor;
  const attentionFactor = yarn.attentionFactor ?? (factor <= 1 ? 1 : 0.1 * Math.log(factor) + 1);
  // Python's `x or default`: 0 and absent both take the default.
  const betaFast = yarn.betaFast || 32;
  const betaSlow = yarn.betaSlow || 1;
  const truncate = yarn.truncate ?? true;
  const correctionDim = (rotations: number): number =>
    (dim * Math.log(yarn.originalContextLength / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
  let low = correctionDim(betaFast);
  let high = correctionDim(betaSlow);
  if (truncate) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, dim - 1);
  if (low === high) high += 0.001; // transformers' guard against a zero-width ramp

  const invFreq = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const extrapolation = f(1 / posFreqs[i]);
    const interpolation = f(1 / f(factor * posFreqs[i]));
    const ramp = Math.min(1, Math.max(0, f(f(i - low) / (high - low))));
    const extrapolationFactor = f(1 - ramp);
    invFreq[i] = f(f(interpolation * f(1 - extrapolationFactor)) + f(extrapolation * extrapolationFactor));
  }
  return { invFreq, attentionFactor };
}
