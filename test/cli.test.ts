/** The CLI as a user meets it: help, exit codes, JSON on stdout, one-line errors on stderr. */
import { describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { tinyFixtureDir } from "./shared.js";

describe("oss-prep CLI", () => {
  it("--help lists the commands and exits 0", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const command of ["build", "convert", "inspect", "list"]) expect(r.stdout).toContain(command);
  });

  it("--help does not load llama.cpp or koffi", async () => {
    const r = await runCli(["--help"], { env: { NODE_DEBUG: "module" } });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/node-llama-cpp|koffi|@huggingface\/hub/);
  });

  it("usage errors exit 2, failures exit 1 with one line naming the file", async () => {
    expect((await runCli(["build"])).code).toBe(2);
    expect((await runCli(["no-such-command"])).code).toBe(2);
    const unknownVariant = await runCli(["build", "--variant", "nope", "--model", "demo"]);
    expect(unknownVariant.code).toBe(2);
    expect(unknownVariant.stderr).toMatch(/unknown variant "nope"/);
    const missing = await runCli(["inspect", "/nonexistent/model.gguf"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toContain("/nonexistent/model.gguf");
  });

  it("list --json names the models and variants", async () => {
    const r = await runCli(["list", "--json"]);
    const out = JSON.parse(r.stdout);
    expect(out.models.map((m: { name: string }) => m.name)).toEqual(expect.arrayContaining(["demo", "gpt-oss-20b"]));
    expect(out.variants.map((v: { name: string }) => v.name)).toContain("gguf-bf16");
  });

  it("list: every description starts in the same column (issue 17, item 8)", async () => {
    const r = await runCli(["list"]);
    const rows = r.stdout.split("\n").filter((l) => /^ {2}\S/.test(l));
    const columns = new Set(rows.map((l) => /^ {2}\S+ +/.exec(l)![0].length));
    expect(rows.length).toBeGreaterThan(5);
    expect([...columns]).toHaveLength(1);
  });

  it("inspect ../shared/fixtures/tiny-gpt-oss --json: 155 tensors, dtypes, shapes, 21024992 parameters", async () => {
    const r = await runCli(["inspect", tinyFixtureDir(), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.kind).toBe("checkpoint");
    expect(report.tensorCount).toBe(155);
    expect(report.tensors).toHaveLength(155);
    expect(report.parameters).toBe(21_024_992);
    const byName = Object.fromEntries(report.tensors.map((t: { name: string }) => [t.name, t]));
    expect(byName["model.embed_tokens.weight"]).toMatchObject({ type: "BF16", shape: [4096, 288], bytes: 4096 * 288 * 2 });
    expect(byName["model.layers.0.mlp.experts.gate_up_proj_blocks"]).toMatchObject({ type: "U8", shape: [8, 576, 9, 16], parameters: 8 * 576 * 288 });
    expect(byName["model.layers.0.mlp.experts.gate_up_proj_scales"]).toMatchObject({ type: "U8", shape: [8, 576, 9], parameters: 0 });
    expect(byName["model.layers.0.self_attn.sinks"]).toMatchObject({ type: "BF16", shape: [16] });
    const dtypes = new Set(report.tensors.map((t: { type: string }) => t.type));
    expect([...dtypes].sort()).toEqual(["BF16", "U8"]);
    expect(report.hyperparameters).toMatchObject({ nLayers: 8, hidden: 288, nExperts: 8, nExpertsUsed: 2, vocabSize: 4096 });
  });
});

describe("one vocabulary of flags (issue 17, item 7)", () => {
  it("every command's --help spells outputs -o, --out, context --ctx, calibration --calib-*, and hides the old spellings", async () => {
    const commands = ["build", "convert", "quantize", "inspect", "list", "synth", "download", "publish", "eval", "vram", "plan", "fit", "prune", "awq"];
    const helps = new Map<string, string>();
    for (const command of commands) helps.set(command, (await runCli([command, "--help"])).stdout);
    for (const [command, help] of helps) {
      for (const old of ["--output ", "--context-size", "--samples ", "--seqlen ", "--calib-length"]) expect(help, `${command} shows ${old}`).not.toContain(old);
      // an output option is always -o, --out
      if (/--out\b/.test(help)) expect(help, command).toMatch(/-o, --out </);
    }
    for (const command of ["build", "eval", "vram", "prune", "awq", "convert", "quantize", "synth"]) expect(helps.get(command), command).toMatch(/-o, --out </);
    for (const command of ["eval", "vram", "plan", "fit", "build"]) expect(helps.get(command), command).toMatch(/--ctx </);
    for (const command of ["eval", "vram", "plan", "fit", "build"]) expect(helps.get(command), command).toMatch(/--parallel </);
    for (const command of ["prune", "awq"]) {
      for (const flag of ["--calib <", "--calib-seqlen <", "--backend <", "--engine <", "--gguf <"]) expect(helps.get(command), `${command} ${flag}`).toContain(flag);
    }
    // the same defaults everywhere: one sequence, auto backend
    for (const command of ["eval", "vram", "plan", "fit"]) expect(helps.get(command)!.replace(/\s+/g, " "), command).toMatch(/--parallel <n> (?:(?! --).)*default:? 1\b/);
    for (const command of ["prune", "awq"]) expect(helps.get(command)!.replace(/\s+/g, " "), command).toMatch(/--backend <name> (?:(?! --).)*\(choices: "auto", "ort", "plain", default: "auto"\)/);
  });
});

describe("package", () => {
  it("the built CLI entry point is executable (npx oss-prep runs it through the bin link)", async () => {
    const { statSync } = await import("node:fs");
    const { cliPath } = await import("./cli.js");
    expect(statSync(cliPath()).mode & 0o111).not.toBe(0);
  });

  it("every docs/ page a command's --help names ships in the npm package, and help says where (issue 17, item 8)", async () => {
    const { execFileSync } = await import("node:child_process");
    const { packageRoot } = await import("../src/util/paths.js");
    const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: packageRoot(), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })) as Array<{ files: Array<{ path: string }> }>;
    const files = new Set(packed[0].files.map((f) => f.path));
    const commands = ["build", "convert", "quantize", "inspect", "list", "synth", "download", "publish", "eval", "vram", "plan", "prune", "awq"];
    const named = new Set<string>();
    for (const command of ["", ...commands]) {
      const r = await runCli(command ? [command, "--help"] : ["--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Documentation: .*docs/);
      for (const m of r.stdout.replace(/\s+/g, " ").matchAll(/docs\/([\w-]+\.md)/g)) named.add(`docs/${m[1]}`);
    }
    expect(named.size).toBeGreaterThan(0);
    for (const page of named) expect(files, page).toContain(page);
  });
});
