#!/usr/bin/env node
/**
 * oss-prep command line. Commands are declared here cheaply; each action imports its heavy
 * modules (llama.cpp, koffi, the Hub client) only when it runs, so `--help` stays fast.
 */
import "./threadpool.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { setLogOptions } from "../util/log.js";
import { packageRoot } from "../util/paths.js";
import { reportError } from "./common.js";
import { buildCommand } from "./build.js";
import { convertCommand } from "./convert.js";
import { inspectCommand } from "./inspect.js";
import { listCommand } from "./list.js";
import { synthCommand } from "./synth.js";
import { quantizeCommand } from "./quantize.js";
import { downloadCommand } from "./download.js";
import { evalCommand } from "./eval.js";
import { publishCommand } from "./publish.js";
import { pruneCommand } from "./prune.js";
import { vramCommand } from "./vram.js";
import { planCommand } from "./plan.js";
import { fitCommand } from "./fit.js";
import { awqCommand } from "./awq.js";

export function createProgram(): Command {
  const root = packageRoot();
  const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
  const program = new Command("oss-prep")
    .description("Prepare openai/gpt-oss-20b for deployment: download, convert to GGUF, quantize, evaluate, measure VRAM, publish")
    .version(version)
    .option("--verbose", "show stack traces and debug logs")
    .option("--quiet", "only warnings and errors on stderr")
    .hook("preAction", (cmd) => {
      const opts = cmd.optsWithGlobals() as { verbose?: boolean; quiet?: boolean };
      setLogOptions({ verbose: opts.verbose, quiet: opts.quiet });
    });
  for (const command of [buildCommand(), convertCommand(), quantizeCommand(), inspectCommand(), listCommand(), synthCommand(), downloadCommand(), publishCommand(), evalCommand(), vramCommand(), planCommand(), fitCommand(), pruneCommand(), awqCommand()]) program.addCommand(command);
  program.exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const sub of program.commands) sub.exitOverride();
  // help names docs/<page>.md: say where they are, in the installed package too (package.json ships docs)
  for (const command of [program, ...program.commands]) command.addHelpText("after", `\nDocumentation: ${join(root, "docs")} (README.md beside it)`);
  return program;
}

async function main(): Promise<void> {
  const program = createProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit 0; every other parse problem is a usage error
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    process.exitCode = reportError(error);
  }
}

await main();
