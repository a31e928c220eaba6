/**
 * Human-readable logging goes to stderr so that `--json` output on stdout stays machine-readable.
 * Timestamps are added when stderr is not a TTY (CI logs), where they help reading timings.
 */
let verbose = false;
let quiet = false;
/** While a live task list owns the terminal, warnings go to it instead of stderr (see setWarningSink). */
let warningSink: ((line: string) => void) | undefined;

/**
 * Route warnings (a Hub retry, a fallback) into a live display while it draws the terminal, so they are
 * seen when they happen rather than when the step ends; undefined restores stderr.
 */
export function setWarningSink(sink: ((line: string) => void) | undefined): void {
  warningSink = sink;
}

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
  if (warningSink) warningSink(`warning: ${message}`);
  else process.stderr.write(`${stamp()}warning: ${message}\n`);
}

export function logDebug(message: string): void {
  if (verbose) process.stderr.write(`${stamp()}${message}\n`);
}
