/**
 * Native kernels called through koffi `.async` run on libuv's threadpool, 4 threads by default.
 * Size it to the machine before anything queues work on it (this module is imported first by the
 * CLI entry point; the pool starts lazily on first use). An explicit UV_THREADPOOL_SIZE wins.
 */
import { availableParallelism } from "node:os";

if (!process.env.UV_THREADPOOL_SIZE) {
  // cores for the kernels (kernelSlots caps them at one per core) plus threads for file I/O, which
  // shares the pool: the writers' pwrite calls and the expert read-ahead (tensorChunks)
  process.env.UV_THREADPOOL_SIZE = String(Math.max(4, availableParallelism() + 4));
}
