/**
 * Mean over positions of KL(reference ‖ candidate) between the softmax distributions of two logit
 * matrices [rows, vocab], in nats, computed in float64 with log-sum-exp. Also reports how many
 * positions agree on the argmax, the usual companion figure.
 */
export function meanKlDivergence(params: { reference: Float32Array; candidate: Float32Array; vocab: number }): {
  meanKl: number;
  maxKl: number;
  top1Agreement: number;
  rows: number;
} {
  const { reference, candidate, vocab } = params;
  if (reference.length !== candidate.length || reference.length % vocab !== 0) {
    throw new RangeError(`meanKlDivergence: lengths ${reference.length} and ${candidate.length} are not the same multiple of vocab ${vocab}`);
  }
  const rows = reference.length / vocab;
  let sum = 0;
  let max = 0;
  let agree = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * vocab;
    const ref = logSumExp(reference, o, vocab);
    const cand = logSumExp(candidate, o, vocab);
    let kl = 0;
    for (let i = 0; i < vocab; i++) {
      const logP = reference[o + i] - ref.lse;
      kl += Math.exp(logP) * (logP - (candidate[o + i] - cand.lse));
    }
    sum += kl;
    max = Math.max(max, kl);
    if (ref.argmax === cand.argmax) agree++;
  }
  return { meanKl: sum / rows, maxKl: max, top1Agreement: agree / rows, rows };
}

function logSumExp(x: Float32Array, offset: number, n: number): { lse: number; argmax: number } {
  let argmax = 0;
  for (let i = 1; i < n; i++) if (x[offset + i] > x[offset + argmax]) argmax = i;
  const max = x[offset + argmax];
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(x[offset + i] - max);
  return { lse: max + Math.log(s), argmax };
}
