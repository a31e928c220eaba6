/** `build --subjects / --per-subject` select the eval stage's questions as `oss-prep eval` does (issue 17, item 5). */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { cmmluDir, tinyFixtureDir } from "../shared.js";

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-build-eval-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("build's eval selection flags", () => {
  it("--subjects college_law agronomy --per-subject 2: the eval stage scores 4 questions", async () => {
    const pipeline = join(home, "q8-eval.yaml");
    await writeFile(pipeline, "name: q8-eval\nstages:\n  - stage: source\n  - stage: quantize\n    with: { type: Q8_0 }\n  - stage: eval\n    inputs: { model: quantize }\n");
    const r = await runCli(["build", "--variant", pipeline, "--model", tinyFixtureDir(), "--work-dir", join(home, "work"), "--out", join(home, "out"), "--cmmlu-dir", cmmluDir(), "--subjects", "college_law", "agronomy", "--per-subject", "2", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const evalStage = JSON.parse(r.stdout).stages.find((s: { id: string }) => s.id === "eval");
    expect(evalStage.summary.questions).toBe(4);
    expect(evalStage.params).toMatchObject({ subjects: ["college_law", "agronomy"], per_subject: 2 });
  });
});
