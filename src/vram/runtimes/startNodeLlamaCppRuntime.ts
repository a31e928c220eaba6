import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EnvironmentError } from "../../errors.js";
import { packageRoot } from "../../util/paths.js";
import { createRuntimeLog } from "./createRuntimeLog.js";
import type { KvCacheTypeName } from "../kvCacheTypes.js";
import type { CompletionRequest, CompletionResult, VramRuntime } from "./types.js";


/** The compiled worker: beside this module when running from dist/, else dist/'s copy (vitest runs src/). */
function workerPath(): string {
  const here = fileURLToPath(new URL("./nodeLlamaCppWorker.js", import.meta.url));
  if (existsSync(here)) return here;
  return join(packageRoot(), "dist", "src", "vram", "runtimes", "nodeLlamaCppWorker.js");
}

/**
 * node-llama-cpp (CUDA by default) in a child process: the runtime users of the prebuilt binaries get.
 * Each of `parallel` sequences gets `ctx` tokens of KV cache (node-llama-cpp's contextSize is per
 * sequence, and its KV cache is not unified); the GPUs used are those of CUDA_VISIBLE_DEVICES in `env`.
 */
export async function startNodeLlamaCppRuntime(params: {
  modelPath: string;
  ctx: number;
  parallel: number;
  threads: number;
  /** "cuda" (the default for a VRAM measurement); false runs on the CPU (tests). */
  gpu?: "cuda" | "auto" | false;
  /** KV cache types (node-llama-cpp's experimental KV types); default F16. */
  cacheTypeK?: KvCacheTypeName;
  cacheTypeV?: KvCacheTypeName;
  /** false: read the GGUF into memory instead of mapping it (useMmap). */
  mmap?: boolean;
  env?: NodeJS.ProcessEnv;
  onLog?: (line: string) => void;
}): Promise<VramRuntime> {
  const log = createRuntimeLog({ onLog: params.onLog });
  const { tail, buffers } = log;
  let nextId = 1;
  // biome-ignore lint/suspicious/noExplicitAny: each reply shape belongs to its request op; callers cast
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let exited = false;
  const child: ChildProcess = fork(workerPath(), [], { env: params.env ?? process.env, stdio: ["ignore", "inherit", "pipe", "ipc"] });
  const onLine = log.add;
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => chunk.split("\n").filter((l) => l.trim()).forEach(onLine));
  child.on("message", (message: { id?: number; result?: unknown; error?: string; log?: string }) => {
    if (message.log !== undefined) return onLine(message.log);
    const waiter = message.id !== undefined ? pending.get(message.id) : undefined;
    if (!waiter) return;
    pending.delete(message.id!);
    if (message.error !== undefined) waiter.reject(new EnvironmentError(`node-llama-cpp: ${message.error}`));
    else waiter.resolve(message.result);
  });
  const exitPromise = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exited = true;
      for (const w of pending.values()) w.reject(new EnvironmentError(`node-llama-cpp worker exited (${code ?? signal})\n${tail.slice(-15).join("\n")}`));
      pending.clear();
      resolve();
    }),
  );
  const call = <T>(op: string, args: Record<string, unknown> = {}): Promise<T> => {
    if (exited) return Promise.reject(new EnvironmentError("node-llama-cpp worker is not running"));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ id, op, ...args });
    });
  };

  let init: { gpu: string | false; version: string };
  try {
    init = await call("init", { gpu: params.gpu ?? "cuda" });
  } catch (error) {
    child.kill("SIGKILL");
    await exitPromise;
    throw error;
  }
  const runtime: VramRuntime = {
    kind: "node-llama-cpp",
    name: "node-llama-cpp",
    version: init.version,
    pausesAfterLoad: true,
    async loadModel() {
      const startedAt = Date.now();
      await call("loadModel", { modelPath: params.modelPath, ...(params.mmap === false ? { useMmap: false } : {}) });
      return { startedAt, endedAt: Date.now() };
    },
    async createContext() {
      const startedAt = Date.now();
      await call("createContext", {
        ctx: params.ctx,
        parallel: params.parallel,
        threads: params.threads,
        flashAttention: true,
        // node-llama-cpp names ggml types by their enum keys (Q8_0, F16)
        ...(params.cacheTypeK && params.cacheTypeK !== "f16" ? { kvCacheKeyType: params.cacheTypeK.toUpperCase() } : {}),
        ...(params.cacheTypeV && params.cacheTypeV !== "f16" ? { kvCacheValueType: params.cacheTypeV.toUpperCase() } : {}),
      });
      return { startedAt, endedAt: Date.now() };
    },
    tokenize: (text) => call<number[]>("tokenize", { text }),
    complete: (request: CompletionRequest) => call<CompletionResult>("complete", { ...request }),
    bufferLines: () => [...buffers],
    logTail: () => [...tail],
    async stop() {
      if (exited) return;
      try {
        await Promise.race([call("dispose"), new Promise((r) => setTimeout(r, 20_000))]);
      } catch {
        // the worker is going away anyway
      }
      child.disconnect?.();
      const killTimer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exitPromise;
      clearTimeout(killTimer);
    },
  };
  return runtime;
}
