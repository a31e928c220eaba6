/**
 * One process at a time per blob: two builds started together (say gguf-q5 and gguf-q4) both run
 * the source stage, and two writers appending to the same `.incomplete` file would interleave their
 * bytes. The lock is proper-lockfile's: a directory created atomically (mkdir) under the cache's
 * `.locks/` folder, beside huggingface_hub's own `<etag>.lock` files but under another name (those
 * are flock'ed files; Node has no flock, so this coordinates oss-prep processes, not Python ones).
 * The holder refreshes the directory's mtime every few seconds; a lock not refreshed within the
 * stale window — its process was SIGKILLed, on this host or another sharing the cache — is taken
 * over. What stays here is the waiting: told once, polled, and abortable through the build's signal
 * (proper-lockfile's own retries cannot be cancelled).
 */
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import lockfile from "proper-lockfile";

/** proper-lockfile's default: the holder refreshes every half of it, so only a dead holder misses it. */
export const BLOB_LOCK_STALE_MS = 10_000;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Resolves with a release function once the lock is held; `onWait` is told once that another process holds it. */
export async function acquireBlobLock(params: {
  lockPath: string;
  signal?: AbortSignal;
  onWait?: () => void;
  /**
   * The lock was lost while held (its directory removed, or not refreshed within the stale window
   * because this process stalled): another process may be writing the same blob, so the caller
   * should stop. Without it the loss would throw from a timer and kill the process.
   */
  onCompromised: (error: Error) => void;
  pollMs?: number;
  staleMs?: number;
}): Promise<() => Promise<void>> {
  const { lockPath, signal } = params;
  await mkdir(dirname(lockPath), { recursive: true });
  let told = false;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const release = await lockfile.lock(lockPath, {
        lockfilePath: lockPath,
        realpath: false,
        stale: params.staleMs ?? BLOB_LOCK_STALE_MS,
        retries: 0,
        onCompromised: params.onCompromised,
      });
      // releasing a lock that was compromised meanwhile is not a second error
      return () => release().catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ERELEASED") throw error;
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
    }
    if (!told) {
      params.onWait?.();
      told = true;
    }
    await sleep(params.pollMs ?? 500, signal);
  }
}
