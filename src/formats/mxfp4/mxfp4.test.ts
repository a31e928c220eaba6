import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../../test/shared.js";
import { readSafetensorsHeader } from "../safetensors/read-safetensors-header.js";
import { GgmlType } from "../gguf/ggmlTypes.js";
import { loadGgmlBase } from "../../ggml/loadGgmlBase.js";
import { quantizeRows } from "../../ggml/quantizeRows.js";
import { dequantizeGgmlMxfp4 } from "./dequantizeGgmlMxfp4.js";
import { dequantizeHfMxfp4 } from "./dequantizeHfMxfp4.js";
import { ggmlMxfp4ToHf } from "./ggmlMxfp4ToHf.js";
import { repackHfMxfp4ToGgml } from "./repackHfMxfp4ToGgml.js";
import { selectRows } from "./selectRows.js";

/**
 * llama.cpp's converter step for step (conversion/gpt_oss.py transform_nibble_layout + repack_mxfp4:
 * swap nibbles, split the 16 bytes in halves a and b, re-pair, swap back, prepend the scale), written
 * in the converter's own terms so it checks our bit-twiddling independently.
 */
function referenceRepack(blocks: Uint8Array, scales: Uint8Array): Buffer {
  const nBlocks = scales.length;
  const out = Buffer.alloc(nBlocks * 17);
  for (let b = 0; b < nBlocks; b++) {
    const t = Array.from(blocks.subarray(b * 16, b * 16 + 16), (x) => ((x & 0x0f) << 4) | ((x & 0xf0) >> 4));
    const blkA = t.slice(0, 8);
    const blkB = t.slice(8, 16);
    // stack((a & 0xF0, a << 4)) interleaves each a byte into two, likewise (b >> 4, b & 0x0F).
    const a = blkA.flatMap((x) => [x & 0xf0, (x << 4) & 0xff]);
    const bb = blkB.flatMap((x) => [x >> 4, x & 0x0f]);
    const merged = a.map((x, i) => x | bb[i]);
    out[b * 17] = scales[b];
    merged.forEach((x, i) => { out[b * 17 + 1 + i] = ((x & 0xf0) >> 4) | ((x & 0x0f) << 4); });
  }
  return out;
}

interface HfMxfp4Tensor {
  name: string;
  blocks: Buffer;
  scales: Buffer;
  /** [E, rows, cols/32, 16] */
  shape: number[];
}

async function fixtureMxfp4Tensors(): Promise<HfMxfp4Tensor[]> {
  const path = join(tinyFixtureDir(), "model-00000-of-00001.safetensors");
  const header = await readSafetensorsHeader({ path });
  const file = readFileSync(path);
  const byName = new Map(header.tensors.map((t) => [t.name, t]));
  const tensors: HfMxfp4Tensor[] = [];
  for (const t of header.tensors) {
    if (!t.name.endsWith("_blocks")) continue;
    const s = byName.get(t.name.replace(/_blocks$/, "_scales"))!;
    tensors.push({
      name: t.name.replace(/_blocks$/, ""),
      // Copies: own ArrayBuffers at offset 0 (the aligned path).
      blocks: Buffer.from(file.subarray(t.byteOffset, t.byteOffset + t.byteLength)),
      scales: Buffer.from(file.subarray(s.byteOffset, s.byteOffset + s.byteLength)),
      shape: t.shape,
    });
  }
  return tensors;
}

function randomBytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe("MXFP4 HF ↔ ggml", () => {
  it("fixture has the gpt-oss layout", async () => {
    const tensors = await fixtureMxfp4Tensors();
    expect(tensors.length).toBe(8); // down_proj + gate_up_proj for layers 0..3
    for (const t of tensors) {
      expect(t.shape.length).toBe(4);
      expect(t.shape[3]).toBe(16);
      expect(t.blocks.length).toBe(t.scales.length * 16);
    }
  });

  it("repack equals llama.cpp's converter transform, on the fixture and on every byte value", async () => {
    for (const t of await fixtureMxfp4Tensors()) {
      expect(repackHfMxfp4ToGgml({ blocks: t.blocks, scales: t.scales }).equals(referenceRepack(t.blocks, t.scales)), t.name)
        .toBe(true);
    }
    const nBlocks = 4099;
    const blocks = randomBytes(nBlocks * 16, 5);
    const scales = randomBytes(nBlocks, 6);
    const expected = referenceRepack(blocks, scales);
    expect(repackHfMxfp4ToGgml({ blocks, scales }).equals(expected)).toBe(true);
    // Unaligned input takes the byte-by-byte path; it must agree.
    const unaligned = Buffer.alloc(blocks.length + 1).subarray(1);
    blocks.copy(unaligned);
    expect(unaligned.byteOffset % 4).not.toBe(0);
    expect(repackHfMxfp4ToGgml({ blocks: unaligned, scales }).equals(expected)).toBe(true);
    // Into a caller's buffer at an odd offset, with nBlocks limiting the work.
    const target = Buffer.alloc(3 + 10 * 17, 0xaa);
    repackHfMxfp4ToGgml({ blocks, scales, nBlocks: 10, out: target.subarray(3) });
    expect(target.subarray(3).equals(expected.subarray(0, 170))).toBe(true);
    expect(target.subarray(0, 3).equals(Buffer.from([0xaa, 0xaa, 0xaa]))).toBe(true);
  });

  it("ggml → HF is the exact inverse", async () => {
    for (const t of await fixtureMxfp4Tensors()) {
      const back = ggmlMxfp4ToHf({ data: repackHfMxfp4ToGgml({ blocks: t.blocks, scales: t.scales }) });
      expect(back.blocks.equals(t.blocks), t.name).toBe(true);
      expect(back.scales.equals(t.scales), t.name).toBe(true);
    }
    const data = randomBytes(777 * 17, 9);
    const { blocks, scales } = ggmlMxfp4ToHf({ data });
    expect(repackHfMxfp4ToGgml({ blocks, scales }).equals(data)).toBe(true);
  });

  it("dequantizeGgmlMxfp4 is bit-identical to ggml's own to_float (fixture and all codes/scales)", async () => {
    const ggml = loadGgmlBase();
    const check = (data: Buffer) => {
      const n = (data.length / 17) * 32;
      const expected = new Float32Array(n);
      ggml.toFloat(GgmlType.MXFP4, data, expected, n);
      expect(bits(dequantizeGgmlMxfp4({ data })).equals(bits(expected))).toBe(true);
    };
    for (const t of await fixtureMxfp4Tensors()) check(repackHfMxfp4ToGgml({ blocks: t.blocks, scales: t.scales }));
    // Every scale 0..255 (denormal 2^-128, overflow to Inf at the top) with random nibbles.
    const data = randomBytes(256 * 4 * 17, 13);
    for (let b = 0; b < 256 * 4; b++) data[b * 17] = b >> 2;
    check(data);
  });

  it("HF (transformers) dequantization equals ggml's, except -0 where ggml gives +0", async () => {
    for (const t of await fixtureMxfp4Tensors()) {
      const hf = dequantizeHfMxfp4({ blocks: t.blocks, scales: t.scales });
      const gg = dequantizeGgmlMxfp4({ data: repackHfMxfp4ToGgml({ blocks: t.blocks, scales: t.scales }) });
      expect(hf.length).toBe(t.scales.length * 32);
      let negativeZeros = 0;
      for (let i = 0; i < hf.length; i++) {
        if (Object.is(hf[i], gg[i])) continue;
        expect(hf[i] === 0 && Object.is(hf[i], -0) && Object.is(gg[i], 0), `${t.name}[${i}]`).toBe(true);
        negativeZeros++;
      }
      expect(negativeZeros).toBe(0); // the fixture's quantizer never emits code 8 (-0)
    }
    // Random codes do include -0: it must be the only difference.
    const blocksR = randomBytes(1000 * 16, 21);
    const scalesR = randomBytes(1000, 22).map((e) => 100 + (e % 40));
    const hfR = dequantizeHfMxfp4({ blocks: blocksR, scales: scalesR });
    const ggR = dequantizeGgmlMxfp4({ data: repackHfMxfp4ToGgml({ blocks: blocksR, scales: scalesR }) });
    let negativeZeros = 0;
    for (let i = 0; i < hfR.length; i++) {
      if (Object.is(hfR[i], ggR[i])) continue;
      expect(Object.is(hfR[i], -0) && Object.is(ggR[i], 0), `random[${i}]`).toBe(true);
      negativeZeros++;
    }
    expect(negativeZeros).toBeGreaterThan(1000); // ~1/16 of 32000 values
    // Known values: scale 127 (×1), codes 0..15 in order; then scale 128 (×2).
    const blocks = Buffer.from([0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0x7f]);
    const hf = dequantizeHfMxfp4({ blocks, scales: Buffer.from([127]) });
    expect(Array.from(hf.subarray(0, 16))).toEqual([0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6]);
    expect(Object.is(hf[8], -0)).toBe(true);
    // Byte 15 = 0x7f: element 30 is its low nibble (code 15), element 31 its high nibble (code 7).
    expect([hf[30], hf[31]]).toEqual([-6, 6]);
    const doubled = dequantizeHfMxfp4({ blocks, scales: Buffer.from([128]) });
    expect([doubled[1], doubled[7], doubled[15]]).toEqual([1, 12, -12]);
  });

  it("f32 from HF MXFP4 requantizes through ggml to the same values (and, here, bytes)", async () => {
    for (const t of await fixtureMxfp4Tensors()) {
      const f32 = dequantizeHfMxfp4({ blocks: t.blocks, scales: t.scales });
      const rows = t.shape[0] * t.shape[1];
      const nPerRow = t.shape[2] * 32;
      const requantized = await quantizeRows({ type: GgmlType.MXFP4, src: f32, nRows: rows, nPerRow });
      const again = dequantizeGgmlMxfp4({ data: requantized });
      for (let i = 0; i < f32.length; i++) if (again[i] !== f32[i]) expect.fail(`${t.name}[${i}]: ${again[i]} vs ${f32[i]}`);
      // On this fixture even the bytes agree: every block's max code is ≥ 4 (so ggml picks the same
      // e8m0) and no -0 codes occur. Neither is guaranteed for any MXFP4 checkpoint, hence values above.
      expect(requantized.equals(repackHfMxfp4ToGgml({ blocks: t.blocks, scales: t.scales })), t.name).toBe(true);
    }
  });

  it("throws on short inputs", () => {
    expect(() => repackHfMxfp4ToGgml({ blocks: Buffer.alloc(15), scales: Buffer.alloc(1) })).toThrow(RangeError);
    expect(() => ggmlMxfp4ToHf({ data: Buffer.alloc(18) })).toThrow(RangeError);
    expect(() => dequantizeGgmlMxfp4({ data: Buffer.alloc(16) })).toThrow(RangeError);
    expect(() => dequantizeHfMxfp4({ blocks: Buffer.alloc(16), scales: Buffer.alloc(2) })).toThrow(RangeError);
  });
});

