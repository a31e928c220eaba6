/**
 * Size of libuv's threadpool, which runs koffi's `.async` calls (koffi queues them with
 * napi_queue_async_work), and also Node's fs, dns.lookup, crypto and zlib work.
 *
 * libuv reads UV_THREADPOOL_SIZE once, when the pool first starts (default 4, max 1024). Under ESM the
 * module loader's own async file reads may start it before any user code runs, so assigning
 * process.env.UV_THREADPOOL_SIZE inside the program is unreliable: set it in the environment of the
 * process (the CLI's launcher does `UV_THREADPOOL_SIZE=<cores>`), or accept 4 parallel native calls.
 * Note that while every pool thread runs a long quantization call, fs reads queue behind it.
 */
export function threadpoolSize(): number {
  const fromEnv = Number(process.env.UV_THREADPOOL_SIZE);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return Math.min(fromEnv, 1024);
  return 4;
}
