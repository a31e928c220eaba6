import type { RopeTable } from "./buildRopeTable.js";

const f = Math.fround;

/**
 * Rotate, in place, the heads of `rows` consecutive token rows (row r at position `firstPosition + r`),
 * as transformers' `_apply_rotary_emb` for gpt-oss: each head's first half x1 and second half x2 become
 * x1·cos − x2·sin and x2·cos + x1·sin (halves, not interleaved pairs).
 *
 * `torchRounding` rounds like torch's three float32 ops per output (two products, then the sum);
 * otherwise each output is formed in float64 and rounded once.
 */
export function applyRope(params: {
  x: Float32Array;
  rows: number;
  nHeads: number;
  headDim: number;
  table: RopeTable;
  firstPosition?: number;
  torchRounding?: boolean;
}): void {
  const { x, rows, nHeads, headDim, table } = params;
  const half = headDim / 2;
  if (table.half !== half) throw new RangeError(`applyRope: table is for head dim ${2 * table.half}, got ${headDim}`);
  const first = params.firstPosition ?? 0;
  if (first + rows > table.length) throw new RangeError(`applyRope: positions up to ${first + rows - 1}, table covers ${table.length}`);
  const width = nHeads * headDim;
  const torch = params.torchRounding === true;
  for (let r = 0; r < rows; r++) {
    const t = (first + r) * half;
    for (let h = 0; h < nHeads; h++) {
      const o = r * width + h * headDim;
      for (let i = 0; i < half; i++) {
        const c = table.cos[t + i];
        const s = table.sin[t + i];
        const x1 = x[o + i];
        const x2 = x[o + half + i];
        if (torch) {
          x[o + i] = f(x1 * c) - f(x2 * s);
          x[o + half + i] = f(x2 * c) + f(x1 * s);
        } else {
          x[o + i] = x1 * c - x2 * s;
          x[o + half + i] = x2 * c + x1 * s;
        }
      }
    }
  }
}
