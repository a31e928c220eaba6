/**
 * Seeded pseudo-random numbers for synthetic weights: xoshiro128** (Blackman & Vigna), seeded through
 * splitmix32 from (seed, tensor name, chunk index).
 *
 * Why not Math.random: it cannot be seeded, and the whole point of the synthetic checkpoint is that the
 * same seed gives byte-identical files on every machine. Why per chunk: every chunk of every tensor has its
 * own independent stream, so a chunk's bytes depend only on (seed, tensor, chunk index), never on the order
 * chunks are produced in — the generator could be parallelised without changing a single byte.
 */

/** State of one xoshiro128** generator: four 32-bit words, not all zero. Advance it with fillRandomUint32. */
export type PrngState = Uint32Array;

/**
 * A fresh generator state for one chunk of one tensor. `seed` is a non-negative safe integer (both its
 * 32-bit halves are mixed in), `streamName` is usually the tensor name, `chunkIndex` the chunk number.
 */
export function createPrngState(params: { seed: number; streamName: string; chunkIndex: number }): PrngState {
  const { seed, streamName, chunkIndex } = params;
  const seedLow = seed >>> 0;
  const seedHigh = Math.floor(seed / 0x1_0000_0000) >>> 0;
  // splitmix32 over a running key: every input word is absorbed, then four outputs fill the state.
  let key = 0x9e3779b9;
  const absorb = (word: number): void => {
    key = splitmix32(key ^ word);
  };
  absorb(seedLow);
  absorb(seedHigh);
  absorb(fnv1a32(streamName));
  absorb(chunkIndex >>> 0);
  absorb(Math.floor(chunkIndex / 0x1_0000_0000) >>> 0);
  const state = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    key = (key + 0x9e3779b9) >>> 0;
    state[i] = splitmix32(key);
  }
  // The all-zero state is the one fixed point of xoshiro; splitmix32 makes it astronomically unlikely.
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
  return state;
}

function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of `text` (tensor names are ASCII). */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
}
