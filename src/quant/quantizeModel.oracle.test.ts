/**
 * Acceptance: on the tiny-gpt-oss fixture our quantized GGUF equals, key by key and tensor by tensor
 * (type, shape, offset, sha256 of the bytes), what llama.cpp's llama_model_quantize (libllama of the
 * node-llama-cpp we ship, through the FFI) writes from our BF16 conversion of the same checkpoint:
 * with allow_requantize for the requant policy, with `--tensor-type` overrides keeping the MXFP4
 * experts for the keep policy. Then each output loads and runs in node-llama-cpp.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestGguf, type ReferenceDigest } from "../../test/ggufDigest.js";
import { tinyFixtureDir } from "../../test/shared.js";
import { writeSyntheticImatrix } from "../../test/syntheticImatrix.js";
import { GgmlType } from "../formats/gguf/ggmlTypes.js";
import { convertCheckpoint } from "../convert/convertCheckpoint.js";
import { llamaModelQuantize } from "../ggml/llamaModelQuantize.js";
import { readImatrixGguf } from "./imatrix/readImatrixGguf.js";
import { KEEP_EXPERTS_OVERRIDE_PATTERN, type ExpertPolicy } from "./planQuantization.js";
import { quantizeModel } from "./quantizeModel.js";
import { quantizeTypeFromName } from "./recipe/quantizeTypes.js";

function expectSameGguf(ours: ReferenceDigest, theirs: ReferenceDigest): void {
  expect(ours.header).toEqual(theirs.header);
  expect(ours.kv.map((e) => e.key)).toEqual(theirs.kv.map((e) => e.key));
  for (let i = 0; i < theirs.kv.length; i++) expect(ours.kv[i], theirs.kv[i].key).toEqual(theirs.kv[i]);
  expect(ours.tensors.map((t) => t.name)).toEqual(theirs.tensors.map((t) => t.name));
  for (let i = 0; i < theirs.tensors.length; i++) expect(ours.tensors[i], theirs.tensors[i].name).toEqual(theirs.tensors[i]);
}

interface Case {
  type: string;
  experts: ExpertPolicy;
  from: "checkpoint" | "gguf";
  imatrix?: boolean;
}

const CASES: Case[] = [
  { type: "Q5_K_M", experts: "keep", from: "checkpoint" },
  { type: "Q5_K_M", experts: "requant", from: "checkpoint" },
  { type: "Q4_K_M", experts: "requant", from: "checkpoint" },
  { type: "Q8_0", experts: "requant", from: "checkpoint" },
  { type: "MXFP4_MOE", experts: "keep", from: "checkpoint" },
  { type: "Q5_K_M", experts: "keep", from: "gguf" },
  { type: "Q4_K_M", experts: "requant", from: "gguf" },
  { type: "Q6_K", experts: "requant", from: "checkpoint" },
  { type: "F16", experts: "requant", from: "checkpoint" },
  { type: "BF16", experts: "requant", from: "gguf" },
  { type: "Q4_K_M", experts: "requant", from: "checkpoint", imatrix: true },
  { type: "Q5_K_M", experts: "keep", from: "gguf", imatrix: true },
];

const caseName = (c: Case) => `${c.type}-${c.experts}-from-${c.from}${c.imatrix ? "-imatrix" : ""}`;

describe("quantizeModel on tiny-gpt-oss vs llama.cpp's llama_model_quantize", () => {
  let dir: string;
  let bf16: string;
  let imatrixPath: string;
  const outputs: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "oss-prep-quantize-"));
    bf16 = join(dir, "tiny-bf16.gguf");
    await convertCheckpoint({ dir: tinyFixtureDir(), outPath: bf16, outtype: "bf16" });
    imatrixPath = join(dir, "imatrix.gguf");
    await writeSyntheticImatrix({ modelGguf: bf16, path: imatrixPath });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${caseName(c)}: same keys, values, tensor names, types, shapes, offsets and bytes`, async () => {
      const theirsPath = join(dir, `${caseName(c)}.llama.gguf`);
      const oursPath = join(dir, `${caseName(c)}.gguf`);
      const imatrix = c.imatrix ? await readImatrixGguf({ path: imatrixPath }) : undefined;
      await llamaModelQuantize({
        input: bf16,
        output: theirsPath,
        ftype: quantizeTypeFromName(c.type).ftype,
        allowRequantize: c.experts === "requant",
        tensorTypeOverrides: c.experts === "keep" ? [{ pattern: KEEP_EXPERTS_OVERRIDE_PATTERN, type: GgmlType.MXFP4 }] : undefined,
        imatrix: imatrix ? [...imatrix.entries].map(([name, data]) => ({ name, data })) : undefined,
        // what llama-quantize adds for an imatrix (tools/quantize/quantize.cpp)
        kvOverrides: imatrix
          ? [
              { key: "quantize.imatrix.file", value: imatrixPath },
              { key: "quantize.imatrix.dataset", value: imatrix.datasets[0] },
              { key: "quantize.imatrix.entries_count", value: imatrix.entries.size },
              { key: "quantize.imatrix.chunks_count", value: imatrix.chunkCount },
            ]
          : undefined,
      });
      const started = performance.now();
      const result = await quantizeModel({
        input: c.from === "checkpoint" ? tinyFixtureDir() : bf16,
        outPath: oursPath,
        type: c.type,
        experts: c.experts,
        imatrixPath: c.imatrix ? imatrixPath : undefined,
      });
      console.log(`${caseName(c)}: ${((performance.now() - started) / 1000).toFixed(2)} s, ${result.fileBytes} bytes, ${result.bitsPerWeight.toFixed(3)} bpw`);
      if (c.imatrix) expect(result.imatrix?.used).toBeGreaterThan(0);
      expectSameGguf(await digestGguf(oursPath), await digestGguf(theirsPath));
      outputs.push(oursPath);
    });
  }

  it("every quantized fixture loads and evaluates in node-llama-cpp", async () => {
    expect(outputs.length).toBe(CASES.length);
    const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
    const threads = availableParallelism();
    const llama = await getLlama({ gpu: false, build: "never", maxThreads: threads, logLevel: LlamaLogLevel.error, progressLogs: false });
    for (const path of outputs) {
      const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
      try {
        const context = await model.createContext({ contextSize: 64, threads, batchSize: 64 });
        try {
          const tokens = model.tokenize("The capital of France is");
          await context.getSequence().evaluateWithoutGeneratingNewTokens(tokens);
        } finally {
          await context.dispose();
        }
      } finally {
        await model.dispose();
      }
    }
  });
});
