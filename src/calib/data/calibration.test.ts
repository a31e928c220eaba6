/**
 * Calibration data: the built-in text tokenized with the checkpoint's tokenizer.json exactly as llama.cpp
 * tokenizes it (the fixture's GGUF through node-llama-cpp), user files in three formats, and sequences
 * cut to N × L with a clear error when the text is too short.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmmluDir, tinyFixtureDir } from "../../../test/shared.js";
import { readCmmluDir } from "../../eval/cmmlu/readCmmluDir.js";
import { loadCalibrationSequences } from "./loadCalibrationSequences.js";
import { InvalidInputError } from "../../errors.js";
import { convertCheckpoint } from "../../convert/convertCheckpoint.js";
import { BUILTIN_CALIBRATION_DOCUMENTS } from "./builtinCalibrationText.js";
import { buildCalibrationSequences } from "./buildCalibrationSequences.js";
import { readByteLevelBpeEncoder } from "../../formats/tokenizer/readByteLevelBpeEncoder.js";
import { readCalibrationDocuments } from "./readCalibrationDocuments.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "oss-prep-calib-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("calibration tokenizer", () => {
  it("tokenizes the built-in text as llama.cpp does from the same tokenizer (harmony special tokens included)", async () => {
    const encode = await readByteLevelBpeEncoder({ dir: tinyFixtureDir() });
    const gguf = join(dir, "tiny.gguf");
    await convertCheckpoint({ dir: tinyFixtureDir(), outPath: gguf, outtype: "bf16" });
    const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
    const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: gguf, gpuLayers: 0 });
    try {
      for (const [i, document] of BUILTIN_CALIBRATION_DOCUMENTS.entries()) {
        expect(encode(document), `document ${i}`).toEqual(Array.from(model.tokenize(document, true)));
      }
    } finally {
      await model.dispose();
    }
  });

  it("refuses a tokenizer that is not gpt-oss's", async () => {
    const other = join(dir, "other");
    await (await import("node:fs/promises")).mkdir(other);
    await writeFile(join(other, "tokenizer.json"), JSON.stringify({ model: { type: "WordPiece", vocab: {} } }));
    await expect(readByteLevelBpeEncoder({ dir: other })).rejects.toThrow(/tokenizer\.json: model: expected a BPE model/);
  });
});

describe("calibration files and sequences", () => {
  it("reads .txt, .jsonl and .json documents", async () => {
    const txt = join(dir, "a.txt");
    await writeFile(txt, "one document\n\nwith paragraphs\n");
    expect(await readCalibrationDocuments({ file: txt })).toEqual(["one document\n\nwith paragraphs\n"]);
    const jsonl = join(dir, "a.jsonl");
    await writeFile(jsonl, '{"text": "first"}\n"second"\n\n{"text": "third", "id": 3}\n');
    expect(await readCalibrationDocuments({ file: jsonl })).toEqual(["first", "second", "third"]);
    const json = join(dir, "a.json");
    await writeFile(json, JSON.stringify([{ text: "x" }, "y"]));
    expect(await readCalibrationDocuments({ file: json })).toEqual(["x", "y"]);
  });

  it("bad files: missing, empty, malformed lines", async () => {
    await expect(readCalibrationDocuments({ file: join(dir, "missing.txt") })).rejects.toThrow(/missing\.txt: cannot read the calibration file: ENOENT/);
    const empty = join(dir, "empty.txt");
    await writeFile(empty, "  \n");
    await expect(readCalibrationDocuments({ file: empty })).rejects.toThrow(/empty\.txt: no text/);
    const bad = join(dir, "bad.jsonl");
    await writeFile(bad, '{"text": "ok"}\n{"body": 1}\n');
    await expect(readCalibrationDocuments({ file: bad })).rejects.toThrow(/bad\.jsonl: line 2: expected a string or an object with a string `text` field/);
  });

  it("cuts N × L consecutive tokens across documents, and names the source when there are too few", async () => {
    const tokenize = (text: string) => Array.from(text, (c) => c.codePointAt(0)!);
    const sequences = buildCalibrationSequences({ documents: ["abcdef", "ghij"], tokenize, samples: 3, seqlen: 3, source: "t.txt" });
    expect(sequences.map((s) => String.fromCodePoint(...s))).toEqual(["abc", "def", "\n\ng"]);
    const error = (() => {
      try {
        buildCalibrationSequences({ documents: ["abc"], tokenize, samples: 2, seqlen: 4, source: "t.txt" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe("t.txt: too short for calibration: 3 tokens, 2 samples × 4 tokens need 8 (give a longer file, fewer --calib-samples or a shorter --calib-seqlen)");
  });

  it("the built-in set holds the default 16 × 512 tokens with the fixture's tokenizer", async () => {
    const encode = await readByteLevelBpeEncoder({ dir: tinyFixtureDir() });
    const sequences = buildCalibrationSequences({ documents: BUILTIN_CALIBRATION_DOCUMENTS, tokenize: encode, samples: 16, seqlen: 512, source: "built-in" });
    expect(sequences).toHaveLength(16);
    expect(sequences.every((s) => s.length === 512)).toBe(true);
  });
});

describe("prune's default calibration: CMMLU dev questions + the built-in text", () => {
  it("alternates the two, the built-in text taking at most half the budget, within the budget", async () => {
    const dataset = await readCmmluDir({ dir: cmmluDir() });
    const encode = await readByteLevelBpeEncoder({ dir: tinyFixtureDir() });
    const builtin = encode(BUILTIN_CALIBRATION_DOCUMENTS.join("\n\n"));
    const params = { checkpointDir: tinyFixtureDir(), maxTokens: 8192, sequenceLength: 512 };
    const mixed = await loadCalibrationSequences({ ...params, source: { kind: "cmmlu", dataset, withBuiltinText: true } });
    // the CMMLU part is what the plain set gives for the other half of the budget, in the same seeded order
    const cmmlu = (await loadCalibrationSequences({ ...params, maxTokens: 8192 - 4096, source: { kind: "cmmlu", dataset } })).sequences;
    const pieces = Array.from({ length: 8 }, (_, i) => builtin.slice(i * 512, (i + 1) * 512));
    const expected: number[][] = [];
    for (let i = 0; i < Math.max(cmmlu.length, pieces.length); i++) expected.push(...(i < cmmlu.length ? [cmmlu[i]] : []), ...(i < pieces.length ? [pieces[i]] : []));
    expect(mixed.sequences).toEqual(expected);
    const total = mixed.sequences.reduce((n, x) => n + x.length, 0);
    expect(total).toBeLessThanOrEqual(8192);
    expect(total).toBeGreaterThan(8192 - 512);
    expect(mixed.description).toMatch(/CMMLU dev questions .* \+ 8 sequences \(4096 tokens\) of the built-in calibration text/);
  });
});
