/**
 * Typed errors. Every error the user can cause names the file (and where useful the key)
 * and says what is wrong in one line; the CLI prints `message` and maps `exitCode`.
 */
export class OssPrepError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A file (or directory) the user gave us is malformed, missing or inconsistent. */
export class InvalidInputError extends OssPrepError {
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly key?: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${key !== undefined ? `: ${key}` : ""}: ${problem}`, options);
  }
}

/** The command line is wrong (unknown option value, missing argument). Exit code 2. */
export class UsageError extends OssPrepError {
  override readonly exitCode = 2;
}

/** The operation is valid but cannot be carried out here (no GPU, not enough disk, offline). */
export class EnvironmentError extends OssPrepError {}
