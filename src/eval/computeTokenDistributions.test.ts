/**
 * Distributions do not depend on how a sequence is cut into runtime calls: the fixture's 363-token
 * 5-shot reference prompt in one call, and in calls of 64 outputs (what a 201k vocabulary gets), give
 * bit-identical log-probabilities, and a slot resuming after a cached prefix gives the same again.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReferenceLogits } from "../../test/readReferenceLogits.js";
import { tinyFixtureDir } from "../../test/shared.js";
import { convertCheckpoint } from "../convert/convertCheckpoint.js";
import { computeTokenDistributions } from "./computeTokenDistributions.js";
import { loadEvalModel } from "./loadEvalModel.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "oss-prep-distributions-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("computeTokenDistributions", () => {
  it("is independent of the split into runtime calls and of prefix reuse", async () => {
    const path = join(dir, "tiny-f32.gguf");
    await convertCheckpoint({ dir: tinyFixtureDir(), outPath: path, outtype: "f32" });
    const ids = (await readReferenceLogits(join(tinyFixtureDir(), "reference_logits.safetensors")))[1].ids;
    expect(ids.length).toBe(363);
    const whole = await loadEvalModel({ path });
    const split = await loadEvalModel({ path, outputsPerCall: 64 });
    const slotsWhole = await whole.createSlots({ contextSize: ids.length, sequences: 1 });
    const slotsSplit = await split.createSlots({ contextSize: ids.length, sequences: 1 });
    try {
      const [a] = await computeTokenDistributions({ slots: slotsWhole, tokens: [ids] });
      const [b] = await computeTokenDistributions({ slots: slotsSplit, tokens: [ids] });
      expect(b.logProbs.length).toBe(ids.length * whole.vocabSize);
      expect(Buffer.from(b.logProbs.buffer).equals(Buffer.from(a.logProbs.buffer))).toBe(true);
      // the slot holds the prompt; asking for the last 100 positions re-evaluates from there
      const tail = await slotsWhole.sequences[0].evaluate(ids, [263, 300, 362]);
      for (const p of [263, 300, 362]) expect(tail.get(p)).toEqual(a.logProbs.subarray(p * whole.vocabSize, (p + 1) * whole.vocabSize));
    } finally {
      await slotsWhole.dispose();
      await slotsSplit.dispose();
      await whole.dispose();
      await split.dispose();
    }
  });
});
