import type { PrngState } from "./createPrngState.js";

/**
 * Fill `out` with the next `out.length` outputs of xoshiro128** (Blackman & Vigna, public-domain reference
 * at prng.di.unimi.it), advancing `state`. The hot loop keeps the state in locals and uses Math.imul so V8
 * stays in 32-bit integer arithmetic.
 */
export function fillRandomUint32(params: { state: PrngState; out: Uint32Array }): void {
  const { state, out } = params;
  let s0 = state[0];
  let s1 = state[1];
  let s2 = state[2];
  let s3 = state[3];
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const r = Math.imul(s1, 5);
    out[i] = Math.imul((r << 7) | (r >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
}
