import { describe, expect, it } from "vitest";
import { mulberry32 } from "../util/mulberry32.js";
import { awqCandidateDelta } from "./awqCandidateDelta.js";
import { fakeQuantizeAwqGroups } from "./fakeQuantizeAwqGroups.js";

describe("awqCandidateDelta", () => {
  it("is bit-identical to scaling, fake-quantizing and un-scaling the whole weight in three passes", () => {
    const rows = 7;
    const cols = 96;
    const next = mulberry32(21);
    const weight = Float32Array.from({ length: rows * cols }, (_, i) => (i % 37 === 0 ? 0 : (next() - 0.5) * (i % 5 === 0 ? 3 : 0.05)));
    // an all-positive group and a constant one: the grid's range includes 0, the floor on the step holds
    for (let c = 0; c < 32; c++) weight[c] = 0.01 + c * 1e-4;
    for (let c = 32; c < 64; c++) weight[cols + c] = 0;
    const scale = Float32Array.from({ length: cols }, () => 0.25 + 2 * next());
    const scaled = Float32Array.from(weight, (w, i) => w * scale[i % cols]);
    const quantized = fakeQuantizeAwqGroups({ weight: scaled, rows, cols, groupSize: 32 });
    const expected = Float32Array.from(quantized, (q, i) => q / scale[i % cols] - weight[i]);
    const out = new Float32Array(rows * cols);
    awqCandidateDelta({ weight, rows, cols, groupSize: 32, scale, out });
    expect(Buffer.from(out.buffer)).toEqual(Buffer.from(expected.buffer));
    expect(out.some((v) => v !== 0)).toBe(true);
  });

  it("a weight that is not finite is refused with the group and row it is in", () => {
    const weight = new Float32Array(2 * 64).fill(0.01);
    weight[64 + 40] = Number.NaN;
    expect(() => awqCandidateDelta({ weight, rows: 2, cols: 64, groupSize: 32, scale: new Float32Array(64).fill(1), out: new Float32Array(128) })).toThrow(/group 1 of row 1 has no finite fp16 step/);
  });
});
