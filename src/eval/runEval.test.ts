/**
 * The whole evaluation of a variant against a baseline on a CI-sized subset: the fixture's F32
 * GGUF against its BF16 GGUF (the same weights at two precisions, so the loss is ~0 and the
 * divergence small but not zero), the report's fields, and the three report files.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmmluDir, tinyFixtureDir } from "../../test/shared.js";
import { InvalidInputError } from "../errors.js";
import { convertCheckpoint } from "../convert/convertCheckpoint.js";
import { parseRowFilter } from "./cmmlu/parseRowFilter.js";
import { readCmmluDir } from "./cmmlu/readCmmluDir.js";
import { renderEvalSummary } from "./renderEvalMarkdown.js";
import { runEval } from "./runEval.js";
import { writeEvalReports } from "./writeEvalReports.js";

let dir: string;
let f32: string;
let bf16: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "oss-prep-run-eval-"));
  f32 = join(dir, "tiny-f32.gguf");
  bf16 = join(dir, "tiny-bf16.gguf");
  await convertCheckpoint({ dir: tinyFixtureDir(), outPath: f32, outtype: "f32" });
  await convertCheckpoint({ dir: tinyFixtureDir(), outPath: bf16, outtype: "bf16" });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("runEval", () => {
  it("reports accuracy with intervals, the paired loss against the baseline, divergence, and writes eval.json/md/html", async () => {
    const dataset = await readCmmluDir({ dir: cmmluDir() });
    const report = await runEval({
      modelPath: f32,
      baselinePath: bf16,
      dataset,
      selection: { subjects: ["arts", "marketing"], rows: parseRowFilter({ text: "i%5!=0" }), perSubject: 4 },
      shots: 0,
      divergence: { maxTokens: 300 },
    });
    expect(report.cmmlu.questions).toBe(8);
    expect(report.cmmlu.predictions).toHaveLength(8);
    expect(report.cmmlu.predictions[0]).toMatchObject({ subject: "arts", row: 1 });
    expect(report.cmmlu.predictions.map((p) => p.row)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    for (const p of report.cmmlu.predictions) expect(["A", "B", "C", "D"]).toContain(p.predicted);
    expect(report.cmmlu.accuracy).toBeCloseTo(report.cmmlu.predictions.filter((p) => p.correct).length / 8, 12);
    expect(report.cmmlu.subject_mean).toBeCloseTo(report.cmmlu.by_subject.reduce((a, s) => a + s.accuracy, 0) / 2, 12);
    expect(report.cmmlu.accuracy_ci95[0]).toBeLessThanOrEqual(report.cmmlu.accuracy);
    expect(report.cmmlu.by_category.map((c) => c.category).sort()).toEqual(["Humanities", "Social Science"]);
    expect(report.method.scoring).toBe("continuation");
    expect(report.method.scoring_description).toMatch(/longest common token prefix/);
    expect(report.baseline!.cmmlu.questions).toBe(8);
    const c = report.comparison!;
    expect(c.accuracy_loss.questions).toBe(8);
    expect(c.agreement).toBeGreaterThanOrEqual(0.75);
    expect(c.accuracy_loss.ci95[0]).toBeLessThanOrEqual(c.accuracy_loss.loss);
    const d = report.divergence!;
    expect(d.text).toBe("cmmlu-prompts");
    expect(d.positions).toBeGreaterThan(100);
    expect(d.positions).toBeLessThanOrEqual(300);
    expect(d.kl.mean).toBeGreaterThan(0);
    expect(d.kl.mean).toBeLessThan(0.01);
    expect(d.top1_agreement).toBeGreaterThan(0.95);
    expect(d.perplexity.ratio).toBeGreaterThan(0.97);
    expect(d.perplexity.ratio).toBeLessThan(1.03);
    expect(d.kl.min).toBeLessThanOrEqual(d.kl.median);
    expect(d.kl.median).toBeLessThanOrEqual(d.kl.p99);

    const out = join(dir, "report");
    await writeEvalReports({ report, dir: out });
    const json = JSON.parse(readFileSync(join(out, "eval.json"), "utf8"));
    expect(json.cmmlu).toMatchObject({ questions: 8, accuracy: report.cmmlu.accuracy, subject_mean: report.cmmlu.subject_mean });
    expect(json.cmmlu.predictions[0]).toHaveProperty("answer");
    expect(readFileSync(join(out, "eval.md"), "utf8")).toMatch(/## Divergence from the baseline/);
    const html = readFileSync(join(out, "eval.html"), "utf8");
    expect(html).toMatch(/<svg[^>]*aria-label="CMMLU accuracy/);
    expect(html).toMatch(/mean KL from the baseline/);
    expect(renderEvalSummary(report)).toMatch(/accuracy loss vs baseline/);
  });

  it("measures divergence on a text file, and refuses unreadable text", async () => {
    const dataset = await readCmmluDir({ dir: cmmluDir() });
    const text = join(dir, "poem.txt");
    await writeFile(text, "床前明月光，疑是地上霜。举头望明月，低头思故乡。The quick brown fox jumps over the lazy dog.\n".repeat(4));
    const selection = { subjects: ["arts"], perSubject: 1 };
    const report = await runEval({ modelPath: f32, baselinePath: bf16, dataset, selection, shots: 0, divergence: { textFile: text } });
    expect(report.divergence!.text).toBe(text);
    expect(report.divergence!.sequences).toBe(1);
    expect(report.divergence!.scored_positions).toBe(report.divergence!.positions - 1);
    await expect(runEval({ modelPath: f32, baselinePath: bf16, dataset, selection, shots: 0, divergence: { textFile: join(dir, "missing.txt") } })).rejects.toThrow(
      InvalidInputError,
    );
    expect(existsSync(join(dir, "missing.txt"))).toBe(false);
  });
});
