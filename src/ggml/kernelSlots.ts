/**
 * At most one native kernel call per core at a time, across every caller in the process. The calls
 * run on libuv's threadpool, which also runs file reads and writes (sized cores + 2 by the CLI): when
 * several streams of chunks are quantized at once, unbounded kernel calls would fill every pool
 * thread and the copy lane's reads and writes would wait behind them.
 */
import { availableParallelism } from "node:os";

let slots = Math.max(1, availableParallelism());
const waiting: Array<() => void> = [];

export async function withKernelSlot<T>(call: () => Promise<T>): Promise<T> {
  if (slots > 0) slots--;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return await call();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else slots++;
  }
}
