/**
 * Shared CLI plumbing: work dir resolution, JSON output on stdout, one-line errors on stderr with
 * the exit codes the README documents (0 ok, 1 failure, 2 usage error).
 */
import { InvalidArgumentError } from "commander";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { OssPrepError } from "../errors.js";
import { isVerbose } from "../util/log.js";

export function resolveWorkDir(option: string | undefined): string {
  if (option) return resolve(option);
  if (process.env.OSS_PREP_HOME) return resolve(process.env.OSS_PREP_HOME);
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(cacheHome, "oss-prep");
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? Number(v) : v), 2)}\n`);
}

export function reportError(error: unknown): number {
  if (error instanceof OssPrepError) {
    process.stderr.write(`oss-prep: ${error.message}\n`);
    if (isVerbose() && error.stack) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const err = error as Error;
  if (err?.name === "AbortError") {
    process.stderr.write("oss-prep: interrupted\n");
    return 130;
  }
  process.stderr.write(`oss-prep: ${err?.message ?? String(error)}\n`);
  if (isVerbose() && err?.stack) process.stderr.write(`${err.stack}\n`);
  return 1;
}

/** Wrap a command action: run it, map errors to a one-line message and an exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (error) {
      process.exitCode = reportError(error);
    }
  };
}

export function parsePositiveInt(_name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
    return n;
  };
}

export function parseNonNegativeInt(_name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** An AbortSignal fired by the first SIGINT/SIGTERM; a second one exits at once. */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: string) => {
    count++;
    if (count > 1) process.exit(130);
    process.stderr.write(`\noss-prep: ${name} received, stopping (partial outputs are discarded)…\n`);
    controller.abort(new DOMException("interrupted", "AbortError"));
  };
  process.once("SIGINT", () => onSignal("SIGINT"));
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  return controller.signal;
}
