/**
 * The quantize stage and command through the real CLI (dist/): `build --variant gguf-q5` straight from
 * the checkpoint, its manifest summary, the command's errors and exit codes, and params validation.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../test/cli.js";
import { tinyFixtureDir } from "../../../test/shared.js";
import { InvalidInputError } from "../../errors.js";
import { quantizeStage } from "./definition.js";

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-quantize-stage-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("quantize stage", () => {
  it("build --variant gguf-q5 writes the Q5_K_M GGUF in one pass and summarises it per tensor class", async () => {
    const r = await runCli(["build", "--variant", "gguf-q5", "--model", tinyFixtureDir(), "--work-dir", join(home, "work"), "--out", join(home, "out"), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(r.stdout);
    expect(manifest.stages.map((s: { id: string }) => s.id)).toEqual(["source", "baseline", "quantize"]);
    expect(manifest.skipped.map((s: { id: string }) => s.id)).toEqual(["eval", "vram", "publish"]);
    const stage = manifest.stages.find((s: { id: string }) => s.id === "quantize");
    const summary = stage.summary;
    expect(summary).toMatchObject({ type: "Q5_K_M", experts: "keep", input: "checkpoint", fallbacks: 9 });
    expect(summary.bitsPerWeight).toBeCloseTo(4.928, 3);
    const byClass = Object.fromEntries(summary.classes.map((c: { class: string }) => [c.class, c]));
    expect(byClass["ffn_down_exps.weight"]).toMatchObject({ tensors: 8, from: { mxfp4: 8 }, to: { mxfp4: 8 }, fallbacks: 0 });
    expect(byClass["token_embd.weight"]).toMatchObject({ to: { q5_1: 1 }, fallbacks: 1, requested: { q5_K: 1 } });
    expect(byClass["attn_v.weight"]).toMatchObject({ to: { q8_0: 8 }, fallbacks: 0 });
    expect(summary.text).toMatch(/experts: keep \(MXFP4 experts copied bit-exactly\)/);
    expect(summary.text).toMatch(/9 of 155 tensors fell back/);
    // no full-precision intermediate: the stage's only output is the quantized file
    expect(stage.outputs).toHaveLength(1);
    const gguf = stage.outputs[0];
    expect(gguf).toMatchObject({ name: "gguf", kind: "gguf" });
    expect(gguf.path).toMatch(/Q5_K_M\.gguf$/);
    expect(gguf.files).toHaveLength(1);
    expect(gguf.files[0].size).toBe(summary.fileBytes);
  });

  it("params: type is required and checked, experts defaults to keep", () => {
    const where = { file: "p.yaml", key: "stages[1].with" };
    expect(quantizeStage.parseParams({ type: "Q4_K_M" }, where)).toEqual({ type: "Q4_K_M", experts: "keep" });
    expect(() => quantizeStage.parseParams({}, where)).toThrow(InvalidInputError);
    expect(() => quantizeStage.parseParams({ type: "Q5_K_M", experts: "drop" }, where)).toThrow(/experts: expected one of keep, requant/);
    expect(() => quantizeStage.parseParams({ type: "Q9" }, where)).toThrow(/stages\[1\]\.with\.type/);
    expect(() => quantizeStage.parseParams({ type: "Q8_0", outtype: "bf16" }, where)).toThrow(InvalidInputError);
  });
});

describe("oss-prep quantize", () => {
  it("--help shows the options without loading llama.cpp or koffi", async () => {
    const r = await runCli(["quantize", "--help"], { env: { NODE_DEBUG: "module" } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--type <type>[\s\S]*--experts <policy>[\s\S]*--imatrix <file>[\s\S]*-o, --out <file>/);
    expect(r.stderr).not.toMatch(/node-llama-cpp|koffi/);
  });

  it("quantizes the checkpoint, then its own output with --experts requant; exit codes 2 and 1 with one-line errors", async () => {
    const q4 = join(home, "q4.gguf");
    const first = await runCli(["quantize", tinyFixtureDir(), "--type", "Q4_K_M", "--experts", "requant", "-o", q4, "--json"]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ type: "Q4_K_M", experts: "requant", fallbacks: 33 });
    const unknown = await runCli(["quantize", q4, "--type", "Q7", "-o", join(home, "x.gguf")]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown quantization type "Q7"/);
    const refused = await runCli(["quantize", q4, "--type", "Q8_0", "-o", join(home, "x.gguf")]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n").filter((l) => l.startsWith("oss-prep:"))).toHaveLength(1);
    expect(refused.stderr).toMatch(/already quantized as q5_0; --experts keep/);
    const requant = await runCli(["quantize", q4, "--type", "Q8_0", "--experts", "requant", "-o", join(home, "q8.gguf")]);
    expect(requant.code, requant.stderr).toBe(0);
    expect(requant.stdout).toMatch(/Q8_0 from gguf .*experts: requant/);
    expect(createHash("sha256").update(readFileSync(join(home, "q8.gguf"))).digest("hex")).toHaveLength(64);
  });
});
