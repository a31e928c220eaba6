/**
 * Worker-thread entry of createAttentionSearchPool: one layer's attention AWQ search (searchAttentionAwq)
 * per message, on the statistics the main thread gathered, with the checkpoint's weights opened here
 * (once per worker) and an onnxruntime-node backend of its own.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createOrtMatmulBackend } from "../calib/createOrtMatmulBackend.js";
import { openGptOssWeights } from "../calib/openGptOssWeights.js";
import type { InvalidInputError } from "../errors.js";
import type { AttentionSearchJob, AttentionSearchWorkerData } from "./createAttentionSearchPool.js";
import { searchAttentionAwq } from "./searchAttentionAwq.js";

const data = workerData as AttentionSearchWorkerData;
const port = parentPort!;
const weights = await openGptOssWeights({ dir: data.dir });
const backend = await createOrtMatmulBackend({ intraOpNumThreads: data.threads });

// the pool terminates the worker when done: files and sessions go with the thread
port.on("message", (job: AttentionSearchJob) => {
  void (async () => {
    try {
      const t0 = performance.now();
      const attention = await searchAttentionAwq({
        weights: await weights.layer(job.layer),
        config: weights.config,
        groupSize: data.groupSize,
        method: "awq",
        clip: data.clip,
        objective: data.objective,
        gramRank: data.gramRank,
        attnStats: job.attnStats,
        oStats: job.oStats,
        backend,
        where: data.dir,
      });
      port.postMessage({ layer: job.layer, attention, seconds: (performance.now() - t0) / 1000 });
    } catch (error) {
      const e = error as Partial<InvalidInputError> & Error;
      port.postMessage({ layer: job.layer, error: { name: e?.name, message: e?.message ?? String(error), file: e?.file, problem: e?.problem, key: e?.key } });
    }
  })();
});
port.postMessage("ready");
