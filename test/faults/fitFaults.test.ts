/**
 * Bad input to `fit`, `build --fit` and the options this round added (issues 17 and 18): each is a
 * usage error (exit 2) naming the option or the file and key, with nothing written.
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { tinyFixtureDir } from "../shared.js";

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-fit-faults-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("fit and build --fit: bad input", () => {
  it("fit: a GPU spec, a RAM size or a model that is not one, each naming what is wrong", async () => {
    const gpus = await runCli(["fit", "--gpus", "twelve"]);
    expect(gpus.code).toBe(2);
    expect(gpus.stderr).toMatch(/--gpus: expected e\.g\. 1x24GB.*"twelve"/);
    const zero = await runCli(["fit", "--gpus", "0GB"]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--gpus: "0GB" is out of range/);
    const ram = await runCli(["fit", "--gpus", "1x8GB", "--ram", "lots"]);
    expect(ram.code).toBe(2);
    expect(ram.stderr).toMatch(/--ram.*memory size/);
    const missing = join(home, "no-such-checkpoint");
    const model = await runCli(["fit", "--gpus", "1x8GB", "--model", missing]);
    expect(model.code).not.toBe(0);
    expect(model.stderr).toContain("no-such-checkpoint");
    for (const r of [gpus, zero, ram, model]) expect(r.stdout).toBe("");
  });

  it("build: --fit and --variant together, or neither, is a usage error; nothing is built", async () => {
    const workDir = join(home, "work-both");
    const both = await runCli(["build", "--fit", "1x8GB", "--variant", "gguf-q5", "--model", "demo", "--work-dir", workDir]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--variant <name> or --fit <gpus>/);
    const neither = await runCli(["build", "--model", "demo", "--work-dir", workDir]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/--variant <name> or --fit <gpus>/);
    expect(existsSync(join(workDir, "stages"))).toBe(false);
  });

  it("build --fit where nothing fits: a usage error naming the closest variant and its shortfall, before any stage runs", async () => {
    const workDir = join(home, "work-none");
    const r = await runCli(["build", "--fit", "1x1GB", "--model", "gpt-oss-20b", "--work-dir", workDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--fit 1x1GB: no variant of gpt-oss-20b fits; the closest, .* is GPU memory short by [\d,]+ MiB/);
    // nothing was downloaded or generated, no pipeline file written
    expect(existsSync(join(workDir, "stages"))).toBe(false);
    expect(existsSync(join(workDir, "fit")) ? readdirSync(join(workDir, "fit")) : []).toEqual([]);
  });
});

describe("this round's options: bad values", () => {
  it("a pipeline whose prune target is a share of 100% or more names the file and key", async () => {
    const pipeline = join(home, "share.yaml");
    await writeFile(pipeline, "name: share\nstages:\n  - stage: source\n  - stage: prune\n    with: { target_params: 100%, engine: ts }\n");
    const r = await runCli(["build", "--variant", pipeline, "--model", tinyFixtureDir(), "--work-dir", join(home, "work-share")]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(pipeline);
    expect(r.stderr).toMatch(/target_params: expected a parameter count .* or a share/);
  });

  it("awq: a calibration sequence shorter than 16 tokens is refused under the new name and the old one alike", async () => {
    for (const flag of ["--calib-seqlen", "--seqlen"]) {
      const out = join(home, `awq${flag}`);
      const r = await runCli(["awq", tinyFixtureDir(), flag, "8", "-o", out]);
      expect(r.code, flag).toBe(2);
      // the message names the flag as the user typed it
      expect(r.stderr, flag).toContain(`${flag} "8": out of range [16, 131072]`);
      expect(existsSync(out)).toBe(false);
    }
  });
});
