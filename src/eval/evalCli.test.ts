/**
 * `oss-prep eval` and the `eval` pipeline stage through the real CLI (dist/): bad input gives one-line
 * errors with the documented exit codes, --json carries the fields scripts read, and a build with an
 * eval stage compared against a baseline stage exports eval.json/md/html and links them in the manifest.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../test/cli.js";
import { cmmluDir, tinyFixtureDir } from "../../test/shared.js";
import { InvalidInputError } from "../errors.js";
import { convertCheckpoint } from "../convert/convertCheckpoint.js";
import { evalStage } from "../stages/eval/definition.js";

let home: string;
let gguf: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-eval-cli-"));
  gguf = join(home, "tiny-bf16.gguf");
  await convertCheckpoint({ dir: tinyFixtureDir(), outPath: gguf, outtype: "bf16" });
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("oss-prep eval", () => {
  it("--json: accuracy, subject mean, question count and per-question predictions", async () => {
    const r = await runCli(["eval", gguf, "--cmmlu-dir", cmmluDir(), "--subjects", "arts", "nutrition", "--rows", "i%5!=0", "--per-subject", "3", "--json", "--out", join(home, "report")]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.cmmlu.questions).toBe(6);
    expect(typeof report.cmmlu.accuracy).toBe("number");
    expect(typeof report.cmmlu.subject_mean).toBe("number");
    expect(report.cmmlu.predictions).toHaveLength(6);
    expect(Object.keys(report.cmmlu.predictions[0])).toEqual(expect.arrayContaining(["subject", "row", "predicted", "answer"]));
    expect(report.selection).toMatchObject({ rows: "i%5!=0", per_subject: 3, subjects: ["arts", "nutrition"] });
    for (const f of ["eval.json", "eval.md", "eval.html"]) expect(existsSync(join(home, "report", f)), f).toBe(true);
  });

  it("bad input: unknown subject, bad row rule, shots out of range, empty subset (exit 2); missing model, malformed CSV (exit 1)", async () => {
    const base = ["eval", gguf, "--cmmlu-dir", cmmluDir()];
    const unknown = await runCli([...base, "--subjects", "astrology"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown CMMLU subject or category "astrology"/);
    expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
    const rows = await runCli([...base, "--rows", "odd"]);
    expect(rows.code).toBe(2);
    expect(rows.stderr).toMatch(/--rows "odd": expected all, i%M==R or i%M!=R/);
    expect((await runCli([...base, "--shots", "6"])).code).toBe(2);
    const empty = await runCli([...base, "--subjects", "arts", "--rows", "i%1000==999"]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/selection is empty/);
    const missing = await runCli(["eval", join(home, "nope.gguf"), "--cmmlu-dir", cmmluDir()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.gguf: no such file/);
    const brokenDir = join(home, "cmmlu-broken");
    const { cp } = await import("node:fs/promises");
    await cp(cmmluDir(), brokenDir, { recursive: true });
    await writeFile(join(brokenDir, "test", "arts.csv"), ',Question,A,B,C,D,Answer\n0,"unclosed,a,b,c,d,A\n');
    const malformed = await runCli(["eval", gguf, "--cmmlu-dir", brokenDir, "--subjects", "arts"]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/test\/arts\.csv: line 2: quoted field is never closed/);
    const notCmmlu = await runCli(["eval", gguf, "--cmmlu-dir", home]);
    expect(notCmmlu.code).toBe(1);
    expect(notCmmlu.stderr).toMatch(/not a CMMLU directory/);
  });

  it("a build with eval stages: the model alone, and a quantized variant against the BF16 baseline", async () => {
    const pipeline = join(home, "eval-pipeline.yaml");
    await writeFile(
      pipeline,
      [
        "name: eval-test",
        "stages:",
        "  - stage: source",
        "  - stage: convert",
        "    id: bf16",
        "    with: { outtype: bf16 }",
        "  - stage: eval",
        "    id: eval-bf16",
        `    with: { cmmlu_dir: ${JSON.stringify(cmmluDir())}, subjects: [arts], rows: "i%5!=0", per_subject: 3 }`,
        "  - stage: quantize",
        "    id: q8",
        "    with: { type: Q8_0 }",
        "  - stage: eval",
        "    id: eval-q8",
        `    with: { cmmlu_dir: ${JSON.stringify(cmmluDir())}, subjects: [arts], rows: "i%5!=0", per_subject: 3, kl_tokens: 200 }`,
        "    inputs: { model: q8, baseline: bf16 }",
        "",
      ].join("\n"),
    );
    const out = join(home, "build");
    const r = await runCli(["build", "--variant", pipeline, "--model", tinyFixtureDir(), "--work-dir", join(home, "work"), "--out", out, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(r.stdout);
    const byId = Object.fromEntries(manifest.stages.map((s: { id: string }) => [s.id, s]));
    for (const id of ["eval-bf16", "eval-q8"]) {
      const stage = byId[id];
      expect(stage.outputs[0]).toMatchObject({ name: "eval", kind: "eval", path: id });
      expect(stage.outputs[0].files.map((f: { path: string }) => f.path).sort()).toEqual(["eval.html", "eval.json", "eval.md"]);
      for (const f of ["eval.json", "eval.md", "eval.html"]) expect(existsSync(join(out, id, f)), `${id}/${f}`).toBe(true);
      expect(stage.summary.questions).toBe(3);
      expect(stage.summary.text).toMatch(/\| variant \| questions \| accuracy/);
    }
    // the first eval's optional baseline slot is wired to its own model: no comparison
    expect(byId["eval-bf16"].summary.accuracy_loss).toBeUndefined();
    const q8 = JSON.parse(readFileSync(join(out, "eval-q8", "eval.json"), "utf8"));
    expect(q8.model.file).toMatch(/Q8_0\.gguf$/);
    expect(q8.baseline.file).toMatch(/\.gguf$/);
    expect(q8.comparison.accuracy_loss.questions).toBe(3);
    expect(q8.divergence.positions).toBeGreaterThan(0);
    expect(q8.divergence.kl.mean).toBeLessThan(0.05);

    // a build directory stands for its last exported GGUF
    const fromBuild = await runCli(["eval", out, "--cmmlu-dir", cmmluDir(), "--subjects", "arts", "--per-subject", "1", "--json"]);
    expect(fromBuild.code, fromBuild.stderr).toBe(0);
    expect(JSON.parse(fromBuild.stdout).model.file).toMatch(/Q8_0\.gguf$/);
  });

  it("stage params are validated with file and key", () => {
    const where = { file: "p.yaml", key: "stages[2].with" };
    expect(evalStage.parseParams({}, where)).toMatchObject({ rows: "all", shots: 0, sample: "first", seed: 0, gpu: false });
    expect(() => evalStage.parseParams({ shots: 7 }, where)).toThrow(/stages\[2\]\.with\.shots: out of range/);
    expect(() => evalStage.parseParams({ rows: "odd" }, where)).toThrow(InvalidInputError);
    expect(() => evalStage.parseParams({ subject: ["arts"] }, where)).toThrow(/unknown key/);
  });
});
