/**
 * Issue 9's quality claim, as a test: on the fixture, AWQ at group 32 (experts kept) calibrated on the
 * model's own domain — the CMMLU dev questions, the only text it was trained on — is closer to the BF16
 * model than round-to-nearest on the same grid, measured by llama.cpp running both GGUFs on the
 * reference prompts (494 positions). The accuracy side (paired CMMLU test, ~20 min) is in
 * scripts/awq-fixture-quality.mjs and docs/quality.md ("AWQ vs RTN"), with the built-in calibration,
 * which does not beat RTN on this CMMLU-only model.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReferenceLogits } from "../../test/readReferenceLogits.js";
import { cmmluDir, tinyFixtureDir } from "../../test/shared.js";
import { convertCheckpoint } from "../convert/convertCheckpoint.js";
import { cmmluPromptHeader, formatCmmluQuestion } from "../eval/cmmlu/buildCmmluPrompt.js";
import { readCmmluDir } from "../eval/cmmlu/readCmmluDir.js";
import { loadEvalModel } from "../eval/loadEvalModel.js";
import { measureDivergence } from "../eval/measureDivergence.js";
import { machineThreads } from "../util/threads.js";
import { quantizeAwq } from "./quantizeAwq.js";

let tmp: string;
const kl: Record<string, number> = {};

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "oss-prep-awq-vs-rtn-"));
  const fixture = tinyFixtureDir();
  const dataset = await readCmmluDir({ dir: cmmluDir() });
  const lines: string[] = [];
  for (const [subject, info] of dataset.subjects) {
    const { dev } = await dataset.readSubject(subject);
    lines.push(JSON.stringify({ text: cmmluPromptHeader(info.zh) + dev.map((q) => formatCmmluQuestion(q, true)).join("") }));
  }
  const calibFile = join(tmp, "cmmlu-dev.jsonl");
  await writeFile(calibFile, `${lines.join("\n")}\n`);
  const baselinePath = join(tmp, "BF16.gguf");
  await convertCheckpoint({ dir: fixture, outPath: baselinePath, outtype: "bf16" });
  const awq = await quantizeAwq({ dir: fixture, outDir: tmp, fileStem: "awq", method: "awq", calibFile });
  const rtn = await quantizeAwq({ dir: fixture, outDir: tmp, fileStem: "rtn", method: "rtn" });
  const reference = (await readReferenceLogits(join(fixture, "reference_logits.safetensors"))).map((p) => p.ids);
  const threads = machineThreads();
  const baseline = await loadEvalModel({ path: baselinePath, threads });
  try {
    for (const [label, file] of [["awq", awq.ggufFile], ["rtn", rtn.ggufFile]] as const) {
      const model = await loadEvalModel({ path: join(tmp, file), threads });
      try {
        kl[label] = (await measureDivergence({ model, baseline, sequences: reference })).kl.mean;
      } finally {
        await model.dispose();
      }
    }
  } finally {
    await baseline.dispose();
  }
}, 600_000);
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("AWQ vs RTN on the fixture (group 32, experts kept, CMMLU dev calibration)", () => {
  it("AWQ's GGUF is closer to BF16 than RTN's on the reference prompts (llama.cpp, mean KL)", () => {
    console.log(`mean KL vs BF16 on the reference prompts: AWQ ${kl.awq.toExponential(3)}, RTN ${kl.rtn.toExponential(3)}`);
    // docs/quality.md: 7.683e-2 vs 7.819e-2 with the attention-output objective (the first objective's
    // 6.518e-2 came from weighting q/k/v alike, which lost to RTN on a model it was not tuned on); on these
    // 494 positions the difference is within noise, the 16384-position comparison is in the script
    expect(kl.awq).toBeLessThanOrEqual(kl.rtn);
  });
});
