import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GgmlType } from "./ggmlTypes.js";
import { GgufWriter } from "./GgufWriter.js";
import { GgufValueType } from "./ggufValue.js";
import { type StreamedGgufTensor, writeGgufStreaming } from "./writeGgufStreaming.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "oss-prep-streaming-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// f32 tensors of odd sizes (padding after each), some large enough to bypass the staging buffer
const shapes = [[3], [1 << 20, 3], [5, 7], [2 << 20], [33], [1000, 1000]];
const data = shapes.map((s) => randomBytes(s.reduce((a, b) => a * b, 1) * 4));
const metadata = [["general.architecture", { type: GgufValueType.STRING, value: "test" }]] as const;

function tensors(laneOf: (i: number) => number, chunkBytes: number): StreamedGgufTensor[] {
  return shapes.map((shape, i) => ({
    name: `t${i}`,
    shape,
    type: GgmlType.F32,
    byteLength: data[i].length,
    lane: laneOf(i),
    async *chunks() {
      for (let at = 0; at < data[i].length; at += chunkBytes) {
        // encodings settle out of order: the writer still writes each tensor's chunks in order
        const bytes = data[i].subarray(at, at + chunkBytes);
        yield { encoded: new Promise<Buffer>((resolve) => setTimeout(() => resolve(bytes), Math.random() * 3)) };
      }
    },
  }));
}

describe("writeGgufStreaming", () => {
  it("lanes written concurrently give the file GgufWriter writes in order, and its sha256", async () => {
    const reference = join(dir, "reference.gguf");
    const writer = new GgufWriter({ path: reference });
    for (const [key, value] of metadata) writer.addKV(key, value);
    shapes.forEach((shape, i) => { writer.addTensorInfo({ name: `t${i}`, shape, type: GgmlType.F32 }); });
    await writer.write((t) => data[Number(t.name.slice(1))]);
    const expected = await readFile(reference);

    for (const [label, laneOf, chunkBytes] of [
      ["one lane", () => 0, 1 << 20],
      ["alternating lanes", (i: number) => i % 2, 3 << 20],
      ["three lanes, small chunks", (i: number) => i % 3, 65536 + 4],
    ] as const) {
      const path = join(dir, `${label}.gguf`);
      const result = await writeGgufStreaming({ path, metadata, tensors: tensors(laneOf, chunkBytes) });
      const written = await readFile(path);
      expect(written.equals(expected), label).toBe(true);
      expect(result.fileBytes).toBe(expected.length);
      expect(result.sha256).toBe(createHash("sha256").update(expected).digest("hex"));
    }
  });

  it("a tensor with the wrong byte count fails the write and leaves no file behind", async () => {
    const path = join(dir, "short.gguf");
    const bad = tensors((i) => i % 2, 1 << 20);
    bad[3] = { ...bad[3], chunks: async function* () { yield { encoded: Promise.resolve(Buffer.alloc(8)) }; } };
    await expect(writeGgufStreaming({ path, metadata, tensors: bad })).rejects.toThrow(/got 8 bytes, the tensor holds/);
    expect((await readdir(dir)).filter((f) => f.startsWith("short.gguf"))).toEqual([]);
  });

  it("a failed encoding in one lane stops the other and removes the temporary file", async () => {
    const path = join(dir, "failed.gguf");
    const bad = tensors((i) => i % 2, 1 << 20);
    bad[4] = { ...bad[4], chunks: async function* () { yield { encoded: Promise.reject(new Error("kernel failed")) }; } };
    await expect(writeGgufStreaming({ path, metadata, tensors: bad })).rejects.toThrow(/kernel failed/);
    expect((await readdir(dir)).filter((f) => f.startsWith("failed.gguf"))).toEqual([]);
  });
});
