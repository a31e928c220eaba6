/**
 * The calibration engine (src/calib): a forward pass over calibration sequences on the tiny fixture
 * with both matmul backends, and one synthetic layer of gpt-oss-20b's real shapes (random weights,
 * experts generated as random MXFP4 and dequantized like the checkpoint's) to project a full-size
 * calibration run. Each measurement runs in its own process so peak RSS is its own.
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { createOrtMatmulBackend } from "../../src/calib/createOrtMatmulBackend.js";
import { createPlainMatmulBackend } from "../../src/calib/createPlainMatmulBackend.js";
import type { GptOssWeightProvider } from "../../src/calib/gptOssWeights.js";
import { runGptOss, type RunGptOssResult } from "../../src/calib/runGptOss.js";
import { sharedDir } from "../../src/util/paths.js";
import { machineThreads } from "../../src/util/threads.js";
import { REAL_LAYERS, syntheticGptOssWeights } from "../syntheticGptOssWeights.js";
import { runJsonChild } from "../measure.js";
import { fmtDuration, fmtMiB, fmtSeconds, table, writeBenchSection } from "../report.js";

const CHILD_FLAG = "--calib-engine-child";

interface ChildResult {
  wallSeconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  tokens: number;
  seconds: RunGptOssResult["seconds"];
  /** Wall seconds of each layer (synthetic runs). */
  layerSeconds: number[];
  /** Seconds spent producing (dequantizing) experts: a fixed cost per layer, not per token. */
  expertWeightSeconds: number;
}

type Job = { kind: "fixture"; backend: "plain-ts" | "ort-cpu"; sequences: number; length: number } | { kind: "synthetic"; backend: "plain-ts" | "ort-cpu"; sequences: number; length: number };

/** Deterministic calibration-like sequences from the fixture's vocabulary (ids cycle through a fixed pseudo-random walk). */
function fixtureSequences(count: number, length: number, vocab: number): number[][] {
  let state = 12345;
  return Array.from({ length: count }, () => Array.from({ length }, () => (state = (state * 1103515245 + 12345) % 2 ** 31) % vocab));
}

async function runChild(job: Job): Promise<ChildResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const backend = job.backend === "ort-cpu" ? await createOrtMatmulBackend() : createPlainMatmulBackend();
  const layerEnds: number[] = [];
  const started = performance.now();
  const common = { backend, hooks: { onLayer: () => void layerEnds.push(performance.now()) }, logits: "none" as const };
  let expertWeightSeconds = 0;
  const timedExperts = (weights: GptOssWeightProvider): GptOssWeightProvider => ({
    ...weights,
    async expert(layer, expert) {
      const t = performance.now();
      const w = await weights.expert(layer, expert);
      expertWeightSeconds += (performance.now() - t) / 1000;
      return w;
    },
  });
  const result =
    job.kind === "fixture"
      ? await runGptOss({ ...common, dir: join(sharedDir(), "fixtures", "tiny-gpt-oss"), sequences: fixtureSequences(job.sequences, job.length, 4080) })
      : await runGptOss({ ...common, weights: timedExperts(syntheticGptOssWeights()), sequences: fixtureSequences(job.sequences, job.length, 1024) });
  await backend.dispose();
  const cpu = process.cpuUsage(cpu0);
  return {
    wallSeconds: (performance.now() - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    tokens: job.sequences * job.length,
    seconds: result.seconds,
    layerSeconds: layerEnds.map((t, i) => (t - (i === 0 ? started : layerEnds[i - 1])) / 1000),
    expertWeightSeconds,
  };
}

function measure(job: Job): Promise<ChildResult> {
  return runJsonChild<ChildResult>({ moduleUrl: import.meta.url, args: [CHILD_FLAG, JSON.stringify(job)], label: "calib bench" });
}

