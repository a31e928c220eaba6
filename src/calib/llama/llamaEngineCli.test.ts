/**
 * `oss-prep prune --engine llama` and `oss-prep awq --engine llama` through the real CLI (dist/) on the
 * fixture: loadable outputs, the temporary calibration GGUF removed, and bad GGUFs as one-line errors.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../test/cli.js";
import { tinyFixtureDir } from "../../../test/shared.js";
import { convertCheckpoint } from "../../convert/convertCheckpoint.js";
import { openLlamaEvalContext } from "../../ggml/openLlamaEvalContext.js";
import { openGptOssWeights } from "../openGptOssWeights.js";

let home: string;
let calib: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-llama-cli-"));
  calib = join(home, "calib.json");
  await writeFile(calib, JSON.stringify({ sequences: [Array.from({ length: 96 }, (_, i) => (i * 37) % 4000), Array.from({ length: 80 }, (_, i) => (i * 11 + 5) % 4000)] }));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.includes("oss-prep-calibration") || f.includes("partial"));

describe("--engine llama", () => {
  it("prune: REAP + FLAP scored by llama.cpp, a loadable pruned checkpoint, no temporary GGUF left", async () => {
    const out = join(home, "pruned");
    const r = await runCli(["prune", tinyFixtureDir(), "--experts-keep", "6", "--heads-keep", "12", "--calib", calib, "--engine", "llama", "-o", out, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/calibration GGUF: converted/);
    const report = JSON.parse(readFileSync(join(out, "pruning.json"), "utf8"));
    expect(report.method).toMatchObject({ experts: "reap", heads: "flap" });
    expect(report.calibration).toMatchObject({ sequences: 2, tokens: 176 });
    expect(report.layers[7].experts.routed_tokens.reduce((a: number, b: number) => a + b, 0)).toBe(176 * 2);
    const weights = await openGptOssWeights({ dir: out });
    try {
      expect(weights.config).toMatchObject({ nExperts: 6, nHeads: 12 });
      expect((await weights.layer(7)).attention.oWeight.length).toBe(288 * 12 * 32);
    } finally {
      await weights.close();
    }
    expect(leftovers(home)).toEqual([]);
  });

  it("awq --experts awq: statistics from llama.cpp, then the searches; the GGUF runs in llama.cpp", async () => {
    const out = join(home, "awq");
    const r = await runCli(["awq", tinyFixtureDir(), "-o", out, "--experts", "awq", "--samples", "2", "--seqlen", "64", "--engine", "llama", "--backend", "plain", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/awq statistics: .* layer\(s\) per llama\.cpp pass/);
    const summary = JSON.parse(r.stdout);
    expect(summary.layers).toHaveLength(8);
    expect(summary.layers.map((l: { layer: number }) => l.layer)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(summary.layers[0].scales.map((s: { group: string }) => s.group)).toEqual(["qkv", "o", "mlp"]);
    const gguf = readdirSync(out).find((f) => f.endsWith(".gguf"))!;
    expect(gguf).toMatch(/awq-g32-experts-awq\.gguf$/);
    expect(leftovers(out)).toEqual([]);
    const ctx = openLlamaEvalContext({ ggufPath: join(out, gguf), nCtx: 64, nUbatch: 16, threads: 1, observer: { wants: () => false, observe: () => true } });
    try {
      ctx.decode(Int32Array.from({ length: 16 }, (_, i) => i * 13));
    } finally {
      ctx.close();
    }
  });

  it("a --gguf that is not a GGUF, or one llama.cpp refuses: one line naming the file, exit 1", async () => {
    const text = join(home, "notes.gguf");
    await writeFile(text, "not a model\n");
    const truncated = join(home, "truncated.gguf");
    const full = join(home, "full.gguf");
    await convertCheckpoint({ dir: tinyFixtureDir(), outPath: full, outtype: "bf16" });
    await writeFile(truncated, (await readFile(full)).subarray(0, 200_000));
    for (const bad of [text, truncated]) {
      for (const args of [
        ["prune", tinyFixtureDir(), "--experts-keep", "6", "--calib", calib, "--gguf", bad, "-o", join(home, "never")],
        ["awq", tinyFixtureDir(), "-o", join(home, "never-awq"), "--samples", "1", "--seqlen", "16", "--gguf", bad],
      ]) {
        const r = await runCli(args);
        expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(1);
        // the error is one line (the lines before it are the command's progress log)
        const errorLines = r.stderr.split("\n").filter((l) => l.startsWith("oss-prep:"));
        expect(errorLines, r.stderr).toHaveLength(1);
        expect(r.stderr.trimEnd().endsWith(errorLines[0]), r.stderr).toBe(true);
        // refused by oss-prep's own header check (checkGgufMatchesCheckpoint) before llama.cpp sees it
        expect(errorLines[0]).toContain(`oss-prep: ${bad}: `);
      }
    }
    expect(existsSync(join(home, "never"))).toBe(false);
  });

  it("a --gguf of another model (here: block_count 7 for an 8-layer checkpoint) is refused before any work, naming the difference", async () => {
    const full = join(home, "full.gguf");
    if (!existsSync(full)) await convertCheckpoint({ dir: tinyFixtureDir(), outPath: full, outtype: "bf16" });
    const bytes = await readFile(full);
    // the u32 value after the key string and its type id (GGUF: key, u32 type, value)
    const key = Buffer.from("gpt-oss.block_count");
    const at = bytes.indexOf(key) + key.length;
    expect(bytes.readUInt32LE(at)).toBe(4); // GGUF type uint32
    expect(bytes.readUInt32LE(at + 4)).toBe(8);
    bytes.writeUInt32LE(7, at + 4);
    const other = join(home, "other.gguf");
    await writeFile(other, bytes);
    for (const args of [
      ["prune", tinyFixtureDir(), "--experts-keep", "6", "--calib", calib, "--gguf", other, "-o", join(home, "never-other")],
      ["awq", tinyFixtureDir(), "-o", join(home, "never-other-awq"), "--samples", "1", "--seqlen", "16", "--gguf", other],
    ]) {
      const r = await runCli(args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`${other}: not a conversion of ${tinyFixtureDir()} (gpt-oss.block_count = 7, checkpoint 8)`);
      expect(r.stderr).not.toMatch(/tokens\/s/); // no calibration ran
    }
    expect(existsSync(join(home, "never-other"))).toBe(false);
  });
});
