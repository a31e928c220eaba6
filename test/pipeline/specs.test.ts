/** Pipeline and model YAML validation: every failure names the file, the key and the problem. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors.js";
import { listModelSpecs, loadModelSpecFile } from "../../src/pipeline/modelSpec.js";
import { listPipelineSpecs, loadPipelineSpecFile } from "../../src/pipeline/pipelineSpec.js";
import { STAGES } from "../../src/stages/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "oss-prep-specs-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectInvalid(load: (file: string) => Promise<unknown>, yaml: string, key: string | undefined, problem: RegExp) {
  const file = join(dir, `spec-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml);
  const error = await load(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  const e = error as InvalidInputError;
  expect(e.file).toBe(file);
  expect(e.key).toBe(key);
  expect(e.message).toMatch(problem);
  expect(e.message.startsWith(file)).toBe(true);
}

describe("shipped specs", () => {
  it("every pipeline and model file in the package loads", async () => {
    const pipelines = await listPipelineSpecs(STAGES);
    expect(pipelines.map((p) => p.name)).toContain("gguf-bf16");
    const models = await listModelSpecs();
    expect(models.map((m) => m.name).sort()).toEqual(expect.arrayContaining(["demo", "gpt-oss-20b"]));
    const real = models.find((m) => m.name === "gpt-oss-20b")!;
    expect(real.source).toMatchObject({ kind: "hub", repo: "openai/gpt-oss-20b" });
    if (real.source.kind === "hub") {
      expect(real.source.allow).toContain("model-*.safetensors");
      expect(real.source.allow.some((p) => p.startsWith("original") || p.startsWith("metal"))).toBe(false);
    }
  });
});

describe("malformed pipeline YAML", () => {
  const load = (f: string) => loadPipelineSpecFile(f, STAGES);
  it("invalid YAML syntax", () => expectInvalid(load, "name: x\nstages: [\n", undefined, /invalid YAML/));
  it("missing name", () => expectInvalid(load, "stages:\n  - stage: source\n", "name", /required/));
  it("unknown top-level key", () => expectInvalid(load, "name: x\nstagez: []\n", "stagez", /unknown key/));
  it("empty stage list", () => expectInvalid(load, "name: x\nstages: []\n", "stages", /non-empty list/));
  it("unknown stage", () => expectInvalid(load, "name: x\nstages:\n  - stage: source\n  - stage: quantise\n", "stages[1].stage", /unknown stage "quantise"/));
  it("unknown parameter", () => expectInvalid(load, "name: x\nstages:\n  - stage: source\n  - stage: convert\n    with:\n      out_type: bf16\n", "stages[1].with.out_type", /unknown key/));
  it("bad parameter value", () => expectInvalid(load, "name: x\nstages:\n  - stage: source\n  - stage: convert\n    with:\n      outtype: q4\n", "stages[1].with.outtype", /expected one of f32, f16, bf16/));
  it("input with no producer", () => expectInvalid(load, "name: x\nstages:\n  - stage: convert\n", "stages[0]", /needs a checkpoint input/));
  it("input naming a later or unknown stage", () =>
    expectInvalid(load, "name: x\nstages:\n  - stage: source\n  - stage: convert\n    inputs:\n      checkpoint: nowhere\n", "stages[1].inputs.checkpoint", /no earlier stage/));
  it("duplicate stage id", () => expectInvalid(load, "name: x\nstages:\n  - stage: source\n  - stage: source\n", "stages[1].id", /duplicate stage id/));
});

describe("malformed model YAML", () => {
  const load = (f: string) => loadModelSpecFile(f);
  it("no source", () => expectInvalid(load, "name: m\n", "source", /required/));
  it("two sources", () => expectInvalid(load, "name: m\nsource:\n  hub: {repo: a/b, allow: [x]}\n  synth: {preset: demo}\n", "source", /exactly one/));
  it("bad repo id", () => expectInvalid(load, "name: m\nsource:\n  hub:\n    repo: not-a-repo\n    allow: [config.json]\n", "source.hub.repo", /org\/name/));
  it("missing allowlist", () => expectInvalid(load, "name: m\nsource:\n  hub:\n    repo: a/b\n", "source.hub.allow", /required/));
  it("unknown synth preset", () => expectInvalid(load, "name: m\nsource:\n  synth:\n    preset: gpt-oss-7b\n", "source.synth.preset", /expected one of demo, .*gpt-oss-20b/));
  it("negative seed", () => expectInvalid(load, "name: m\nsource:\n  synth:\n    preset: demo\n    seed: -1\n", "source.synth.seed", /out of range/));
});
