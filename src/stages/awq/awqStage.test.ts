/**
 * `oss-prep awq` and the awq stage through the real CLI (dist/): a small AWQ run on the fixture with the
 * default path (experts kept, clipping on), the errors for bad input (group size, short calibration,
 * already-quantized or converted input) and a build with the stage.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../test/cli.js";
import { tinyFixtureDir } from "../../../test/shared.js";
import { InvalidInputError } from "../../errors.js";
import { GgmlType, readGguf, readGgufTensorData } from "../../formats/gguf/index.js";
import { convertCheckpoint } from "../../convert/convertCheckpoint.js";
import { awqStage } from "./definition.js";

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-awq-stage-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("oss-prep awq", () => {
  it("quantizes the fixture with AWQ (experts kept, clipping), reports every layer, writes the GGUF and the checkpoint", async () => {
    const out = join(home, "out");
    const r = await runCli(["awq", tinyFixtureDir(), "--samples", "2", "--seqlen", "64", "-o", out, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ method: "awq", clip: true, group_size: 32, experts: "keep", gguf: "tiny-gpt-oss-awq-g32.gguf", checkpoint: "tiny-gpt-oss-awq-g32" });
    expect(summary.calibration).toMatchObject({ samples: 2, seqlen: 64, tokens: 128 });
    expect(summary.alpha.qkv).toHaveLength(8);
    expect(summary.layers).toHaveLength(8);
    for (const layer of summary.layers) {
      expect(layer.clipping.map((c: { linear: string }) => c.linear)).toEqual(["v_proj", "o_proj"]);
      for (const c of layer.clipping) expect(c.lossAfter).toBeLessThanOrEqual(c.lossBefore);
    }
    // progress: one line per layer on stderr
    expect(r.stderr.match(/layer \d\/8: qkv α=/g)).toHaveLength(8);
    expect(existsSync(join(out, "tiny-gpt-oss-awq-g32.gguf"))).toBe(true);
    const dir = join(out, "tiny-gpt-oss-awq-g32");
    const readme = readFileSync(join(dir, "README.md"), "utf8");
    expect(readme).toMatch(/Which engines load it/);
    // a checkpoint directory given on the command line claims no base model (issue 17, item 4)
    expect(readme).not.toContain("base_model");
    const report = JSON.parse(readFileSync(join(dir, "awq_report.json"), "utf8"));
    expect(report.layers).toHaveLength(8);
    // MXFP4 experts kept: copied as they are, in the checkpoint and in the GGUF (where they are what convert writes)
    const index = JSON.parse(readFileSync(join(dir, "model.safetensors.index.json"), "utf8"));
    expect(index.weight_map["model.layers.0.mlp.experts.gate_up_proj_blocks"]).toBeDefined();
    expect(index.weight_map["model.layers.0.self_attn.k_proj.qweight"]).toBeDefined();
    const converted = join(home, "bf16.gguf");
    await convertCheckpoint({ dir: tinyFixtureDir(), outPath: converted, outtype: "bf16" });
    const ours = await readGguf({ path: join(out, "tiny-gpt-oss-awq-g32.gguf") });
    const reference = await readGguf({ path: converted });
    const types = new Map(ours.tensors.map((t) => [t.name, t.type]));
    expect(types.get("blk.3.attn_q.weight")).toBe(GgmlType.Q4_1);
    expect(types.get("output.weight")).toBe(GgmlType.Q8_0);
    for (const name of ["blk.3.ffn_gate_exps.weight", "blk.3.ffn_up_exps.weight", "blk.3.ffn_down_exps.weight"]) {
      expect(types.get(name)).toBe(GgmlType.MXFP4);
      expect((await readGgufTensorData({ gguf: ours, name })).equals(await readGgufTensorData({ gguf: reference, name })), name).toBe(true);
    }
    expect(ours.metadata.get("general.file_type")?.value).toBe(3); // MOSTLY_Q4_1

    // that output is already quantized: refused as an input
    const again = await runCli(["awq", dir, "-o", join(home, "again")]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/config\.json: quantization_config\.quant_method: already quantized \(quant_method "awq"\)/);
  });

  it("bad input: unsupported group sizes, a short calibration file, a GGUF, bad counts", async () => {
    const out = join(home, "bad");
    const group48 = await runCli(["awq", tinyFixtureDir(), "--group", "48", "-o", out]);
    expect(group48.code).toBe(2);
    expect(group48.stderr).toMatch(/--group.*48.*(32, 64|choices)/);

    const group64 = await runCli(["awq", tinyFixtureDir(), "--group", "64", "-o", out]);
    expect(group64.code).toBe(1);
    expect(group64.stderr).toMatch(/config\.json: hidden_size: 288 is not a multiple of the group size 64/);

    const short = join(home, "short.txt");
    await writeFile(short, "床前明月光，疑是地上霜。举头望明月，低头思故乡。\n");
    const tooShort = await runCli(["awq", tinyFixtureDir(), "--calib", short, "-o", out]);
    expect(tooShort.code).toBe(1);
    expect(tooShort.stderr).toMatch(/short\.txt: too short for calibration: \d+ tokens, 16 samples × 512 tokens need 8192/);

    const gguf = join(home, "x.gguf");
    await writeFile(gguf, "GGUF");
    const notDir = await runCli(["awq", gguf, "-o", out]);
    expect(notDir.code).toBe(1);
    expect(notDir.stderr).toMatch(/x\.gguf: expected a Hugging Face checkpoint directory/);

    const zero = await runCli(["awq", tinyFixtureDir(), "--samples", "0", "-o", out]);
    expect(zero.code).toBe(2);
    // nothing half-written
    expect(existsSync(join(out, "tiny-gpt-oss-awq-g32.gguf"))).toBe(false);
  });

  it("--help lists the options without loading onnxruntime, llama.cpp or koffi", async () => {
    const r = await runCli(["awq", "--help"]);
    expect(r.code).toBe(0);
    for (const option of ["--group", "--experts", "--calib", "--calib-samples", "--calib-seqlen", "--backend", "--method", "--no-clip"]) expect(r.stdout).toContain(option);
    // the old spellings still work, hidden
    for (const option of ["--samples", "--seqlen"]) expect(r.stdout).not.toContain(`${option} `);
  });
});

describe("awq stage", () => {
  it("params: defaults, group 32 or 64 only, unknown keys refused", () => {
    const where = { file: "p.yaml", key: "stages[2].with" };
    expect(awqStage.parseParams({}, where)).toEqual({ group: 32, experts: "keep", method: "awq", calib: undefined, calibSamples: 16, calibSeqlen: 512, gramRank: 128, clip: true, engine: "llama", backend: "auto", gguf: undefined });
    expect(awqStage.parseParams({ group: 64, experts: "awq", method: "rtn", clip: false }, where)).toMatchObject({ group: 64, experts: "awq", method: "rtn", clip: false });
    expect(awqStage.parseParams({ engine: "ts" }, where)).toMatchObject({ engine: "ts" });
    expect(() => awqStage.parseParams({ engine: "torch" }, where)).toThrow(/engine: expected one of llama, ts/);
    expect(() => awqStage.parseParams({ group: 128 }, where)).toThrow(/stages\[2\]\.with\.group: expected 32 or 64, got 128/);
    expect(() => awqStage.parseParams({ experts: "requant" }, where)).toThrow(InvalidInputError);
    expect(() => awqStage.parseParams({ calib_samples: 0 }, where)).toThrow(/calib_samples/);
    expect(() => awqStage.parseParams({ alpha: 0.5 }, where)).toThrow(/unknown key/);
  });

  it("build: the rtn variant exports the GGUF and the checkpoint and is cached the second time", async () => {
    const pipeline = join(home, "t-rtn.yaml");
    await writeFile(pipeline, "name: t-rtn\nstages:\n  - stage: source\n  - stage: awq\n    with:\n      method: rtn\n");
    const args = ["build", "--variant", pipeline, "--model", tinyFixtureDir(), "--work-dir", join(home, "work"), "--out", join(home, "build"), "--json"];
    const first = await runCli(args);
    expect(first.code, first.stderr).toBe(0);
    const manifest = JSON.parse(first.stdout);
    const stage = manifest.stages[1];
    expect(stage.summary).toMatchObject({ method: "rtn", group_size: 32, experts: "keep", calibration: null });
    expect(stage.outputs.map((o: { name: string; kind: string }) => [o.name, o.kind])).toEqual([["gguf", "gguf"], ["checkpoint", "checkpoint"]]);
    expect(existsSync(join(home, "build", stage.outputs[0].path))).toBe(true);
    expect(existsSync(join(home, "build", "awq", "config.json"))).toBe(true);
    const second = await runCli(args);
    expect(JSON.parse(second.stdout).stages[1].cached).toBe(true);
  });

  it("build: the awq stage calibrates on the pipeline's bf16 conversion when it is wired as its gguf input (no temporary copy)", async () => {
    const pipeline = join(home, "t-awq-gguf.yaml");
    await writeFile(
      pipeline,
      [
        "name: t-awq-gguf",
        "stages:",
        "  - stage: source",
        "  - stage: convert",
        "    id: baseline",
        "    with: { outtype: bf16 }",
        "  - stage: awq",
        "    inputs: { checkpoint: source, gguf: baseline }",
        "    with: { calib_samples: 2, calib_seqlen: 64 }",
        "",
      ].join("\n"),
    );
    const r = await runCli(["build", "--variant", pipeline, "--model", tinyFixtureDir(), "--work-dir", join(home, "work-gguf"), "--out", join(home, "build-gguf"), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const awq = JSON.parse(r.stdout).stages.find((s: { id: string }) => s.id === "awq");
    expect(awq.summary).toMatchObject({ method: "awq", calibration: { samples: 2, seqlen: 64 } });
    expect(r.stderr).not.toMatch(/calibration GGUF: converted/);
  });
});