export async function benchCalibEngine(): Promise<void> {
  const loadBefore = loadavg()[0];
  const fixtureJobs: Job[] = (["plain-ts", "ort-cpu"] as const).map((backend) => ({ kind: "fixture", backend, sequences: 16, length: 256 }));
  const fixtureRows: Array<Array<string | number>> = [];
  for (const job of fixtureJobs) {
    const r = await measure(job);
    fixtureRows.push([job.backend, `${job.sequences} × ${job.length}`, `${fmtSeconds(r.wallSeconds)} s`, `${fmtSeconds(r.cpuSeconds)} s`, `${(r.tokens / r.wallSeconds).toFixed(0)}`,
      `${fmtSeconds(r.seconds.attention)} / ${fmtSeconds(r.seconds.router)} / ${fmtSeconds(r.seconds.experts)} s`, fmtMiB(r.peakRssBytes)]);
  }

  // One sliding + one full layer of real size. Per token and layer: q/k/v/o 2·26.5 M, experts 4 × 2·24.9 M, router 2·92 k
  // FLOPs, plus attention 4·64·64 per (query, key) pair.
  const synthetic: Job[] = [
    { kind: "synthetic", backend: "ort-cpu", sequences: 2, length: 1024 },
    { kind: "synthetic", backend: "plain-ts", sequences: 1, length: 256 },
  ];
  const syntheticRows: Array<Array<string | number>> = [];
  const projections: Array<Array<string | number>> = [];
  const linearFlopsPerToken = 2 * (2880 * 4096 * 2 + 2 * 2880 * 512) + 4 * 2 * (2880 * 5760 + 2880 * 2880) + 2 * 2880 * 32;
  for (const job of synthetic) {
    const r = await measure(job);
    const [sliding, full] = r.layerSeconds;
    // Dequantizing the 32 experts is a fixed cost per layer; the rest scales with tokens.
    const dequantPerLayer = r.expertWeightSeconds / 2;
    const perTokenLayer = (sliding + full - r.expertWeightSeconds) / 2 / r.tokens;
    const attentionPairs = (job.length * Math.min(job.length, 128) + (job.length * (job.length + 1)) / 2) * job.sequences;
    const flops = 2 * linearFlopsPerToken * r.tokens + 4 * 64 * 64 * attentionPairs;
    syntheticRows.push([job.backend, `${job.sequences} × ${job.length}`, `${fmtSeconds(sliding)} s`, `${fmtSeconds(full)} s`, `${fmtSeconds(r.cpuSeconds)} s`,
      `${(flops / (sliding + full - r.expertWeightSeconds) / 1e9).toFixed(1)} GFLOP/s`, `${fmtSeconds(r.seconds.experts)} s (${fmtSeconds(r.expertWeightSeconds)} s dequantizing)`, fmtMiB(r.peakRssBytes)]);
    for (const [count, length] of [[128, 512], [128, 2048]]) {
      const tokens = count * length;
      projections.push([job.backend, `${count} × ${length}`, fmtDuration((perTokenLayer * tokens + dequantPerLayer) * REAL_LAYERS),
        `${((linearFlopsPerToken * tokens * REAL_LAYERS) / 1e15).toFixed(2)} PFLOP`, `${((2 * tokens * 2880 * 4) / 2 ** 30).toFixed(1)} GiB`]);
    }
  }

  const loadAfter = loadavg()[0];
  await writeBenchSection(
    "calib-engine",
    `## Calibration engine (\`src/calib\`, issue 9)

Forward pass of the tiny fixture over calibration sequences (no logits), whole child process, ${machineThreads()} threads for onnxruntime-node.
Load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after the suite: wall times are only comparable between runs at a similar load (CPU times are steadier).

${table(["backend", "sequences × tokens", "wall", "CPU", "tokens/s", "attention / router / experts", "peak RSS"], fixtureRows)}

One sliding and one full layer at gpt-oss-20b's real shapes (hidden 2880, 64/8 heads of 64, 32 experts of
2880 with top-4, window 128), random weights, every routed expert dequantized from random MXFP4 when reached
(dequantization included in the layer times, excluded from the throughput):

${table(["backend", "sequences × tokens", "sliding layer", "full layer", "CPU (process)", "throughput", "experts (both layers)", "peak RSS"], syntheticRows)}

Projected full calibration pass (24 layers × (measured time per token and layer × tokens + dequantizing 32 experts); the FLOPs column
counts the linears only, ≈ ${(linearFlopsPerToken * REAL_LAYERS / 1e9).toFixed(1)} GFLOP per token; attention adds 4·64·64·context per token and head-group row):

${table(["backend", "sequences × tokens", "projected wall", "linear FLOPs", "activations (2 · tokens · hidden · 4 B)"], projections)}

Memory of a real run: the two activation buffers above plus one layer's attention and router weights
(≈ 110 MB f32), one dequantized expert (≈ 100 MB) and the per-expert intermediates (≤ expertChunkTokens ×
5760 floats). The default bf16 expert precision (transformers' semantics) adds elementwise rounding work
in TypeScript; on a GPU host the onnxruntime-node CUDA provider (\`executionProviders: ["cuda", "cpu"]\`,
needs its CUDA binaries installed) takes the matrix products and the figures above scale with its
throughput.`,
  );
}

if (process.argv[2] === CHILD_FLAG) {
  const result = await runChild(JSON.parse(process.argv[3]) as Job);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
