import { describe, expect, it } from "vitest";
import { compensateOProjBias } from "./compensateOProjBias.js";
import { selectSlices } from "./selectSlices.js";

describe("selectSlices", () => {
  it("keeps indices along an inner axis (o_proj columns by head) and the first axis (experts), bytes unchanged", () => {
    // [2 rows, 3 heads, 2 dims] of 2-byte elements: element value = its flat index
    const data = new Uint8Array(new Uint16Array(Array.from({ length: 12 }, (_, i) => i)).buffer);
    const columns = selectSlices({ data, shape: [2, 3, 2], axis: 1, indices: [0, 2], bytesPerElement: 2 });
    expect(Array.from(new Uint16Array(columns.buffer, columns.byteOffset, 8))).toEqual([0, 1, 4, 5, 6, 7, 10, 11]);
    const rows = selectSlices({ data, shape: [3, 4], axis: 0, indices: [2], bytesPerElement: 2 });
    expect(Array.from(new Uint16Array(rows.buffer, rows.byteOffset, 4))).toEqual([8, 9, 10, 11]);
    expect(() => selectSlices({ data, shape: [3, 4], axis: 0, indices: [3], bytesPerElement: 2 })).toThrow(/index 3/);
    expect(() => selectSlices({ data, shape: [3, 5], axis: 0, indices: [0], bytesPerElement: 2 })).toThrow(/do not match/);
  });
});

describe("compensateOProjBias", () => {
  it("adds W[:, removed] · mean(removed) to the bias: the pruned layer's mean output is unchanged", () => {
    // hidden 2, 2 heads of dim 2
    const oWeight = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const bias = Float32Array.from([0.5, -0.5]);
    const inputMean = Float64Array.from([1, 1, 0.5, -1]);
    const out = compensateOProjBias({ bias, oWeight, headDim: 2, keptHeads: [0], inputMean });
    // removed head 1 = channels 2, 3: row 0 → 3·0.5 + 4·(−1) = −2.5; row 1 → 7·0.5 + 8·(−1) = −4.5
    expect(Array.from(out)).toEqual([-2, -5]);
    // full mean output of the original = pruned mean output + compensation
    const mean = (keep: number[], b: ArrayLike<number>) => [0, 1].map((i) => b[i] + [0, 1, 2, 3].filter((j) => keep.includes(Math.floor(j / 2))).reduce((s, j) => s + oWeight[i * 4 + j] * inputMean[j], 0));
    expect(mean([0], out)).toEqual(mean([0, 1], bias));
  });
});
