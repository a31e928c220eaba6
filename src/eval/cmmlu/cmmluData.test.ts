/**
 * CMMLU data handling on ../shared/cmmlu and on broken copies: CSV reading, subject table, the
 * question selection (subjects, categories, row rule, first/random N) and its errors, and the
 * official prompt, checked against the fixture's reference prompts.
 */
import { readFileSync } from "node:fs";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmmluDir, tinyFixtureDir } from "../../../test/shared.js";
import { InvalidInputError, UsageError } from "../../errors.js";
import { buildCmmluPrompt } from "./buildCmmluPrompt.js";
import { CMMLU_SUBJECTS } from "./cmmluSubjects.js";
import { parseRowFilter } from "./parseRowFilter.js";
import { readCmmluDir } from "./readCmmluDir.js";
import { selectCmmluQuestions } from "./selectCmmluQuestions.js";

let broken: string;
beforeAll(async () => {
  broken = await mkdtemp(join(tmpdir(), "oss-prep-cmmlu-"));
});
afterAll(async () => {
  await rm(broken, { recursive: true, force: true });
});

describe("CMMLU data", () => {
  it("reads the shared copy: 67 subjects, 5 dev questions each, 11,582 test questions, the same table as built in", async () => {
    const dataset = await readCmmluDir({ dir: cmmluDir() });
    expect(dataset.subjects.size).toBe(67);
    expect(Object.fromEntries(dataset.subjects)).toEqual(CMMLU_SUBJECTS);
    let tests = 0;
    for (const subject of dataset.subjects.keys()) {
      const data = await dataset.readSubject(subject);
      expect(data.dev, subject).toHaveLength(5);
      tests += data.test.length;
    }
    expect(tests).toBe(11582);
    const agronomy = await dataset.readSubject("agronomy");
    expect(agronomy.test[0]).toMatchObject({ row: 0, answer: "B", choices: ["农业生产工具", "土地", "劳动力", "资金"], line: 2 });
  });

  it("builds the official prompt exactly as the fixture's reference prompts (0-shot and 5-shot)", async () => {
    const report = JSON.parse(readFileSync(join(tinyFixtureDir(), "training_report.json"), "utf8"));
    const [zeroShot, fiveShot] = report.reference.prompts as string[];
    const dataset = await readCmmluDir({ dir: cmmluDir() });
    const agronomy = await dataset.readSubject("agronomy");
    expect(buildCmmluPrompt({ subjectZh: "农学", shots: [], question: agronomy.test[0] })).toBe(zeroShot);
    const cs = await dataset.readSubject("computer_science");
    const question = cs.test.find((q) => fiveShot.endsWith(`题目：${q.question}\nA. ${q.choices[0]}\nB. ${q.choices[1]}\nC. ${q.choices[2]}\nD. ${q.choices[3]}\n答案是：`))!;
    expect(question).toBeDefined();
    expect(buildCmmluPrompt({ subjectZh: "计算机科学", shots: cs.dev, question })).toBe(fiveShot);
  });

  it("selects the reference subsets: first 20 per subject of rows i%5!=0 / i%5==0, subjects in name order", async () => {
    const dataset = await readCmmluDir({ dir: cmmluDir() });
    const reference = JSON.parse(readFileSync(join(tinyFixtureDir(), "cmmlu_reference.json"), "utf8"));
    for (const [cell, rows] of [["0shot_trained", "i%5!=0"], ["0shot_heldout", "i % 5 == 0"]] as const) {
      const { questions } = await selectCmmluQuestions({ dataset, spec: { rows: parseRowFilter({ text: rows }), perSubject: 20 } });
      expect(questions).toHaveLength(1340);
      expect(questions.map((q) => [q.subject, q.answer])).toEqual(reference[cell].preds.map((p: string[]) => [p[0], p[2]]));
      expect(questions.every((q) => (q.row % 5 === 0) === (rows !== "i%5!=0"))).toBe(true);
    }
  });

  it("resolves categories, draws a seeded random N in file order, and rejects unknown names and empty subsets", async () => {
    const dataset = await readCmmluDir({ dir: cmmluDir() });
    const stem = await selectCmmluQuestions({ dataset, spec: { subjects: ["stem"], perSubject: 1 } });
    expect(stem.subjects.every((s) => dataset.subjects.get(s)!.category === "STEM")).toBe(true);
    expect(stem.subjects.length).toBeGreaterThan(10);
    const draw = (seed: number) => selectCmmluQuestions({ dataset, spec: { subjects: ["arts"], perSubject: 5, sample: "random", seed } });
    const a = (await draw(1)).questions.map((q) => q.row);
    expect((await draw(1)).questions.map((q) => q.row)).toEqual(a);
    expect((await draw(2)).questions.map((q) => q.row)).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    await expect(selectCmmluQuestions({ dataset, spec: { subjects: ["agronmy"] } })).rejects.toThrow(UsageError);
    await expect(selectCmmluQuestions({ dataset, spec: { subjects: ["astronomy2"] } })).rejects.toThrow(/unknown CMMLU subject or category "astronomy2" \(did you mean/);
    // arts has fewer than 1000 rows: i%1000==999 selects nothing
    await expect(selectCmmluQuestions({ dataset, spec: { subjects: ["arts"], rows: parseRowFilter({ text: "i%1000==999" }) } })).rejects.toThrow(/selection is empty/);
    expect(() => parseRowFilter({ text: "i%5<1" })).toThrow(/--rows "i%5<1": expected all, i%M==R or i%M!=R/);
    expect(() => parseRowFilter({ text: "i%5==5" })).toThrow(UsageError);
  });

  it("names the file and line of a malformed CSV row, and a copy without test/", async () => {
    await cp(cmmluDir(), broken, { recursive: true });
    const file = join(broken, "test", "arts.csv");
    const lines = readFileSync(file, "utf8").split("\n");
    lines[3] = "2,只有三列,A"; // record 3 (line 4)
    await writeFile(file, lines.join("\n"));
    const dataset = await readCmmluDir({ dir: broken });
    await expect(dataset.readSubject("arts")).rejects.toThrow(InvalidInputError);
    await expect(dataset.readSubject("arts")).rejects.toThrow(`${file}: line 4: expected 7 fields, got 3`);
    const bad = join(broken, "test", "astronomy.csv");
    await writeFile(bad, ",Question,A,B,C,D,Answer\n0,问题,a,b,c,d,E\n");
    await expect((await readCmmluDir({ dir: broken })).readSubject("astronomy")).rejects.toThrow(`${bad}: line 2: Answer must be one of A, B, C, D, got "E"`);
    await expect(readCmmluDir({ dir: join(broken, "dev") })).rejects.toThrow(/not a CMMLU directory: no dev\/ folder/);
  });
});
