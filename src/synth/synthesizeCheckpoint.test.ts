import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EnvironmentError, InvalidInputError, UsageError } from "../errors.js";
import { openCheckpoint, readSafetensorsHeader } from "../formats/safetensors/index.js";
import { planSyntheticCheckpoint } from "./planSyntheticCheckpoint.js";
import { SYNTHETIC_CHECKPOINT_VERSION, synthesizeCheckpoint } from "./synthesizeCheckpoint.js";
import type { SynthesisProgress } from "./types.js";

// Lets one test pretend the disk is nearly full; every other call goes to the real statfs.
const fakeStatfs = vi.hoisted(() => ({ availableBytes: undefined as number | undefined }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...actual,
    statfs: async (path: string) => {
      const real = await actual.statfs(path);
      return fakeStatfs.availableBytes === undefined ? real : { ...real, bavail: Math.floor(fakeStatfs.availableBytes / real.bsize) };
    },
  };
});

async function fileHashes(dir: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    hashes[name] = createHash("sha256").update(await readFile(join(dir, name))).digest("hex");
  }
  return hashes;
}

/**
 * sha256 of the demo checkpoint for seed 0. Same (preset, seed, version) must mean the same bytes on every
 * machine and Node version, since caches key on it; this also catches drift in Math.log & co. feeding the
 * bf16 tables.
 */
const PINNED_SHA256 = {
  "config.json": "f1c4f8cdc532d712288bb20969f58483a6ab7873b92ae136ffe1c2e78fea3936",
  "tokenizer.json": "df8801fd31498c14e07004c93c1bc3b8a0051c3addddb04ce4d7a63bd9ab5a2f",
  "model-00000-of-00001.safetensors": "f40ea3d432c1987ab6efedabe6720c65bb50d61a95acd74276a82df1c8ed1fc3",
  "model-00001-of-00001.safetensors": "cb3c1a866688693467a46f8353c9e1c527aa2131d8c996662cf471a4d8b001c5",
};

const bf16ToNumber = (bits: number) => new Float32Array(new Uint32Array([bits << 16]).buffer)[0];