describe("selectRows", () => {
  it("splits gate_up blocks, scales and bias into gate (even rows) and up (odd rows)", async () => {
    const [t] = (await fixtureMxfp4Tensors()).filter((x) => x.name.endsWith("gate_up_proj"));
    const [E, rows2, G] = t.shape;
    const gateBlocks = selectRows({ data: t.blocks, shape: t.shape, parity: 0 });
    const upScales = selectRows({ data: t.scales, shape: [E, rows2, G], parity: 1 });
    expect(gateBlocks.shape).toEqual([E, rows2 / 2, G, 16]);
    expect(upScales.shape).toEqual([E, rows2 / 2, G]);
    for (const e of [0, E - 1]) {
      for (const r of [0, 1, rows2 / 2 - 1]) {
        const src = ((e * rows2 + 2 * r) * G) * 16;
        const dst = ((e * (rows2 / 2) + r) * G) * 16;
        expect(gateBlocks.data.subarray(dst, dst + G * 16).equals(t.blocks.subarray(src, src + G * 16))).toBe(true);
        const srcS = (e * rows2 + 2 * r + 1) * G;
        const dstS = (e * (rows2 / 2) + r) * G;
        expect(upScales.data.subarray(dstS, dstS + G).equals(t.scales.subarray(srcS, srcS + G))).toBe(true);
      }
    }
    // bf16 bias [E, 2R]: elements, 2 bytes each.
    const bias = Buffer.from(new Uint16Array([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]).buffer);
    const up = selectRows({ data: bias, shape: [2, 6], parity: 1, bytesPerElement: 2 });
    expect(Array.from(new Uint16Array(up.data.buffer, up.data.byteOffset, 6))).toEqual([1, 3, 5, 11, 13, 15]);
    expect(up.shape).toEqual([2, 3]);
    expect(() => selectRows({ data: bias, shape: [2, 6], parity: 0 })).toThrow(RangeError);
  });
});
