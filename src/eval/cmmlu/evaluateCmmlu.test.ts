/**
 * Scoring CMMLU with the fixture's BF16 GGUF on a few subjects (CI-sized; the full reproduction of
 * cmmlu_reference.json is `npm run verify:eval`): predictions agree with the transformers reference,
 * reusing the KV prefix gives exactly what fresh evaluation gives, and the bare-letter method —
 * plausible-looking but wrong for this tokenizer — scores at chance where ours does not.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmmluDir, tinyFixtureDir } from "../../../test/shared.js";
import { convertCheckpoint } from "../../convert/convertCheckpoint.js";
import { wilsonInterval } from "../accuracyStatistics.js";
import type { EvalModel } from "../evalModel.js";
import { loadEvalModel } from "../loadEvalModel.js";
import { scoreQuestionPlans } from "../scoreQuestionPlans.js";
import type { CmmluDataset, CmmluQuestion } from "./cmmluTypes.js";
import { evaluateCmmlu, planCmmluQuestions } from "./evaluateCmmlu.js";
import { parseRowFilter } from "./parseRowFilter.js";
import { readCmmluDir } from "./readCmmluDir.js";
import { selectCmmluQuestions } from "./selectCmmluQuestions.js";

type Cell = "0shot_trained" | "0shot_heldout" | "5shot_trained" | "5shot_heldout";
const reference = () => JSON.parse(readFileSync(join(tinyFixtureDir(), "cmmlu_reference.json"), "utf8")) as Record<Cell, { preds: [string, string, string][] }>;

/** The reference cell's predictions for `questions` (its selection: first N per subject of the subset, file order). */
async function referencePredictions(dataset: CmmluDataset, cell: Cell, questions: CmmluQuestion[]): Promise<string[]> {
  const perSubject = cell.startsWith("5") ? 5 : 20;
  const rows = parseRowFilter({ text: cell.endsWith("trained") ? "i%5!=0" : "i%5==0" });
  const full = await selectCmmluQuestions({ dataset, spec: { rows, perSubject } });
  const index = new Map(full.questions.map((q, i) => [`${q.subject}/${q.row}`, i]));
  const preds = reference()[cell].preds;
  return questions.map((q) => preds[index.get(`${q.subject}/${q.row}`)!][1]);
}

let dir: string;
let model: EvalModel;
let dataset: CmmluDataset;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "oss-prep-cmmlu-eval-"));
  const path = join(dir, "tiny-bf16.gguf");
  await convertCheckpoint({ dir: tinyFixtureDir(), outPath: path, outtype: "bf16" });
  model = await loadEvalModel({ path });
  dataset = await readCmmluDir({ dir: cmmluDir() });
});
afterAll(async () => {
  await model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("CMMLU scoring on the fixture (BF16)", () => {
  it("continuation scoring agrees with the reference; the bare letter's logit scores at chance", async () => {
    // "：A" is one token: after tokenize("…答案是："), a bare "A" follows a token the model never saw it after
    const colon = model.tokenize("答案是：");
    const withA = model.tokenize("答案是：A");
    expect(withA.length).toBe(colon.length);
    expect(withA.slice(0, -1)).toEqual(colon.slice(0, -1));

    const { questions } = await selectCmmluQuestions({ dataset, spec: { rows: parseRowFilter({ text: "i%5!=0" }), perSubject: 1 } });
    expect(questions).toHaveLength(67);
    const ours = await evaluateCmmlu({ model, dataset, questions, shots: 0, method: "continuation" });
    const letter = await evaluateCmmlu({ model, dataset, questions, shots: 0, method: "letter" });
    const accuracy = (run: typeof ours) => run.predictions.filter((p) => p.correct).length / run.predictions.length;
    const expected = await referencePredictions(dataset, "0shot_trained", questions);
    const agreement = ours.predictions.filter((p, i) => p.predicted === expected[i]).length / questions.length;
    console.log(`0-shot trained, 67 questions: continuation ${(accuracy(ours) * 100).toFixed(1)}%, bare letter ${(accuracy(letter) * 100).toFixed(1)}%, agreement with reference ${(agreement * 100).toFixed(1)}%`);
    expect(agreement).toBeGreaterThanOrEqual(0.97);
    expect(accuracy(ours)).toBeGreaterThan(0.7);
    // the bare-letter method is indistinguishable from guessing: its interval holds 25%
    const [lo, hi] = wilsonInterval(letter.predictions.filter((p) => p.correct).length, questions.length);
    expect(lo).toBeLessThan(0.25);
    expect(hi).toBeGreaterThan(0.25);
  }, 300_000);

  it("5-shot: agrees with the reference, and reusing the shared prefix gives exactly the fresh evaluation's scores", async () => {
    const { questions } = await selectCmmluQuestions({
      dataset,
      spec: { subjects: ["computer_science", "high_school_biology"], rows: parseRowFilter({ text: "i%5!=0" }), perSubject: 5 },
    });
    const run = await evaluateCmmlu({ model, dataset, questions, shots: 5, method: "continuation" });
    expect(run.predictions.every((p) => p.shots === 5)).toBe(true);
    // the slot kept the header and shots between questions of a subject
    expect(run.throughput.evaluatedTokens).toBeLessThan(run.throughput.promptTokens * 0.6);
    const expected = await referencePredictions(dataset, "5shot_trained", questions);
    expect(run.predictions.filter((p, i) => p.predicted === expected[i]).length).toBeGreaterThanOrEqual(9);

    const planned = await planCmmluQuestions({ model, dataset, questions, shots: 5, method: "continuation" });
    const slots = await model.createSlots({ contextSize: Math.max(...planned.map((q) => q.plan.maxTokens)), sequences: 1 });
    try {
      for (let i = 0; i < planned.length; i++) {
        await slots.sequences[0].truncate(0);
        const fresh = await scoreQuestionPlans({ slots, plans: [planned[i].plan] });
        expect(fresh.logLikelihoods[0], `question ${i}`).toEqual(run.predictions[i].logLikelihoods);
      }
    } finally {
      await slots.dispose();
    }
  }, 300_000);

  it("drops shots longest first when the context is too small, and refuses a question that cannot fit", async () => {
    const { questions } = await selectCmmluQuestions({ dataset, spec: { subjects: ["computer_science"], perSubject: 1 } });
    const all = await planCmmluQuestions({ model, dataset, questions, shots: 5, method: "continuation" });
    const shotTokens = (await dataset.readSubject("computer_science")).dev.map((s) => model.tokenize(`题目：${s.question}`).length);
    const longest = shotTokens.indexOf(Math.max(...shotTokens));
    const limited = await planCmmluQuestions({ model, dataset, questions, shots: 5, method: "continuation", contextLimit: all[0].plan.maxTokens - 1 });
    expect(limited[0].shots).toBe(4);
    expect(limited[0].prompt).not.toContain((await dataset.readSubject("computer_science")).dev[longest].question);
    await expect(planCmmluQuestions({ model, dataset, questions, shots: 0, method: "continuation", contextLimit: 10 })).rejects.toThrow(
      /test\/computer_science\.csv: line 2: the question alone needs \d+ tokens, more than the context of 10/,
    );
  });
});
