/**
 * Human-readable logging goes to stderr so that `--json` output on stdout stays machine-readable.
 * Timestamps are added when stderr is not a TTY (CI logs), where they help reading timings.
 */
let verbose = false;
let quiet = false;

export function setLogOptions(options: { verbose?: boolean; quiet?: boolean }): void {
  verbose = options.verbose ?? verbose;
  quiet = options.quiet ?? quiet;
}

export function isVerbose(): boolean {
  return verbose;
}

function stamp(): string {
  return process.stderr.isTTY ? "" : `[${new Date().toISOString()}] `;
}

export function logInfo(message: string): void {
  if (!quiet) process.stderr.write(`${stamp()}${message}\n`);
}

export function logWarn(message: string): void {
  process.stderr.write(`${stamp()}warning: ${message}\n`);
}

export function logDebug(message: string): void {
  if (verbose) process.stderr.write(`${stamp()}${message}\n`);
}
