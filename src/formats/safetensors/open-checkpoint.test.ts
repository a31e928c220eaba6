import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../../test/shared.js";
import { InvalidInputError } from "../../errors.js";
import { INDEX_FILE_NAME, openCheckpoint, SINGLE_FILE_NAME } from "./open-checkpoint.js";
import { writeSafetensors } from "./write-safetensors.js";

const SHARD_0 = "model-00000-of-00001.safetensors";
const SHARD_1 = "model-00001-of-00001.safetensors";

const tmp = mkdtempSync(join(tmpdir(), "oss-prep-st-ckpt-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let dirCounter = 0;
/** A copy of the fixture checkpoint's index and shards in a fresh temp folder, with an optional index edit. */
function copyFixture(editIndex?: (index: { metadata: unknown; weight_map: Record<string, string> }) => void): string {
  const dir = join(tmp, `ckpt-${dirCounter++}`);
  mkdirSync(dir);
  for (const f of [SHARD_0, SHARD_1]) copyFileSync(join(tinyFixtureDir(), f), join(dir, f));
  const index = JSON.parse(readFileSync(join(tinyFixtureDir(), INDEX_FILE_NAME), "utf8"));
  editIndex?.(index);
  writeFileSync(join(dir, INDEX_FILE_NAME), JSON.stringify(index));
  return dir;
}

async function openError(dir: string): Promise<InvalidInputError> {
  const error = await openCheckpoint({ dir }).then(
    (c) => c.close(),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return error as InvalidInputError;
}

describe("openCheckpoint on the tiny gpt-oss fixture", () => {
  it("lists all 155 tensors, shards sorted by name and tensors by offset within a shard", async () => {
    const ckpt = await openCheckpoint({ dir: tinyFixtureDir() });
    try {
      expect(ckpt.indexFile).toBe(join(tinyFixtureDir(), INDEX_FILE_NAME));
      expect(ckpt.shardFiles).toEqual([join(tinyFixtureDir(), SHARD_0), join(tinyFixtureDir(), SHARD_1)]);
      expect(ckpt.tensors).toHaveLength(155);
      const index = JSON.parse(readFileSync(join(tinyFixtureDir(), INDEX_FILE_NAME), "utf8")) as { weight_map: Record<string, string> };
      expect(new Set(ckpt.tensors.map((t) => t.name))).toEqual(new Set(Object.keys(index.weight_map)));
      for (const t of ckpt.tensors) expect(t.file).toBe(join(tinyFixtureDir(), index.weight_map[t.name]));

      // Files in order, offsets increasing within each file: one sequential pass over the disk.
      const fileOrder = ckpt.tensors.map((t) => ckpt.shardFiles.indexOf(t.file));
      expect(fileOrder).toEqual([...fileOrder].sort((a, b) => a - b));
      for (let i = 1; i < ckpt.tensors.length; i++) {
        const [prev, cur] = [ckpt.tensors[i - 1], ckpt.tensors[i]];
        if (prev.file === cur.file) expect(cur.byteOffset).toBeGreaterThan(prev.byteOffset);
      }

      expect(ckpt.has("model.embed_tokens.weight")).toBe(true);
      expect(ckpt.has("model.nope")).toBe(false);
      expect(ckpt.get("model.layers.0.mlp.experts.gate_up_proj_blocks")).toMatchObject({ dtype: "U8", shape: [8, 576, 9, 16] });
      expect(ckpt.get("model.layers.0.mlp.experts.gate_up_proj_scales")).toMatchObject({ dtype: "U8", shape: [8, 576, 9] });
      expect(ckpt.get("model.embed_tokens.weight")).toMatchObject({ dtype: "BF16", shape: [4096, 288] });
      expect(ckpt.shards.map((s) => s.metadata)).toEqual([{ format: "pt" }, { format: "pt" }]);
    } finally {
      await ckpt.close();
    }
  });

  it("reads tensors byte-exactly, in ranges and as a stream", async () => {
    const ckpt = await openCheckpoint({ dir: tinyFixtureDir() });
    try {
      const shardBytes = new Map(ckpt.shardFiles.map((f) => [f, readFileSync(f)]));
      const expected = (name: string): Buffer => {
        const t = ckpt.get(name);
        return shardBytes.get(t.file)!.subarray(t.byteOffset, t.byteOffset + t.byteLength);
      };
      // Every tensor of both shards, read concurrently through the shared handles.
      const all = await Promise.all(ckpt.tensors.map((t) => ckpt.readTensor(t.name)));
      ckpt.tensors.forEach((t, i) => { expect(all[i].equals(expected(t.name))).toBe(true); });

      const name = "model.layers.0.mlp.experts.gate_up_proj_blocks";
      const range = await ckpt.readTensorRange(name, 1000, 5000);
      expect(range.equals(expected(name).subarray(1000, 5000))).toBe(true);
      expect((await ckpt.readTensorRange(name, 7, 7)).length).toBe(0);

      const chunks: Buffer[] = [];
      for await (const chunk of ckpt.streamTensor(name, { chunkBytes: 100_000 })) chunks.push(chunk);
      expect(chunks.length).toBe(Math.ceil(ckpt.get(name).byteLength / 100_000));
      expect(Buffer.concat(chunks).equals(expected(name))).toBe(true);

      await expect(ckpt.readTensorRange(name, 0, ckpt.get(name).byteLength + 1)).rejects.toThrow(RangeError);
      await expect(ckpt.readTensorRange(name, 10, 5)).rejects.toThrow(RangeError);
    } finally {
      await ckpt.close();
    }
    await expect(ckpt.readTensor("model.embed_tokens.weight")).rejects.toThrow(/closed/);
    await ckpt.close(); // twice is fine
  });

  it("get of a missing tensor names the index and the tensor", async () => {
    const ckpt = await openCheckpoint({ dir: tinyFixtureDir() });
    try {
      const error = (() => {
        try {
          ckpt.get("model.layers.99.mlp.router.weight");
        } catch (e) {
          return e;
        }
      })() as InvalidInputError;
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.file).toBe(join(tinyFixtureDir(), INDEX_FILE_NAME));
      expect(error.key).toBe("model.layers.99.mlp.router.weight");
      expect(error.problem).toBe("missing tensor");
      await expect(ckpt.readTensor("model.layers.99.mlp.router.weight")).rejects.toBeInstanceOf(InvalidInputError);
    } finally {
      await ckpt.close();
    }
  });

  it("opens a single-file checkpoint", async () => {
    const dir = join(tmp, "single");
    mkdirSync(dir);
    const data = Buffer.from([1, 2, 3, 4, 5, 6]);
    await writeSafetensors({
      path: join(dir, SINGLE_FILE_NAME),
      tensors: [
        { name: "b", dtype: "U8", shape: [2], byteLength: 2, data: data.subarray(0, 2) },
        { name: "a", dtype: "BF16", shape: [2], byteLength: 4, data: data.subarray(2) },
      ],
    });
    const ckpt = await openCheckpoint({ dir });
    try {
      expect(ckpt.indexFile).toBeUndefined();
      expect(ckpt.shardFiles).toEqual([join(dir, SINGLE_FILE_NAME)]);
      expect(ckpt.tensors.map((t) => t.name)).toEqual(["b", "a"]);
      expect([...(await ckpt.readTensor("a"))]).toEqual([3, 4, 5, 6]);
      expect(() => ckpt.get("c")).toThrow(join(dir, SINGLE_FILE_NAME));
    } finally {
      await ckpt.close();
    }
  });
});

describe("openCheckpoint rejects inconsistent checkpoints", () => {
  it("index naming a missing shard: names the index and the shard", async () => {
    const dir = copyFixture((index) => {
      index.weight_map["model.norm.weight"] = "model-00002-of-00002.safetensors";
    });
    const error = await openError(dir);
    expect(error.file).toBe(join(dir, INDEX_FILE_NAME));
    expect(error.message).toContain("model-00002-of-00002.safetensors");
    expect(error.message).toContain("model.norm.weight");
  });

  it("tensor listed in the index but absent from its shard", async () => {
    const dir = copyFixture((index) => {
      index.weight_map["model.layers.42.extra"] = SHARD_0;
    });
    const error = await openError(dir);
    expect(error.file).toBe(join(dir, INDEX_FILE_NAME));
    expect(error.key).toBe("model.layers.42.extra");
    expect(error.problem).toMatch(/absent/);
  });

  it("tensor in a shard but not in the index", async () => {
    const dir = copyFixture((index) => {
      delete index.weight_map["lm_head.weight"];
    });
    const error = await openError(dir);
    expect(error.file).toBe(join(dir, SHARD_0));
    expect(error.key).toBe("lm_head.weight");
    expect(error.problem).toMatch(/not listed/);
  });

  it("tensor mapped to the wrong shard", async () => {
    const dir = copyFixture((index) => {
      index.weight_map["lm_head.weight"] = SHARD_1;
    });
    const error = await openError(dir);
    expect(error.file).toBe(join(dir, SHARD_0));
    expect(error.problem).toMatch(/maps it to/);
  });

  it("shard names that escape the folder", async () => {
    const dir = copyFixture((index) => {
      index.weight_map["lm_head.weight"] = `../${SHARD_0}`;
    });
    const error = await openError(dir);
    expect(error.file).toBe(join(dir, INDEX_FILE_NAME));
    expect(error.problem).toMatch(/plain file name/);
  });

  it("truncated shard: names the shard file", async () => {
    const dir = copyFixture();
    truncateSync(join(dir, SHARD_1), 1_000_000);
    const error = await openError(dir);
    expect(error.file).toBe(join(dir, SHARD_1));
    expect(error.problem).toMatch(/truncated/);
  });

  it("malformed index JSON, duplicate index keys, no weight_map", async () => {
    const dir = copyFixture();
    const indexPath = join(dir, INDEX_FILE_NAME);
    writeFileSync(indexPath, '{"weight_map": {"a": "x.safetensors",}}');
    expect((await openError(dir)).file).toBe(indexPath);
    writeFileSync(indexPath, `{"weight_map": {"lm_head.weight": "${SHARD_0}", "lm_head.weight": "${SHARD_1}"}}`);
    expect((await openError(dir)).problem).toMatch(/duplicate key/);
    writeFileSync(indexPath, '{"metadata": {}}');
    expect((await openError(dir)).problem).toMatch(/weight_map/);
  });

  it("folder without a checkpoint, missing folder, both layouts", async () => {
    const empty = join(tmp, "empty");
    mkdirSync(empty);
    expect((await openError(empty)).file).toBe(empty);
    expect((await openError(join(tmp, "missing"))).problem).toMatch(/not found/);
    const both = copyFixture();
    copyFileSync(join(both, SHARD_0), join(both, SINGLE_FILE_NAME));
    expect((await openError(both)).problem).toMatch(/both/);
  });
});