describe("synthesizeCheckpoint (demo)", () => {
  let root: string;
  let first: Awaited<ReturnType<typeof synthesizeCheckpoint>>;
  const progress: SynthesisProgress[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "oss-prep-synth-"));
    first = await synthesizeCheckpoint({ preset: "demo", outDir: join(root, "seed0-a"), onProgress: (p) => progress.push(p) });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("writes the real repo's file set", async () => {
    expect((await readdir(first.outDir)).sort()).toEqual([
      "chat_template.jinja",
      "config.json",
      "generation_config.json",
      "model-00000-of-00001.safetensors",
      "model-00001-of-00001.safetensors",
      "model.safetensors.index.json",
      "special_tokens_map.json",
      "tokenizer.json",
      "tokenizer_config.json",
    ]);
    expect(first.fileBytes).toBe(first.files.reduce((sum, f) => sum + f.bytes, 0));
    expect(existsSync(`${first.outDir}.partial-${process.pid}`)).toBe(false);
  });

  it("writes shards whose headers are the plan, readable by the project's checkpoint reader", async () => {
    const plan = planSyntheticCheckpoint({ preset: "demo" });
    for (const shard of plan.shards) {
      const header = await readSafetensorsHeader({ path: join(first.outDir, shard.fileName) });
      expect(header.metadata).toEqual({ format: "pt" });
      expect(header.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape }))).toEqual(
        shard.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })),
      );
    }
    const index = JSON.parse(await readFile(join(first.outDir, "model.safetensors.index.json"), "utf8")) as {
      metadata: { total_size: number };
      weight_map: Record<string, string>;
    };
    expect(index.metadata.total_size).toBe(plan.totalBytes);
    expect(index.weight_map).toEqual(plan.weightMap);
    expect(Object.keys(index.weight_map)).toEqual(Object.keys(plan.weightMap));

    const checkpoint = await openCheckpoint({ dir: first.outDir });
    try {
      expect(checkpoint.tensors.length).toBe(plan.tensors.length);
      const norm = await checkpoint.readTensor("model.layers.0.input_layernorm.weight");
      const norms = [...new Uint16Array(norm.buffer, norm.byteOffset, norm.length / 2)].map(bf16ToNumber);
      expect(Math.min(...norms)).toBeGreaterThan(0.7);
      expect(Math.max(...norms)).toBeLessThan(1.3);
      const scales = await checkpoint.readTensor("model.layers.3.mlp.experts.down_proj_scales");
      expect(Math.min(...scales)).toBe(119);
      expect(Math.max(...scales)).toBe(124);
      const embed = await checkpoint.readTensor("model.embed_tokens.weight");
      const lmHead = await checkpoint.readTensor("lm_head.weight");
      expect(embed.equals(lmHead)).toBe(false);
    } finally {
      await checkpoint.close();
    }
  });

  it("is deterministic: the same seed gives the same bytes, another seed other weights", async () => {
    const again = await synthesizeCheckpoint({ preset: "demo", outDir: join(root, "seed0-b"), seed: 0 });
    const other = await synthesizeCheckpoint({ preset: "demo", outDir: join(root, "seed1"), seed: 1 });
    const a = await fileHashes(first.outDir);
    expect(await fileHashes(again.outDir)).toEqual(a);
    const b = await fileHashes(other.outDir);
    for (const name of Object.keys(a)) {
      if (name.endsWith(".safetensors")) expect(b[name], name).not.toBe(a[name]);
      else expect(b[name], name).toBe(a[name]);
    }
  });

  it("matches the pinned bytes of SYNTHETIC_CHECKPOINT_VERSION 1 (bump the version when this has to change)", async () => {
    expect(SYNTHETIC_CHECKPOINT_VERSION).toBe(1);
    const hashes = await fileHashes(first.outDir);
    expect({
      "config.json": hashes["config.json"],
      "tokenizer.json": hashes["tokenizer.json"],
      "model-00000-of-00001.safetensors": hashes["model-00000-of-00001.safetensors"],
      "model-00001-of-00001.safetensors": hashes["model-00001-of-00001.safetensors"],
    }).toEqual(PINNED_SHA256);
  });

  it("reports progress per chunk up to the total", () => {
    const total = planSyntheticCheckpoint({ preset: "demo" }).totalBytes;
    expect(progress.length).toBeGreaterThan(planSyntheticCheckpoint({ preset: "demo" }).tensors.length - 1);
    expect(progress.every((p, i) => p.totalBytes === total && (i === 0 || p.bytesWritten > progress[i - 1].bytesWritten))).toBe(true);
    expect(progress.at(-1)!.bytesWritten).toBe(total);
    expect(progress.at(-1)!.tensor).toBe("model.layers.3.mlp.experts.gate_up_proj_scales");
  });

  it("refuses an existing outDir without touching it", async () => {
    const existing = join(root, "existing");
    await mkdir(existing);
    await writeFile(join(existing, "keep.txt"), "mine");
    await expect(synthesizeCheckpoint({ preset: "demo", outDir: existing })).rejects.toThrow(InvalidInputError);
    expect(await readdir(existing)).toEqual(["keep.txt"]);
  });

  it("rejects bad seeds and presets as usage errors", async () => {
    for (const seed of [-1, 1.5, Number.NaN, 2 ** 53]) {
      await expect(synthesizeCheckpoint({ preset: "demo", outDir: join(root, "bad-seed"), seed })).rejects.toThrow(UsageError);
    }
    await expect(synthesizeCheckpoint({ preset: "nope" as never, outDir: join(root, "bad-preset") })).rejects.toThrow(UsageError);
    expect(existsSync(join(root, "bad-seed"))).toBe(false);
  });

  it("refuses with needed vs available bytes when the disk is too small, before writing anything", async () => {
    const outDir = join(root, "no-space");
    fakeStatfs.availableBytes = 1_000_000;
    try {
      const error = await synthesizeCheckpoint({ preset: "demo", outDir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EnvironmentError);
      expect((error as Error).message).toMatch(/needs 0\.0\d GB \(\d+ bytes\), 0\.00 GB \(\d+ bytes\) available/);
    } finally {
      fakeStatfs.availableBytes = undefined;
    }
    expect((await readdir(root)).filter((name) => name.startsWith("no-space"))).toEqual([]);
  });

  it("does not replace an outDir that another run finished meanwhile", async () => {
    const outDir = join(root, "raced");
    let created = false;
    const onProgress = () => {
      if (created) return;
      created = true;
      mkdirSync(outDir);
      writeFileSync(join(outDir, "theirs.txt"), "finished first");
    };
    await expect(synthesizeCheckpoint({ preset: "demo", outDir, onProgress })).rejects.toThrow(InvalidInputError);
    expect(await readdir(outDir)).toEqual(["theirs.txt"]);
    expect((await readdir(root)).filter((name) => name.startsWith("raced."))).toEqual([]);
  });

  it("leaves nothing that looks complete when interrupted, and clears partial dirs of dead runs", async () => {
    const outDir = join(root, "interrupted");
    const deadPartial = `${outDir}.partial-999999999`;
    await mkdir(deadPartial);
    await writeFile(join(deadPartial, "config.json"), "{}");
    let calls = 0;
    const onProgress = () => {
      if (++calls === 20) throw new Error("killed");
    };
    await expect(synthesizeCheckpoint({ preset: "demo", outDir, onProgress })).rejects.toThrow("killed");
    expect((await readdir(root)).filter((name) => name.startsWith("interrupted"))).toEqual([]);
  });
});
