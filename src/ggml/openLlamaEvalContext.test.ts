/**
 * The eval-callback context on the fixture's GGUF: struct layouts accepted, every wanted tensor seen
 * once per ubatch with its shape, an early stop skips the rest of the graph, and bad files are
 * one-line errors naming them.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../test/shared.js";
import { convertCheckpoint } from "../convert/convertCheckpoint.js";
import { InvalidInputError } from "../errors.js";
import { openLlamaEvalContext } from "./openLlamaEvalContext.js";

let home: string;
let gguf: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-llama-eval-"));
  gguf = join(home, "tiny-bf16.gguf");
  await convertCheckpoint({ dir: tinyFixtureDir(), outPath: gguf, outtype: "bf16" });
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const tokens = (n: number, seed = 37) => Int32Array.from({ length: n }, (_, i) => (i * seed + 3) % 4000);

describe("openLlamaEvalContext", () => {
  it("hands over each wanted tensor once per ubatch, with ggml's shapes", () => {
    const seen: Array<{ name: string; ne: number[]; nb: number[]; type: number; first: number }> = [];
    const ctx = openLlamaEvalContext({
      ggufPath: gguf, nCtx: 256, nUbatch: 32, threads: 1,
      observer: {
        wants: (name) => name === "kqv_out-0" || name === "ffn_moe_topk-7",
        observe: (t) => {
          const data = new Float32Array(t.nbytes / 4);
          t.copyTo(data);
          seen.push({ name: t.header.name, ne: [...t.header.ne], nb: [...t.header.nb], type: t.header.type, first: data[0] });
          return true;
        },
      },
    });
    try {
      expect([ctx.nLayer, ctx.nEmbd, ctx.nUbatch]).toEqual([8, 288, 32]);
      ctx.decode(tokens(32));
      ctx.decode(tokens(20, 11));
      ctx.clearMemory();
      ctx.decode(tokens(32));
    } finally {
      ctx.close();
    }
    expect(seen.map((s) => s.name)).toEqual(["kqv_out-0", "ffn_moe_topk-7", "kqv_out-0", "ffn_moe_topk-7", "kqv_out-0", "ffn_moe_topk-7"]);
    expect(seen[0].ne).toEqual([512, 32, 1, 1]);
    expect(seen[2].ne).toEqual([512, 20, 1, 1]);
    // top-k ids: a strided i32 view of the argsort over all 8 experts
    expect(seen[1]).toMatchObject({ ne: [2, 32, 1, 1], type: 26 });
    expect(seen[1].nb[1]).toBe(8 * 4);
    // the same tokens at the same positions after clearing the memory: the same attention output
    expect(seen[4].first).toBe(seen[0].first);
  });

  it("repackWeights false (weights mapped only) computes the same layer outputs", () => {
    const run = (repackWeights: boolean) => {
      const outputs: Float32Array[] = [];
      const ctx = openLlamaEvalContext({
        ggufPath: gguf, nCtx: 64, nUbatch: 32, threads: 1, repackWeights,
        observer: {
          wants: (name) => name === "l_out-7",
          observe: (t) => {
            const data = new Float32Array(t.nbytes / 4);
            t.copyTo(data);
            outputs.push(data);
            return true;
          },
        },
      });
      try {
        ctx.decode(tokens(32));
      } finally {
        ctx.close();
      }
      return outputs[0];
    };
    const repacked = run(true);
    const mapped = run(false);
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < repacked.length; i++) {
      diff += (repacked[i] - mapped[i]) ** 2;
      norm += repacked[i] ** 2;
    }
    // other kernels (the repacked MXFP4 path blocks activations its own way): 2e-3 relative after 8
    // layers measured; the engine agrees with the TypeScript forward to ~1e-2 anyway
    expect(Math.sqrt(diff / norm)).toBeLessThan(1e-2);
  });

  it("an observer returning false stops the graph there; an exception is rethrown by decode", () => {
    const names: string[] = [];
    const ctx = openLlamaEvalContext({
      ggufPath: gguf, nCtx: 64, nUbatch: 16, threads: 1,
      observer: {
        wants: (name) => /^l_out-\d$/.test(name),
        observe: (t) => {
          names.push(t.header.name);
          if (t.header.name === "l_out-5") throw new Error("boom");
          return t.header.name !== "l_out-1";
        },
      },
    });
    try {
      ctx.decode(tokens(16));
      expect(names).toEqual(["l_out-0", "l_out-1"]);
    } finally {
      ctx.close();
    }
  });

  it("a file that is not a GGUF: an InvalidInputError naming it", async () => {
    const bad = join(home, "not-a-model.gguf");
    await writeFile(bad, "hello, I am text");
    const open = () => openLlamaEvalContext({ ggufPath: bad, nCtx: 64, nUbatch: 16, threads: 1, observer: { wants: () => false, observe: () => true } });
    expect(open).toThrow(InvalidInputError);
    expect(open).toThrow(/not-a-model\.gguf: llama\.cpp cannot load this model/);
  });
});
