/**
 * Issue 16, item 6: a GGUF whose metadata contradicts its tensors is refused by quantize and eval
 * before any work — exit 1, one line naming the file and the key or tensor — instead of a file
 * llama.cpp cannot load (quantize, exit 0) or an abort inside llama.cpp (eval, exit 134).
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertCheckpoint } from "../../src/convert/convertCheckpoint.js";
import { runCli } from "../cli.js";
import { tinyFixtureDir } from "../shared.js";

let home: string;
let original: Buffer;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-gguf-faults-"));
  await convertCheckpoint({ dir: tinyFixtureDir(), outPath: join(home, "good.gguf"), outtype: "bf16" });
  original = readFileSync(join(home, "good.gguf"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

/** The u32 value of a metadata key, in place (GGUF: key string, u32 type 4, value). */
function setU32(bytes: Buffer, key: string, value: number): void {
  const at = bytes.indexOf(Buffer.from(key)) + key.length;
  expect(bytes.readUInt32LE(at)).toBe(4);
  bytes.writeUInt32LE(value, at + 4);
}

/** A tensor's two dims swapped in its info record (name, n_dims u32, dims u64…). */
function transpose2d(bytes: Buffer, name: string): void {
  const at = bytes.indexOf(Buffer.concat([Buffer.alloc(8), Buffer.from(name)]).subarray(8)) + name.length;
  expect(bytes.readUInt32LE(at)).toBe(2);
  const a = bytes.readBigUInt64LE(at + 4);
  const b = bytes.readBigUInt64LE(at + 12);
  bytes.writeBigUInt64LE(b, at + 4);
  bytes.writeBigUInt64LE(a, at + 12);
}

const CASES: Array<{ name: string; corrupt: (b: Buffer) => void; message: string }> = [
  { name: "expert-count-0", corrupt: (b) => setU32(b, "gpt-oss.expert_count", 0), message: "gpt-oss.expert_count: 0: must be at least 1" },
  { name: "block-count-99", corrupt: (b) => setU32(b, "gpt-oss.block_count", 99), message: "blk.8.attn_norm.weight: missing tensor (the metadata says 99 layers" },
  { name: "block-count-7", corrupt: (b) => setU32(b, "gpt-oss.block_count", 7), message: "blk.7.ffn_down_exps.weight: a tensor the metadata does not account for" },
  { name: "used-above-count", corrupt: (b) => setU32(b, "gpt-oss.expert_used_count", 9), message: "gpt-oss.expert_used_count: 9 experts used per token but only 8 experts" },
  { name: "output-transposed", corrupt: (b) => transpose2d(b, "output.weight"), message: "output.weight: shape [4096, 288], expected [288, 4096]" },
  {
    name: "no-tokenizer",
    // the key renamed to one of the same length: the file stays well-formed, the tokenizer is gone
    corrupt: (b) => b.write("tokenizer.ggml.tokenX", b.indexOf(Buffer.from("tokenizer.ggml.tokens")), "latin1"),
    message: "tokenizer.ggml.tokens: no tokenizer",
  },
];

describe("GGUF metadata that contradicts the tensors", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const bytes = Buffer.from(original);
      c.corrupt(bytes);
      const file = join(home, `${c.name}.gguf`);
      writeFileSync(file, bytes);
      const out = join(home, `${c.name}-out`);
      await mkdir(out);
      for (const args of [
        ["quantize", file, "--type", "Q8_0", "-o", join(out, "q8.gguf")],
        ["eval", file, "--cmmlu-dir", join(tinyFixtureDir(), "..", "..", "cmmlu"), "--per-subject", "1"],
      ]) {
        const r = await runCli(args);
        expect(r.code, `${args[0]}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toContain(`${file}: ${c.message}`);
        expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("oss-prep:"))).toHaveLength(1);
      }
      expect(readdirSync(out)).toEqual([]);
    });
  }
});
