/**
 * Every stage-backed command builds its options from the stage's params schema: each flag is in
 * --help, and the command line and a pipeline file accept and reject the same values, into equal
 * params objects. In process: the commands' actions are replaced, nothing runs.
 */
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { paramNames } from "../pipeline/paramNames.js";
import type { OptionMap, ParamSchema } from "../pipeline/paramSchema.js";
import { parseYamlParams } from "../pipeline/parseYamlParams.js";
import { awqParams } from "../stages/awq/params.js";
import { convertParams } from "../stages/convert/params.js";
import { evalParams } from "../stages/eval/params.js";
import { publishParams } from "../stages/publish/params.js";
import { pruneParams } from "../stages/prune/params.js";
import { quantizeParams } from "../stages/quantize/params.js";
import { vramParams } from "../stages/vram/params.js";
import { awqCliOptions, awqCommand } from "./awq.js";
import { buildCliOptions, buildCommand } from "./build.js";
import { convertCliOptions, convertCommand } from "./convert.js";
import { downloadCliOptions, downloadCommand } from "./download.js";
import { evalCliOptions, evalCommand } from "./eval.js";
import { publishCliOptions, publishCommand } from "./publish.js";
import { pruneCliOptions, pruneCommand } from "./prune.js";
import { quantizeCliOptions, quantizeCommand } from "./quantize.js";
import { readSchemaOptions } from "./readSchemaOptions.js";
import { vramCliOptions, vramCommand } from "./vram.js";

type AnySchema = ParamSchema<OptionMap, unknown, unknown>;

interface CommandCase {
  command: () => Command;
  schemas: AnySchema[];
  /** The stage schema the command shares, and what the command needs besides the params under test. */
  stage?: AnySchema;
  base?: string[];
}

const COMMANDS: Record<string, CommandCase> = {
  convert: { command: convertCommand, schemas: [convertParams, convertCliOptions], stage: convertParams, base: ["ckpt", "-o", "x.gguf"] },
  quantize: { command: quantizeCommand, schemas: [quantizeParams, quantizeCliOptions], stage: quantizeParams, base: ["ckpt", "-o", "x.gguf"] },
  eval: { command: evalCommand, schemas: [evalParams, evalCliOptions], stage: evalParams, base: ["m.gguf"] },
  vram: { command: vramCommand, schemas: [vramParams, vramCliOptions], stage: vramParams, base: ["m.gguf"] },
  prune: { command: pruneCommand, schemas: [pruneParams, pruneCliOptions], stage: pruneParams, base: ["ckpt", "--dry-run"] },
  awq: { command: awqCommand, schemas: [awqParams, awqCliOptions], stage: awqParams, base: ["ckpt", "-o", "out"] },
  publish: { command: publishCommand, schemas: [publishParams, publishCliOptions], stage: publishParams, base: ["build"] },
  download: { command: downloadCommand, schemas: [downloadCliOptions] },
  build: { command: buildCommand, schemas: [buildCliOptions] },
};

/** Parse a command line with the command's options, returning the stage's params (the action is replaced). */
async function cliParams(name: string, args: string[]): Promise<unknown> {
  const { command, stage, base = [] } = COMMANDS[name];
  const cmd = command()
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  let params: unknown;
  cmd.action((...received: unknown[]) => {
    params = readSchemaOptions({ command: received.at(-1) as Command, schema: stage! });
  });
  await cmd.parseAsync([...base, ...args], { from: "user" });
  return params;
}

const yamlParams = (name: string, raw: Record<string, unknown>) => parseYamlParams({ schema: COMMANDS[name].stage!, raw, file: "p.yaml", key: "stages[1].with" });

