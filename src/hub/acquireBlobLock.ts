/**
 * One process at a time per blob: two builds started together (say gguf-q5 and gguf-q4) both run
 * the source stage, and two writers appending to the same `.incomplete` file would interleave their
 * bytes. The lock is a file created exclusively under the cache's `.locks/` folder (where
 * huggingface_hub keeps its own lock files, which it locks with flock — Node has no flock, so this
 * coordinates oss-prep processes, not Python ones). It holds the owner's pid; a lock whose process is
 * gone (a SIGKILLed build) is taken over.
 */
import { mkdir, open, readFile, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** Resolves with a release function once the lock is held; `onWait` is told who holds it. */
export async function acquireBlobLock(params: {
  lockPath: string;
  signal?: AbortSignal;
  onWait?: (holder: string) => void;
  pollMs?: number;
}): Promise<() => Promise<void>> {
  await mkdir(dirname(params.lockPath), { recursive: true });
  const me = `${process.pid}@${hostname()}`;
  let told = false;
  for (;;) {
    params.signal?.throwIfAborted();
    try {
      const handle = await open(params.lockPath, "wx");
      await handle.writeFile(me);
      await handle.close();
      return () => rm(params.lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = (await readFile(params.lockPath, "utf8").catch(() => "")).trim();
    const [pid, host] = holder.split("@");
    // A lock from this host whose process is gone (or an unreadable, empty one) is stale.
    if (!holder || (host === hostname() && !isAlive(Number(pid)))) {
      await rm(params.lockPath, { force: true });
      continue;
    }
    if (!told) {
      params.onWait?.(holder);
      told = true;
    }
    await sleep(params.pollMs ?? 500, params.signal);
  }
}
