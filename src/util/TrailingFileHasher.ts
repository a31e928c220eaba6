/**
 * sha256 of a file that is being written, computed on a worker thread that follows the writers: the
 * writers report each byte range once it is on the file (any order, from several concurrent
 * writers), and the worker reads and hashes the file up to the end of the contiguous written prefix.
 *
 * Why a trailing reader instead of hashing the buffers as they are written: the hash must see the
 * bytes in file order, but writers that fill different regions concurrently (the quantizer's
 * kernel-bound and copy-bound tensors) finish them out of order; re-reading recent bytes from the page
 * cache costs a memory copy, where holding them until the prefix reaches them would cost memory.
 * And on the worker the ~5 s of sha256 per 10 GB runs beside the main thread instead of on it.
 */
import { Worker } from "node:worker_threads";

// CommonJS source run by the worker (`eval`: no separate file to locate from src/ under vitest and
// from dist/ at run time). It reads with readSync into one reused buffer, so its memory is 8 MiB.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { openSync, readSync, closeSync } = require("node:fs");
const { createHash } = require("node:crypto");
const fd = openSync(workerData.path, "r");
const hash = createHash("sha256");
const buffer = Buffer.allocUnsafe(8 << 20);
let hashed = 0;
let frontier = 0;
let total = -1;
parentPort.on("message", (message) => {
  if (message.frontier > frontier) frontier = message.frontier;
  if (message.total !== undefined) total = message.total;
  while (hashed < frontier) {
    const want = Math.min(buffer.length, frontier - hashed);
    const got = readSync(fd, buffer, 0, want, hashed);
    if (got <= 0) throw new Error(workerData.path + ": ended at byte " + hashed + " while hashing up to " + frontier);
    hash.update(got === buffer.length ? buffer : buffer.subarray(0, got));
    hashed += got;
  }
  if (hashed === total) {
    closeSync(fd);
    parentPort.postMessage({ digest: hash.digest("hex") });
    parentPort.close();
  }
});
`;

/** Post the frontier to the worker after it has advanced this far (fewer messages, same result). */
const POST_EVERY_BYTES = 32 << 20;

export class TrailingFileHasher {
  private readonly worker: Worker;
  /** Written ranges not yet joined to the prefix, start → end. */
  private readonly pending = new Map<number, number>();
  private frontier = 0;
  private posted = 0;
  private readonly result: Promise<string>;

  /** `path` must exist (opened for reading by the worker right away). */
  constructor(params: { path: string }) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: params.path } });
    this.result = new Promise<string>((resolve, reject) => {
      this.worker.once("message", (message: { digest: string }) => resolve(message.digest));
      this.worker.once("error", reject);
      this.worker.once("exit", (code) => reject(new Error(`sha256 worker for ${params.path} exited (code ${code}) before the digest`)));
    });
    // surfaced by digest(); a writer that fails first never asks for it
    this.result.catch(() => undefined);
  }

  /** Bytes [start, end) are on the file. Ranges must not overlap; together they must tile the file. */
  written(start: number, end: number): void {
    if (end <= start) return;
    if (start !== this.frontier) {
      this.pending.set(start, end);
      return;
    }
    this.frontier = end;
    for (let next = this.pending.get(this.frontier); next !== undefined; next = this.pending.get(this.frontier)) {
      this.pending.delete(this.frontier);
      this.frontier = next;
    }
    if (this.frontier - this.posted >= POST_EVERY_BYTES) this.post();
  }

  /** Bytes hashed or ready to be: the contiguous written prefix. */
  get prefix(): number {
    return this.frontier;
  }

  /** The sha256 (hex) once all `totalBytes` are written; rejects if they are not. */
  async digest(totalBytes: number): Promise<string> {
    if (this.frontier !== totalBytes || this.pending.size > 0) {
      await this.close();
      throw new Error(`TrailingFileHasher: ${this.frontier} contiguous bytes written of ${totalBytes} (${this.pending.size} ranges after a gap)`);
    }
    this.worker.postMessage({ frontier: this.frontier, total: totalBytes });
    return await this.result;
  }

  /** Stop the worker (after a failed write). */
  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private post(): void {
    this.posted = this.frontier;
    this.worker.postMessage({ frontier: this.frontier });
  }
}
