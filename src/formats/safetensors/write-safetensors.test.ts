import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../../test/shared.js";
import { InvalidInputError } from "../../errors.js";
import { openCheckpoint } from "./open-checkpoint.js";
import { readSafetensorsHeader } from "./read-safetensors-header.js";
import { writeSafetensors, type SafetensorsTensorToWrite } from "./write-safetensors.js";

const tmp = mkdtempSync(join(tmpdir(), "oss-prep-st-write-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function* chunksOf(bytes: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe("writeSafetensors", () => {
  it("round-trips the fixture's first shard through streaming and reads back identical bytes", async () => {
    const source = await openCheckpoint({ dir: tinyFixtureDir() });
    const path = join(tmp, "roundtrip.safetensors");
    try {
      const picked = source.tensors.filter((t) => t.file === source.shardFiles[0]);
      const tensors: SafetensorsTensorToWrite[] = [];
      for (const [i, t] of picked.entries()) {
        // Mix in-memory buffers, odd-sized small chunks (coalesced) and whole-tensor chunks (written through).
        const data =
          i % 3 === 0
            ? await source.readTensor(t.name)
            : i % 3 === 1
              ? () => source.streamTensor(t.name, { chunkBytes: 4099 })
              : () => source.streamTensor(t.name);
        tensors.push({ name: t.name, dtype: t.dtype, shape: t.shape, byteLength: t.byteLength, data });
      }
      const written = await writeSafetensors({ path, tensors, metadata: { format: "pt", "0": "integer-like key" } });
      const read = await readSafetensorsHeader({ path });
      expect(read).toEqual(written);
      expect(read.dataOffset % 8).toBe(0);
      expect(read.metadata).toEqual({ format: "pt", "0": "integer-like key" });
      expect(read.tensors.map((t) => t.name)).toEqual(picked.map((t) => t.name));
      expect(read.fileSize).toBe(read.dataOffset + picked.reduce((n, t) => n + t.byteLength, 0));

      const bytes = readFileSync(path);
      // Padding is spaces, as the reference writer does.
      const headerText = bytes.subarray(8, read.dataOffset).toString("utf8");
      expect(headerText.trimEnd()).toMatch(/}$/);
      expect(/^ *$/.test(headerText.slice(headerText.lastIndexOf("}") + 1))).toBe(true);
      for (const t of read.tensors) {
        const original = await source.readTensor(t.name);
        expect(bytes.subarray(t.byteOffset, t.byteOffset + t.byteLength).equals(original)).toBe(true);
      }
      // Readable by JSON.parse too (what Python's safetensors does is serde_json; this is the closest check here).
      expect(Object.keys(JSON.parse(headerText))).toContain("__metadata__");
    } finally {
      await source.close();
    }
    expect(readdirSync(tmp).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("writes an empty file and Uint8Array data", async () => {
    const path = join(tmp, "empty.safetensors");
    const header = await writeSafetensors({ path, tensors: [] });
    expect(readFileSync(path).length).toBe(16);
    expect(header.headerSize).toBe(8);
    expect((await readSafetensorsHeader({ path })).tensors).toEqual([]);

    const path2 = join(tmp, "u8.safetensors");
    await writeSafetensors({ path: path2, tensors: [{ name: "x", dtype: "F32", shape: [1, 2], byteLength: 8, data: new Uint8Array(8).fill(7) }] });
    const back = await readSafetensorsHeader({ path: path2 });
    expect(back.tensors[0]).toMatchObject({ name: "x", dtype: "F32", shape: [1, 2], byteLength: 8 });
    expect([...readFileSync(path2).subarray(back.tensors[0].byteOffset)]).toEqual([7, 7, 7, 7, 7, 7, 7, 7]);
  });

  it("replaces an existing file atomically", async () => {
    const path = join(tmp, "replace.safetensors");
    writeFileSync(path, "old");
    await writeSafetensors({ path, tensors: [{ name: "x", dtype: "U8", shape: [3], byteLength: 3, data: Buffer.from([1, 2, 3]) }] });
    expect((await readSafetensorsHeader({ path })).tensors).toHaveLength(1);
  });

  describe("rejects, naming the output file and tensor, and leaves nothing behind", () => {
    const path = join(tmp, "bad.safetensors");
    const cases: [string, SafetensorsTensorToWrite[], RegExp][] = [
      ["shape x dtype != byteLength", [{ name: "w", dtype: "BF16", shape: [2, 3], byteLength: 6, data: Buffer.alloc(6) }], /does not match shape \[2, 3\] of BF16 \(12 bytes\)/],
      ["unknown dtype", [{ name: "w", dtype: "F12" as "F32", shape: [1], byteLength: 4, data: Buffer.alloc(4) }], /unknown dtype/],
      ["negative dimension", [{ name: "w", dtype: "U8", shape: [-1], byteLength: 0, data: Buffer.alloc(0) }], /non-negative/],
      ["duplicate names", [{ name: "w", dtype: "U8", shape: [1], byteLength: 1, data: Buffer.alloc(1) }, { name: "w", dtype: "U8", shape: [1], byteLength: 1, data: Buffer.alloc(1) }], /twice/],
      ["buffer of the wrong size", [{ name: "w", dtype: "U8", shape: [4], byteLength: 4, data: Buffer.alloc(3) }], /produced 3 bytes but byteLength is 4/],
      ["stream too short", [{ name: "w", dtype: "U8", shape: [10], byteLength: 10, data: () => chunksOf(Buffer.alloc(9), 4) }], /produced 9 bytes/],
      ["stream too long", [{ name: "w", dtype: "U8", shape: [10], byteLength: 10, data: () => chunksOf(Buffer.alloc(11), 4) }], /more than 10/],
    ];
    for (const [what, tensors, problem] of cases) {
      it(what, async () => {
        const error = await writeSafetensors({ path, tensors }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidInputError);
        expect((error as InvalidInputError).file).toBe(path);
        expect((error as InvalidInputError).key).toBe("w");
        expect((error as InvalidInputError).problem).toMatch(problem);
        expect(existsSync(path)).toBe(false);
        expect(readdirSync(tmp).filter((f) => f.includes(".tmp-"))).toEqual([]);
      });
    }

    it("a producer that throws: the error propagates and the temp file is removed", async () => {
      const failing = async function* (): AsyncIterable<Buffer> {
        yield Buffer.alloc(2);
        throw new Error("disk on fire");
      };
      await expect(writeSafetensors({ path, tensors: [{ name: "w", dtype: "U8", shape: [4], byteLength: 4, data: failing }] })).rejects.toThrow("disk on fire");
      expect(existsSync(path)).toBe(false);
      expect(readdirSync(tmp).filter((f) => f.includes(".tmp-"))).toEqual([]);
    });
  });
});
