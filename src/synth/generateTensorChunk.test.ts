import { describe, expect, it } from "vitest";
import { bf16NormalTable } from "./bf16NormalTable.js";
import { createPrngState } from "./createPrngState.js";
import { fillRandomUint32 } from "./fillRandomUint32.js";
import { generateTensorChunk, SYNTH_CHUNK_BYTES } from "./generateTensorChunk.js";
import type { PlannedTensor, SyntheticTensorValues } from "./types.js";

function tensor(values: SyntheticTensorValues, byteLength = 1 << 20, name = "t"): PlannedTensor {
  return { name, dtype: values.kind === "normal" ? "BF16" : "U8", shape: [byteLength], byteLength, parameterCount: 0, values };
}

function bf16ToNumber(bits: number): number {
  return new Float32Array(new Uint32Array([bits << 16]).buffer)[0];
}

describe("fillRandomUint32", () => {
  it("is xoshiro128** (reference outputs for state [1, 2, 3, 4])", () => {
    const out = new Uint32Array(4);
    fillRandomUint32({ state: new Uint32Array([1, 2, 3, 4]), out });
    expect([...out]).toEqual([11520, 0, 5927040, 70819200]);
  });

  it("continues the same stream across calls", () => {
    const whole = new Uint32Array(64);
    fillRandomUint32({ state: new Uint32Array([5, 6, 7, 8]), out: whole });
    const state = new Uint32Array([5, 6, 7, 8]);
    const a = new Uint32Array(10);
    const b = new Uint32Array(54);
    fillRandomUint32({ state, out: a });
    fillRandomUint32({ state, out: b });
    expect([...a, ...b]).toEqual([...whole]);
  });
});

describe("createPrngState", () => {
  it("depends on seed, stream name and chunk index, and on nothing else", () => {
    const key = (seed: number, streamName: string, chunkIndex: number) => [...createPrngState({ seed, streamName, chunkIndex })].join(",");
    expect(key(0, "a", 0)).toBe(key(0, "a", 0));
    const variants = [key(0, "a", 0), key(1, "a", 0), key(0, "b", 0), key(0, "a", 1), key(2 ** 32, "a", 0)];
    expect(new Set(variants).size).toBe(variants.length);
  });
});

describe("generateTensorChunk", () => {
  it("is a pure function of (seed, tensor name, chunk index)", () => {
    const t = tensor({ kind: "uniformBytes" }, 3 * SYNTH_CHUNK_BYTES);
    const a = generateTensorChunk({ tensor: t, seed: 7, chunkIndex: 1 });
    const b = generateTensorChunk({ tensor: t, seed: 7, chunkIndex: 1 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(generateTensorChunk({ tensor: t, seed: 8, chunkIndex: 1 })))).toBe(false);
    expect(Buffer.from(a).equals(Buffer.from(generateTensorChunk({ tensor: t, seed: 7, chunkIndex: 2 })))).toBe(false);
    const renamed = tensor({ kind: "uniformBytes" }, 3 * SYNTH_CHUNK_BYTES, "other");
    expect(Buffer.from(a).equals(Buffer.from(generateTensorChunk({ tensor: renamed, seed: 7, chunkIndex: 1 })))).toBe(false);
  });

  it("cuts the last chunk at the tensor's end, including lengths that are not whole words", () => {
    const t = tensor({ kind: "e8m0Scales", minExponent: -8, maxExponent: -3 }, SYNTH_CHUNK_BYTES + 4099);
    expect(generateTensorChunk({ tensor: t, seed: 0, chunkIndex: 0 }).length).toBe(SYNTH_CHUNK_BYTES);
    expect(generateTensorChunk({ tensor: t, seed: 0, chunkIndex: 1 }).length).toBe(4099);
    expect(() => generateTensorChunk({ tensor: t, seed: 0, chunkIndex: 2 })).toThrow(RangeError);
  });

  it("draws bf16 normals with the requested mean and standard deviation", () => {
    const chunk = generateTensorChunk({ tensor: tensor({ kind: "normal", mean: 0, std: 0.02 }), seed: 0, chunkIndex: 0 });
    const halves = new Uint16Array(chunk.buffer, chunk.byteOffset, chunk.length / 2);
    let sum = 0;
    let sumSquares = 0;
    for (const bits of halves) {
      const v = bf16ToNumber(bits);
      sum += v;
      sumSquares += v * v;
    }
    const mean = sum / halves.length;
    const std = Math.sqrt(sumSquares / halves.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(2e-4);
    expect(std).toBeGreaterThan(0.0195);
    expect(std).toBeLessThan(0.0205);

    const norms = generateTensorChunk({ tensor: tensor({ kind: "normal", mean: 1, std: 0.05 }, 4096), seed: 0, chunkIndex: 0 });
    const normValues = [...new Uint16Array(norms.buffer, norms.byteOffset, 2048)].map(bf16ToNumber);
    expect(Math.min(...normValues)).toBeGreaterThan(0.7);
    expect(Math.max(...normValues)).toBeLessThan(1.3);
  });

  it("writes e8m0 scales only in the requested exponent range, each exponent about equally often", () => {
    const chunk = generateTensorChunk({ tensor: tensor({ kind: "e8m0Scales", minExponent: -8, maxExponent: -3 }), seed: 0, chunkIndex: 0 });
    const counts = new Map<number, number>();
    for (const b of chunk) counts.set(b, (counts.get(b) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([119, 120, 121, 122, 123, 124]);
    for (const count of counts.values()) expect(Math.abs(count / chunk.length - 1 / 6)).toBeLessThan(0.01);
  });

  it("fills MXFP4 blocks with uniformly distributed nibbles", () => {
    const chunk = generateTensorChunk({ tensor: tensor({ kind: "uniformBytes" }), seed: 0, chunkIndex: 0 });
    const nibbles = new Array<number>(16).fill(0);
    for (const b of chunk) {
      nibbles[b & 15]++;
      nibbles[b >> 4]++;
    }
    for (const count of nibbles) expect(Math.abs(count / (2 * chunk.length) - 1 / 16)).toBeLessThan(0.002);
  });
});

describe("bf16NormalTable", () => {
  it("is sorted, symmetric around the mean and spans about ±4.3 std", () => {
    const table = [...bf16NormalTable({ mean: 0, std: 1 })].map(bf16ToNumber);
    expect(table.every((v, i) => i === 0 || v >= table[i - 1])).toBe(true);
    expect(table[0]).toBe(-table[table.length - 1]);
    expect(table[0]).toBeLessThan(-4.2);
    expect(table[0]).toBeGreaterThan(-4.4);
  });
});
