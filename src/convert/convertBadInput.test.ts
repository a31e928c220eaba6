/**
 * Bad checkpoints fail with one clear error naming the file (and the tensor or key), never a crash
 * or a partial output file.
 */
import { cp, mkdtemp, open, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.js";
import { tinyFixtureDir } from "../../test/shared.js";
import { convertCheckpoint } from "./convertCheckpoint.js";

const SHARD0 = "model-00000-of-00001.safetensors";
const SHARD1 = "model-00001-of-00001.safetensors";
let root: string;
let dir: string;
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "oss-prep-bad-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  // a scratch copy of the checkpoint files (never committed; removed after the tests)
  dir = join(root, `ckpt-${n++}`);
  await cp(tinyFixtureDir(), dir, { recursive: true, filter: (src) => !/reference|cmmlu|training_report|README/.test(src) });
});

async function expectConvertError(file: string, key: string | undefined, problem: RegExp): Promise<void> {
  const out = join(root, `out-${n}.gguf`);
  const error = await convertCheckpoint({ dir, outPath: out, outtype: "bf16" }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "conversion should fail").toBeInstanceOf(InvalidInputError);
  const e = error as InvalidInputError;
  expect(e.file).toBe(file);
  if (key !== undefined) expect(e.key).toBe(key);
  expect(e.message).toMatch(problem);
  // nothing that looks like an output is left behind
  expect((await readdir(root)).filter((f) => f.startsWith(`out-${n}`))).toEqual([]);
}

/** Rewrite a shard's JSON header in place (same length, padded with spaces). */
async function editHeader(shard: string, edit: (header: Record<string, any>) => void): Promise<void> {
  const path = join(dir, shard);
  const bytes = await readFile(path);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString("utf8"));
  edit(header);
  const text = JSON.stringify(header);
  if (text.length > length) throw new Error("edited header too long for an in-place edit");
  const handle = await open(path, "r+");
  await handle.write(Buffer.from(text.padEnd(length, " ")), 0, length, 8);
  await handle.close();
}

describe("convert: bad input", () => {
  it("a truncated shard", async () => {
    await truncate(join(dir, SHARD1), 1_000_000);
    await expectConvertError(join(dir, SHARD1), undefined, /truncated|outside|beyond|past the end/i);
  });

  it("a header pointing outside the file", async () => {
    await editHeader(SHARD0, (h) => {
      delete h.__metadata__; // room for the longer numbers
      const t = h["lm_head.weight"];
      const size = t.data_offsets[1] - t.data_offsets[0];
      t.data_offsets = [900_000_000, 900_000_000 + size];
    });
    await expectConvertError(join(dir, SHARD0), "lm_head.weight", /outside|beyond|past|end of the file/i);
  });

  it("an unknown dtype", async () => {
    await editHeader(SHARD0, (h) => {
      h["lm_head.weight"].dtype = "Q7";
    });
    await expectConvertError(join(dir, SHARD0), "lm_head.weight", /dtype/i);
  });

  it("a missing tensor", async () => {
    const indexFile = join(dir, "model.safetensors.index.json");
    const index = JSON.parse(await readFile(indexFile, "utf8"));
    // drop a tensor from both the index and its shard's header (renamed to something unrelated)
    delete index.weight_map["model.layers.3.self_attn.sinks"];
    await writeFile(indexFile, JSON.stringify(index));
    const shard = (await readFile(join(dir, SHARD0))).includes("model.layers.3.self_attn.sinks") ? SHARD0 : SHARD1;
    await editHeader(shard, (h) => {
      h["zz.unused"] = h["model.layers.3.self_attn.sinks"];
      delete h["model.layers.3.self_attn.sinks"];
    });
    await expectConvertError(join(dir, shard), undefined, /not in the index|index/i);
  });

  it("a tensor missing from the checkpoint entirely", async () => {
    const indexFile = join(dir, "model.safetensors.index.json");
    const index = JSON.parse(await readFile(indexFile, "utf8"));
    const shard = index.weight_map["model.layers.3.self_attn.sinks"];
    delete index.weight_map["model.layers.3.self_attn.sinks"];
    await writeFile(indexFile, JSON.stringify(index));
    await editHeader(shard, (h) => {
      delete h["model.layers.3.self_attn.sinks"];
    });
    await expectConvertError(indexFile, "model.layers.3.self_attn.sinks", /missing tensor/);
  });

  it("an index naming a missing shard", async () => {
    await rm(join(dir, SHARD1));
    await expectConvertError(join(dir, "model.safetensors.index.json"), undefined, new RegExp(SHARD1.replace(/\./g, "\\.")));
  });

  it("an unknown pre-tokenizer", async () => {
    const file = join(dir, "tokenizer.json");
    const tokenizer = JSON.parse(await readFile(file, "utf8"));
    tokenizer.pre_tokenizer = { type: "Whitespace" };
    await writeFile(file, JSON.stringify(tokenizer));
    await expectConvertError(file, undefined, /pre-tokenizer/i);
  });

  it("a config that is not gpt-oss", async () => {
    const file = join(dir, "config.json");
    const config = JSON.parse(await readFile(file, "utf8"));
    config.model_type = "llama";
    config.architectures = ["LlamaForCausalLM"];
    await writeFile(file, JSON.stringify(config));
    await expectConvertError(file, "model_type", /not a gpt-oss config/);
  });

  it("a config whose shapes disagree with the tensors", async () => {
    const file = join(dir, "config.json");
    const config = JSON.parse(await readFile(file, "utf8"));
    config.num_attention_heads = 8;
    await writeFile(file, JSON.stringify(config));
    await expectConvertError(join(dir, "model.safetensors.index.json"), undefined, /does not match config\.json/);
  });
});
