/**
 * log-softmax of one row of logits, in float64 accumulation (float32 sums over a 201k vocabulary
 * lose the small terms that KL divergence is made of).
 */
export function logSoftmax(params: { logits: ArrayLike<number>; out?: Float32Array }): Float32Array {
  const { logits } = params;
  const n = logits.length;
  const out = params.out ?? new Float32Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(logits[i] - max);
  const logZ = max + Math.log(sum);
  for (let i = 0; i < n; i++) out[i] = logits[i] - logZ;
  return out;
}
