/**
 * The attention searches of many layers at once, in worker threads. Once the llama engine has gathered
 * a window's statistics, each layer's search is independent of the others, and its cost is mostly
 * single-threaded JavaScript (the candidates' fake quantization and the clipping search; the products
 * go to onnxruntime): one layer per worker uses every core — 2× on this 2-core machine, up to the
 * window's layer count on a 16-core GPU host, where the search was most of an AWQ run.
 *
 * The workers run the compiled module (dist/); from TypeScript sources (the tests) there is none, and
 * createAttentionSearchPool returns undefined: the caller searches in its own thread.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { EnvironmentError, InvalidInputError } from "../errors.js";
import type { LinearInputStatistics } from "./linearInputStatistics.js";
import type { AttentionAwqObjective, AttentionAwqResult } from "./searchAttentionAwq.js";

export interface AttentionSearchWorkerData {
  dir: string;
  groupSize: number;
  clip: boolean;
  objective?: AttentionAwqObjective;
  gramRank?: number;
  /** onnxruntime threads per worker. */
  threads: number;
}

export interface AttentionSearchJob {
  layer: number;
  attnStats: LinearInputStatistics;
  oStats: LinearInputStatistics;
}

type WorkerReply =
  | "ready"
  | { layer: number; attention: AttentionAwqResult; seconds: number }
  | { layer: number; error: { name?: string; message: string; file?: string; problem?: string; key?: string } };

export interface AttentionSearchPool {
  workers: number;
  /** Resolves with the layer's result and the worker's seconds on it; jobs beyond the worker count wait for a free worker. */
  search(job: AttentionSearchJob): Promise<{ attention: AttentionAwqResult; seconds: number }>;
  close(): Promise<void>;
}

export function createAttentionSearchPool(params: AttentionSearchWorkerData & { workers: number }): AttentionSearchPool | undefined {
  const entry = new URL("./attentionSearchWorker.js", import.meta.url);
  if (params.workers < 2 || !existsSync(fileURLToPath(entry))) return undefined;
  const { workers: count, ...data } = params;
  const idle: Worker[] = [];
  const waiting: Array<() => void> = [];
  const all: Worker[] = [];
  let failure: Error | undefined;
  const ready: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const worker = new Worker(entry, { workerData: data });
    all.push(worker);
    ready.push(
      new Promise<void>((resolve, reject) => {
        worker.once("message", (m: WorkerReply) => (m === "ready" ? resolve() : reject(new Error("attention search worker: unexpected first message"))));
        worker.once("error", reject);
      }).then(() => {
        idle.push(worker);
      }),
    );
  }
  const started = Promise.all(ready).catch((error: Error) => {
    failure = new EnvironmentError(`the attention search workers did not start: ${error.message}`, { cause: error });
  });

  async function acquire(): Promise<Worker> {
    await started;
    while (idle.length === 0 && !failure) await new Promise<void>((resolve) => waiting.push(resolve));
    if (failure) throw failure;
    return idle.pop()!;
  }
  function release(worker: Worker): void {
    idle.push(worker);
    waiting.shift()?.();
  }

  return {
    workers: count,
    async search(job) {
      const worker = await acquire();
      try {
        return await new Promise<{ attention: AttentionAwqResult; seconds: number }>((resolve, reject) => {
          const onError = (error: Error) => {
            // a worker that died takes no more jobs: every later search fails with this
            failure = new EnvironmentError(`attention search worker (layer ${job.layer}) failed: ${error.message}`, { cause: error });
            reject(failure);
          };
          worker.once("error", onError);
          worker.once("message", (reply: WorkerReply) => {
            worker.off("error", onError);
            if (reply === "ready" || reply.layer !== job.layer) return reject(new Error(`attention search worker: reply for another job (layer ${job.layer})`));
            if ("error" in reply) {
              const e = reply.error;
              return reject(e.name === "InvalidInputError" && e.file !== undefined && e.problem !== undefined ? new InvalidInputError(e.file, e.problem, e.key) : new EnvironmentError(e.message));
            }
            resolve({ attention: reply.attention, seconds: reply.seconds });
          });
          // the Grams go to the worker (transferred, not copied): the main thread needs them no more
          const transfer = [job.attnStats, job.oStats].flatMap((s) => [s.gram?.buffer, s.rows?.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer));
          worker.postMessage(job, transfer);
        });
      } finally {
        release(worker);
      }
    },
    async close() {
      await Promise.all(all.map((w) => w.terminate()));
    },
  };
}