describe("stage-backed commands and their schemas", () => {
  it("every schema option with a CLI flag is in the command's --help", () => {
    for (const [name, { command, schemas }] of Object.entries(COMMANDS)) {
      const help = command().helpInformation();
      for (const schema of schemas) {
        for (const [property, option] of Object.entries(schema.options)) {
          if (option.only === "yaml") continue;
          const { flag } = paramNames(property, option);
          const shown = option.kind === "boolean" && option.negate ? flag.replace(/^--/, "--no-") : flag;
          expect(help, `${name} ${shown}`).toMatch(new RegExp(`(^|[ ,])${shown.replace(/[-]/g, "\\-")}( |$)`, "m"));
          if (option.short) expect(help, `${name} ${option.short}`).toContain(`${option.short}, ${shown}`);
        }
      }
    }
  });

  // [command, CLI args, the same value in a pipeline file]
  const rejected: Array<[string, string[], Record<string, unknown>]> = [
    ["eval", ["--parallel", "65"], { parallel: 65 }],
    ["eval", ["--context-size", "8"], { context_size: 8 }],
    ["eval", ["--shots", "6"], { shots: 6 }],
    ["eval", ["--rows", "i%5==7"], { rows: "i%5==7" }],
    ["eval", ["--rows", "odd"], { rows: "odd" }],
    ["eval", ["--sample", "last"], { sample: "last" }],
    ["convert", ["--outtype", "q4"], { outtype: "q4" }],
    ["quantize", ["--type", "Q7"], { type: "Q7" }],
    ["quantize", ["--type", "Q8_0", "--experts", "drop"], { type: "Q8_0", experts: "drop" }],
    ["awq", ["--group", "48"], { group: 48 }],
    ["awq", ["--samples", "0"], { calib_samples: 0 }],
    ["awq", ["--calib-seqlen", "8"], { calib_seqlen: 8 }],
    ["prune", ["--backend", "gpu"], { backend: "gpu" }],
    ["prune", ["--heads-keep", "half"], { heads_keep: "half" }],
    ["prune", ["--heads-keep", "12", "--kv-groups-keep", "1"], { heads_keep: 12, kv_groups_keep: 1 }],
    ["prune", ["--target-params", "big"], { target_params: "big" }],
    ["prune", ["--score", "best"], { score: "best" }],
    ["vram", ["--gpus", "0,0"], { gpus: "0,0" }],
    ["vram", ["--ctx", "0"], { ctx: 0 }],
    ["vram", ["--server", "llama-server --port {port}"], { server: "llama-server --port {port}" }],
    ["publish", ["--repo", "not-a-repo"], { repo: "not-a-repo" }],
  ];
  it.each(rejected)("%s %j is rejected on both sides", async (name, args, raw) => {
    // the error names the (last) option, not some other missing piece
    const flag = args.filter((a) => a.startsWith("--")).at(-1)!;
    await expect(cliParams(name, args)).rejects.toThrow(flag);
    expect(() => yamlParams(name, raw)).toThrow(`stages[1].with.${Object.keys(raw).at(-1)}: `);
  });

  const accepted: Array<[string, string[], Record<string, unknown>]> = [
    ["eval", [], {}],
    ["eval", ["--parallel", "64", "--context-size", "16", "--shots", "5", "--rows", "i%5!=0", "--subjects", "arts", "nutrition", "--gpu"], { parallel: 64, context_size: 16, shots: 5, rows: "i%5!=0", subjects: ["arts", "nutrition"], gpu: true }],
    ["convert", ["--outtype", "f16", "--dequantize-experts"], { outtype: "f16", dequantize_experts: true }],
    ["quantize", ["--type", "q5_k_m", "--experts", "requant"], { type: "Q5_K_M", experts: "requant" }],
    ["awq", ["--group", "64", "--method", "rtn", "--no-clip"], { group: 64, method: "rtn", clip: false }],
    ["prune", ["--experts-keep", "6", "--heads-keep", "75%", "--score", "reap-sum", "--no-bias-compensation"], { experts_keep: 6, heads_keep: "75%", score: "reap_sum", bias_compensation: false }],
    ["prune", ["--target-params", "15B", "--seed", "3"], { target_params: "15B", seed: 3 }],
    ["vram", ["--gpus", "0,1", "--ctx", "2048"], { gpus: "0,1", ctx: 2048 }],
    ["vram", [], {}],
    ["publish", ["--repo", "org/name", "--dry-run"], { repo: "org/name", dry_run: true }],
  ];
  it.each(accepted)("%s %j parses into the same params as the pipeline file", async (name, args, raw) => {
    expect(await cliParams(name, args)).toStrictEqual(yamlParams(name, raw));
  });

  it("every command that writes takes -o, --out (issue 17, item 7); --output stays a hidden alias", async () => {
    const { runCli } = await import("../../test/cli.js");
    for (const command of ["convert", "quantize", "awq", "prune", "build", "eval", "synth", "vram"]) {
      const help = await runCli([command, "--help"]);
      expect(help.stdout, command).toMatch(/-o, --out <(file|dir)>/);
      expect(help.stdout, command).not.toContain("--output");
    }
    // one name for the context length: --ctx (vram, plan, eval); eval's --context-size stays as a hidden alias
    const evalHelp = await runCli(["eval", "--help"]);
    expect(evalHelp.stdout).toContain("--ctx <n>");
    expect(evalHelp.stdout).not.toContain("--context-size");
  });
});
