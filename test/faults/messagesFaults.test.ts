/**
 * Issue 16, item 14 (part): usage problems exit 2, and what would fail after the models were scored
 * (a missing --text file, a baseline with another tokenizer) fails before any scoring.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertCheckpoint } from "../../src/convert/convertCheckpoint.js";
import { runCli } from "../cli.js";
import { cmmluDir, tinyFixtureDir } from "../shared.js";

let home: string;
let gguf: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-messages-"));
  gguf = join(home, "tiny.gguf");
  await convertCheckpoint({ dir: tinyFixtureDir(), outPath: gguf, outtype: "bf16" });
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("exit codes and early checks", () => {
  it("build --publish-to with a malformed repository, plan --ctx beyond any context: usage errors (exit 2)", async () => {
    const build = await runCli(["build", "--variant", "gguf-q8", "--model", tinyFixtureDir(), "--work-dir", join(home, "work"), "--publish-to", "not a repo"]);
    expect(build.code, build.stderr).toBe(2);
    const plan = await runCli(["plan", "--ctx", "1e12", "--gpus", "1x24GB"]);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stderr).toContain(`--ctx "1e12": out of range [1, 1048576]`);
  });

  it("eval: a missing --text file and a baseline with another tokenizer fail before the models are scored", async () => {
    const common = ["--cmmlu-dir", cmmluDir(), "--per-subject", "2"];
    const nope = join(home, "nope.txt");
    const t0 = performance.now();
    const text = await runCli(["eval", gguf, "--baseline", gguf, "--text", nope, ...common]);
    expect(text.code, text.stderr).toBe(1);
    expect(text.stderr).toContain(`${nope}: cannot read: ENOENT`);
    expect(text.stderr).not.toMatch(/cmmlu \(model\)/);

    const other = join(home, "other-tokenizer.gguf");
    const bytes = Buffer.from(readFileSync(gguf));
    const at = bytes.indexOf(Buffer.from("<|return|>"));
    expect(at).toBeGreaterThan(0);
    bytes.write("<|retuXn|>", at, "latin1");
    writeFileSync(other, bytes);
    const mismatch = await runCli(["eval", gguf, "--baseline", other, ...common]);
    expect(mismatch.code, mismatch.stderr).toBe(1);
    expect(mismatch.stderr).toMatch(new RegExp(`${other}: its tokenizer is not the model's \\(${gguf}: token \\d+ differs\\)`));
    expect(mismatch.stderr).not.toMatch(/cmmlu \(model\)/);
    expect(performance.now() - t0).toBeLessThan(60_000);
  });

  it("prune and awq on a disk too small for their outputs fail before the calibration pass", async () => {
    const calib = join(home, "calib.txt");
    writeFileSync(calib, "calibration text for a full disk ".repeat(100));
    const env = { OSS_PREP_ASSUME_FREE_BYTES: "1000" };
    const prune = await runCli(["prune", tinyFixtureDir(), "--experts-keep", "6", "--calib", calib, "-o", join(home, "pruned")], { env });
    expect(prune.code, prune.stderr).toBe(1);
    // the temporary calibration GGUF is checked first, the pruned checkpoint before the forward
    expect(prune.stderr).toMatch(/not enough disk space for .*: .* needed, 1000 B free/);
    expect(prune.stderr).not.toMatch(/tokens\/s/);
    const awq = await runCli(["awq", tinyFixtureDir(), "--samples", "1", "--seqlen", "16", "-o", join(home, "awq")], { env });
    const withGguf = await runCli(["prune", tinyFixtureDir(), "--experts-keep", "6", "--calib", calib, "--gguf", gguf, "-o", join(home, "pruned")], { env });
    expect(withGguf.stderr).toMatch(/not enough disk space for the pruned checkpoint: .* needed, 1000 B free/);
    expect(awq.code, awq.stderr).toBe(1);
    expect(awq.stderr).toMatch(/not enough disk space for .*: .* needed, 1000 B free/);
    expect(awq.stderr).not.toMatch(/tokens\/s/);
  });

  it("awq -o onto a file, build --only an unknown stage: one line naming it, exit 2", async () => {
    const file = join(home, "not-a-folder");
    writeFileSync(file, "x");
    const awq = await runCli(["awq", tinyFixtureDir(), "-o", file, "--samples", "1", "--seqlen", "16"]);
    expect(awq.code, awq.stderr).toBe(2);
    expect(awq.stderr).toContain(`-o ${file}: exists and is not a folder`);
    const only = await runCli(["build", "--variant", "gguf-q8", "--model", tinyFixtureDir(), "--work-dir", join(home, "work-only"), "--only", "nosuchstage"]);
    expect(only.code, only.stderr).toBe(2);
    expect(only.stderr).toContain("--only nosuchstage: no such stage");
  });

  it("SIGINT during eval says it stopped and ends with status 130 (item 12)", async () => {
    const r = await runCli(["eval", gguf, "--cmmlu-dir", cmmluDir(), "--per-subject", "5"], {
      onSpawn: (child) => {
        setTimeout(() => child.kill("SIGINT"), 2500).unref();
      },
    });
    // 130 either way a shell sees it: the exit code, or the end by SIGINT itself (node-llama-cpp's
    // native threads are stopped by the signal once oss-prep has said it stops)
    expect(r.code === 130 || r.signal === "SIGINT", `${r.code} ${r.signal} ${r.stderr}`).toBe(true);
    expect(r.stderr).toContain("oss-prep: SIGINT received, stopping");
  });
});
