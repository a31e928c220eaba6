import { randomBytes } from "node:crypto";
import { lstat, open, rename, rm, type FileHandle } from "node:fs/promises";
import { InvalidInputError } from "../errors.js";
import { basename, dirname, join } from "node:path";
import { syncDirectory } from "./syncDirectory.js";

/** A sibling temporary path for `path`: same directory (so rename is atomic), unique per process and call. */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
}

/**
 * Write a file atomically: write a temporary sibling, fsync, rename over the target.
 * A reader (or a resumed build) sees either the old file or the complete new one, never a partial one.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = temporaryPathFor(path);
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await refuseSpecialTarget(path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  await rename(tmp, path);
}

/**
 * The last check before a rename replaces `path`: only a regular file (or a link) may be replaced.
 * Commands check their outputs before any work (checkOutputPath); this catches a target that became a
 * device, FIFO or folder meanwhile, and any writer that did not check.
 */
async function refuseSpecialTarget(path: string): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing && !existing.isFile() && !existing.isSymbolicLink()) {
    throw new InvalidInputError(path, "exists and is not a regular file (a folder, device, FIFO or socket): not replaced");
  }
}

/** A file being written under a temporary name beside its target (openAtomicFile). */
export interface AtomicFile {
  readonly handle: FileHandle;
  readonly tempPath: string;
  /** fsync, close, rename onto the target, fsync the directory: the target appears complete or not at all. */
  commit(): Promise<void>;
  /** Close and delete the temporary file (after a failure); safe after a failed commit. */
  abort(): Promise<void>;
}

/**
 * Open `<path>.tmp-<pid>` for a streaming writer that fills it piece by piece (writeFileAtomic is the
 * whole-buffer form). The writer calls commit() when every byte is written, abort() on failure.
 */
export async function openAtomicFile(path: string): Promise<AtomicFile> {
  const tempPath = `${path}.tmp-${process.pid}`;
  const handle = await open(tempPath, "w");
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    handle,
    tempPath,
    async commit() {
      await handle.sync();
      await close();
      await refuseSpecialTarget(path);
      await rename(tempPath, path);
      await syncDirectory(dirname(path));
    },
    async abort() {
      await close().catch(() => undefined);
      await rm(tempPath, { force: true });
    },
  };
}
