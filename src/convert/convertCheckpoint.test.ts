import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestGguf, loadReferenceDigest, type ReferenceDigest } from "../../test/ggufDigest.js";
import { tinyFixtureDir } from "../../test/shared.js";
import { packageRoot } from "../util/paths.js";
import { convertCheckpoint } from "./convertCheckpoint.js";

// Keys that name the model rather than describe it (llama.cpp derives them from the folder name).
const NAMING_KEYS = new Set(["general.name"]);

function comparable(d: ReferenceDigest) {
  return {
    header: { version: d.header.version, alignment: d.header.alignment, n_tensors: d.header.n_tensors, n_kv: d.header.n_kv },
    kv: d.kv.filter((e) => !NAMING_KEYS.has(e.key)).map((e) => ({ key: e.key, type: e.type, item_type: e.item_type, value: e.value, raw_hex: e.raw_hex })),
    tensors: d.tensors.map((t) => ({ name: t.name, type: t.type, shape: t.shape, offset: t.offset, n_bytes: t.n_bytes, sha256: t.sha256 })),
  };
}

describe("convertCheckpoint on tiny-gpt-oss vs llama.cpp's convert_hf_to_gguf.py", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "oss-prep-convert-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const outtype of ["bf16", "f32"] as const) {
    it(`${outtype}: same keys, values, tensor names, types, shapes, offsets and data bytes`, async () => {
      const out = join(dir, `tiny-${outtype}.gguf`);
      await convertCheckpoint({ dir: tinyFixtureDir(), outPath: out, outtype });
      const ours = comparable(await digestGguf(out));
      const reference = comparable(loadReferenceDigest(join(packageRoot(), "test", "reference", `llama-cpp-convert-${outtype}.json`)));
      expect(ours.header).toEqual(reference.header);
      expect(ours.kv.map((e) => e.key)).toEqual(reference.kv.map((e) => e.key));
      for (let i = 0; i < reference.kv.length; i++) expect(ours.kv[i], reference.kv[i].key).toEqual(reference.kv[i]);
      expect(ours.tensors.map((t) => t.name)).toEqual(reference.tensors.map((t) => t.name));
      for (let i = 0; i < reference.tensors.length; i++) expect(ours.tensors[i], reference.tensors[i].name).toEqual(reference.tensors[i]);
    });
  }
});
