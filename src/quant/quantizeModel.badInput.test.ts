/** Bad input to `quantize`: clear errors (file, key or tensor named), nothing left at the output path. */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../test/shared.js";
import { writeSyntheticImatrix } from "../../test/syntheticImatrix.js";
import { InvalidInputError, UsageError } from "../errors.js";
import { GgmlType } from "../formats/gguf/ggmlTypes.js";
import { GgufWriter } from "../formats/gguf/GgufWriter.js";
import { GgufValueType } from "../formats/gguf/ggufValue.js";
import { convertCheckpoint } from "../convert/convertCheckpoint.js";
import { quantizeModel } from "./quantizeModel.js";

describe("quantize: bad input", () => {
  let dir: string;
  let bf16: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "oss-prep-quantize-bad-"));
    bf16 = join(dir, "tiny-bf16.gguf");
    await convertCheckpoint({ dir: tinyFixtureDir(), outPath: bf16, outtype: "bf16" });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const outputs = async () => (await readdir(dir)).filter((f) => f.startsWith("out"));

  it("an unknown type is a usage error listing the types", async () => {
    const error = await quantizeModel({ input: bf16, outPath: join(dir, "out.gguf"), type: "Q7_K" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(/unknown quantization type "Q7_K"; expected one of .*Q5_K_M/);
    // llama-quantize knows Q3_K_M, but its recipe is not ported: refused too
    await expect(quantizeModel({ input: bf16, outPath: join(dir, "out.gguf"), type: "Q3_K_M" })).rejects.toBeInstanceOf(UsageError);
  });

  it("an unknown expert policy is a usage error", async () => {
    await expect(quantizeModel({ input: bf16, outPath: join(dir, "out.gguf"), type: "Q8_0", experts: "drop" })).rejects.toThrow(UsageError);
  });

  it("a missing input names the path", async () => {
    await expect(quantizeModel({ input: join(dir, "nope.gguf"), outPath: join(dir, "out.gguf"), type: "Q8_0" })).rejects.toThrow(
      /nope\.gguf: no such file or directory/,
    );
  });

  it("a GGUF of another architecture is refused, naming general.architecture", async () => {
    const path = join(dir, "llama.gguf");
    const writer = new GgufWriter({ path });
    writer.addString("general.architecture", "llama");
    writer.addUint32("llama.block_count", 1);
    writer.addTensorInfo({ name: "token_embd.weight", shape: [32, 4], type: GgmlType.F32 });
    await writer.write(() => new Float32Array(128));
    const error = await quantizeModel({ input: path, outPath: join(dir, "out.gguf"), type: "Q8_0" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(`${path}: general.architecture: general.architecture is "llama": only gpt-oss models can be quantized`);
  });

  it("a GGUF that is no model (an imatrix) and a file that is no GGUF are refused", async () => {
    const imatrix = join(dir, "imatrix.gguf");
    await writeSyntheticImatrix({ modelGguf: bf16, path: imatrix });
    await expect(quantizeModel({ input: imatrix, outPath: join(dir, "out.gguf"), type: "Q8_0" })).rejects.toThrow(/no general\.architecture: not a model GGUF/);
    const text = join(dir, "notes.gguf");
    await writeFile(text, "hello, this is not a GGUF file at all");
    await expect(quantizeModel({ input: text, outPath: join(dir, "out.gguf"), type: "Q8_0" })).rejects.toThrow(/not a GGUF file/);
  });

  it("an already-quantized input the keep policy cannot handle is refused, naming the tensor; requant handles it", async () => {
    const q4 = join(dir, "tiny-q4.gguf");
    await quantizeModel({ input: bf16, outPath: q4, type: "Q4_K_M", experts: "requant" });
    const error = await quantizeModel({ input: q4, outPath: join(dir, "out.gguf"), type: "Q8_0", experts: "keep" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/tiny-q4\.gguf: token_embd\.weight: already quantized as q5_0; --experts keep .* requantize it to q8_0 .*--experts requant/);
    expect(await outputs()).toEqual([]);
    // the same file requantized: allowed, like llama-quantize --allow-requantize
    const result = await quantizeModel({ input: q4, outPath: join(dir, "out-q8.gguf"), type: "Q8_0", experts: "requant" });
    expect(result.tensors.find((t) => t.name === "blk.0.ffn_down_exps.weight")?.sourceType).toBe(GgmlType.Q8_0);
    await rm(join(dir, "out-q8.gguf"));
  });

  it("an imatrix whose size does not match a tensor is refused before anything is written", async () => {
    const path = join(dir, "bad-imatrix.gguf");
    const writer = new GgufWriter({ path });
    writer.addArray("imatrix.datasets", GgufValueType.STRING, ["x"]);
    writer.addUint32("imatrix.chunk_count", 1);
    writer.addUint32("imatrix.chunk_size", 512);
    writer.addTensorInfo({ name: "blk.0.attn_q.weight.in_sum2", shape: [100, 1], type: GgmlType.F32 });
    writer.addTensorInfo({ name: "blk.0.attn_q.weight.counts", shape: [1, 1], type: GgmlType.F32 });
    await writer.write((t) => new Float32Array(t.shape[0]).fill(1));
    await expect(quantizeModel({ input: tinyFixtureDir(), outPath: join(dir, "out.gguf"), type: "Q8_0", experts: "requant", imatrixPath: path })).rejects.toThrow(
      /bad-imatrix\.gguf: blk\.0\.attn_q\.weight: imatrix size 100 is different from tensor size 288/,
    );
    expect(await outputs()).toEqual([]);
  });

  it("an imatrix without its metadata, or a legacy one, is refused", async () => {
    const path = join(dir, "no-meta.gguf");
    const writer = new GgufWriter({ path });
    writer.addTensorInfo({ name: "blk.0.attn_q.weight.in_sum2", shape: [288, 1], type: GgmlType.F32 });
    await writer.write(() => new Float32Array(288));
    await expect(quantizeModel({ input: bf16, outPath: join(dir, "out.gguf"), type: "Q8_0", imatrixPath: path })).rejects.toThrow(/missing imatrix metadata/);
    const legacy = join(dir, "imatrix.dat");
    await writeFile(legacy, Buffer.from([1, 0, 0, 0, 5, 0, 0, 0]));
    await expect(quantizeModel({ input: bf16, outPath: join(dir, "out.gguf"), type: "Q8_0", imatrixPath: legacy })).rejects.toThrow(/legacy \.dat format is not supported/);
    expect(existsSync(join(dir, "out.gguf"))).toBe(false);
  });
});
