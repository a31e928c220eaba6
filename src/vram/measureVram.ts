import { createWriteStream } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { EnvironmentError, UsageError } from "../errors.js";
import type { KvCacheTypeName } from "./kvCacheTypes.js";
import { llamaPlacementFlags } from "./llamaPlacementFlags.js";
import { listNvidiaGpus } from "./listNvidiaGpus.js";
import { partialUtf8TokenIds } from "../formats/tokenizer/partialUtf8TokenIds.js";
import { summarizeLlamaBuffers } from "./parseLlamaBufferSizes.js";
import { startNodeLlamaCppRuntime } from "./runtimes/startNodeLlamaCppRuntime.js";
import { startServerRuntime } from "./runtimes/startServerRuntime.js";
import type { CompletionResult, VramRuntime } from "./runtimes/types.js";
import { startNvidiaSmiSampler } from "./startNvidiaSmiSampler.js";
import { summarizeVramTrace } from "./summarizeVramTrace.js";
import type { PhaseMark, PhaseWorkloadResult, VramReport } from "./types.js";
import { fallbackTokens, vramWorkloadPhases, workloadPromptTokens, workloadText, type WorkloadPhase } from "./vramWorkload.js";
import { redactLocalPaths } from "../util/redactLocalPaths.js";
import { writeVramReports } from "./writeVramReports.js";

export interface MeasureVramParams {
  modelPath: string;
  /** The reports will be published (a build's vram stage): absolute local paths reduced to their last component. */
  redactPaths?: boolean;
  /** nvidia-smi indices; default every GPU. */
  gpus?: number[];
  /** KV cache size in tokens (llama-server's -c; per sequence for node-llama-cpp). */
  ctx: number;
  parallel: number;
  threads: number;
  /** An OpenAI-compatible server command ({model}, {port}, {ctx}, {parallel}, {threads}); default node-llama-cpp. */
  serverCommand?: string;
  /**
   * llama.cpp's --n-cpu-moe: the experts of the first N layers stay in host memory. Appended to the
   * server command (llama-server); node-llama-cpp exposes no tensor overrides, so it refuses this.
   */
  cpuMoeLayers?: number;
  /** KV cache types (--cache-type-k/-v on a server command; node-llama-cpp's experimental KV types). */
  cacheTypeK?: KvCacheTypeName;
  cacheTypeV?: KvCacheTypeName;
  /** false: load the GGUF into host buffers (--no-mmap; node-llama-cpp's useMmap: false). */
  mmap?: boolean;
  outDir: string;
  /** Idle time held at the baseline and after loading and context creation, so those levels are read steady. */
  idleMs?: number;
  /** node-llama-cpp's backend; tests pass false (CPU) with a stand-in nvidia-smi (or OSS_PREP_VRAM_NODE_GPU=cpu). */
  nodeLlamaCppGpu?: "cuda" | "auto" | false;
  signal?: AbortSignal;
  log?: (message: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Measure what a GGUF costs in GPU memory, phase by phase: sample every GPU's memory at 10 Hz with
 * nvidia-smi while a runtime loads the model, creates its context and runs the workload of
 * vramWorkload.ts; tag samples by phase; write vram.json, vram.md and vram.html into outDir.
 * Throws EnvironmentError without an NVIDIA GPU. A runtime that fails mid-way still leaves the
 * report of the phases done (with a warning), then the error is thrown.
 */
export async function measureVram(params: MeasureVramParams): Promise<{ report: VramReport; files: string[] }> {
  const log = params.log ?? (() => undefined);
  const idleMs = params.idleMs ?? 1000;
  const placement = { cpuMoeLayers: params.cpuMoeLayers, cacheTypeK: params.cacheTypeK, cacheTypeV: params.cacheTypeV, mmap: params.mmap };
  const serverCommand = params.serverCommand === undefined ? undefined : withPlacementFlags(params.serverCommand, placement);
  if (serverCommand === undefined && params.cpuMoeLayers) {
    throw new UsageError("--n-cpu-moe: node-llama-cpp cannot keep experts on the CPU (it exposes no tensor overrides); measure with --server and llama-server");
  }
  const gpus = await listNvidiaGpus({ select: params.gpus });
  const indices = gpus.map((g) => g.index);
  await mkdir(params.outDir, { recursive: true });
  const modelBytes = (await stat(params.modelPath)).size;
  const env: NodeJS.ProcessEnv = { ...process.env, CUDA_DEVICE_ORDER: "PCI_BUS_ID", CUDA_VISIBLE_DEVICES: indices.join(",") };
  const runtimeLog = createWriteStream(join(params.outDir, "runtime.log"));
  const onLog = (line: string) => runtimeLog.write(`${params.redactPaths ? redactLocalPaths(line) : line}\n`);

  const sampler = startNvidiaSmiSampler({ gpus: indices, intervalMs: 100 });
  const phases: PhaseMark[] = [];
  const warnings: string[] = [];
  let runtime: VramRuntime | undefined;
  let failure: unknown;
  try {
    const firstSampleBy = Date.now() + 15_000;
    while (!indices.every((i) => sampler.latest().has(i))) {
      if (Date.now() > firstSampleBy) throw new EnvironmentError("nvidia-smi gave no memory reading within 15 s");
      await sleep(50);
    }
    let t = Date.now();
    await sleep(idleMs);
    phases.push({ name: "baseline", label: "baseline (before the runtime starts)", start: t, end: Date.now() });

    log(serverCommand ? `starting the server: ${serverCommand}` : "starting node-llama-cpp (CUDA) in a child process");
    runtime = serverCommand
      ? await startServerRuntime({
          commandTemplate: serverCommand,
          modelPath: params.modelPath,
          ctx: params.ctx,
          parallel: params.parallel,
          threads: params.threads,
          env,
          onLog,
          bannedTokens: await partialUtf8TokenIds({ ggufPath: params.modelPath }),
        })
      : await startNodeLlamaCppRuntime({
          modelPath: params.modelPath,
          ctx: params.ctx,
          parallel: params.parallel,
          threads: params.threads,
          gpu: params.nodeLlamaCppGpu ?? (process.env.OSS_PREP_VRAM_NODE_GPU === "cpu" ? false : "cuda"),
          cacheTypeK: params.cacheTypeK,
          cacheTypeV: params.cacheTypeV,
          mmap: params.mmap,
          env,
          onLog,
        });
    const loaded = await runtime.loadModel();
    if (runtime.pausesAfterLoad) await sleep(idleMs);
    phases.push({ name: "model-loaded", label: "model loaded", start: loaded.startedAt, end: runtime.pausesAfterLoad ? Date.now() : loaded.endedAt });
    log(`model loaded in ${((loaded.endedAt - loaded.startedAt) / 1000).toFixed(1)} s`);
    const created = await runtime.createContext();
    await sleep(idleMs);
    phases.push({ name: "context-created", label: `context created (ctx ${params.ctx}, ${params.parallel} sequences)`, start: created.startedAt, end: Date.now() });
    log(`context ready (${runtime.version})`);

    const workload = vramWorkloadPhases({ parallel: params.parallel });
    const tokens = await promptTokenSource(runtime, workloadPromptTokens(workload));
    for (const phase of workload) {
      params.signal?.throwIfAborted();
      t = Date.now();
      const result = await runWorkloadPhase(runtime, phase, tokens);
      phases.push({ name: phase.name, label: phase.label, start: t, end: Date.now(), workload: result });
      log(`${phase.label}: ${result.generatedTokens} tokens in ${(result.wallMs / 1000).toFixed(2)} s (${result.generatedTokensPerSecond.toFixed(1)} tok/s)`);
      await sleep(200);
    }
  } catch (error) {
    failure = error;
    warnings.push(`measurement stopped early: ${(error as Error)?.message?.split("\n")[0] ?? String(error)}`);
  } finally {
    await runtime?.stop().catch(() => undefined);
    await sampler.stop();
    await new Promise((r) => runtimeLog.end(r));
  }
  if (phases.length <= 1 && failure) throw failure;

  const summaries = summarizeVramTrace({ samples: sampler.samples, phases, gpus: indices });
  const t0 = sampler.samples.length ? Math.min(...sampler.samples.map((s) => s.t)) : phases[0].start;
  const durationS = sampler.samples.length > 1 ? (Math.max(...sampler.samples.map((s) => s.t)) - t0) / 1000 : 0;
  const report: VramReport = {
    schema: 1,
    createdAt: new Date().toISOString(),
    model: { path: params.modelPath, bytes: modelBytes, name: basename(params.modelPath) },
    runtime: { kind: runtime?.kind ?? (serverCommand ? "server" : "node-llama-cpp"), name: runtime?.name ?? "unknown", version: runtime?.version ?? "unknown", command: runtime?.command },
    gpus,
    settings: {
      ctx: params.ctx,
      parallel: params.parallel,
      splitMode: "layer",
      flashAttention: serverCommand ? "as the server command sets it" : "on",
      threads: params.threads,
      ...(params.cpuMoeLayers ? { cpuMoeLayers: params.cpuMoeLayers } : {}),
      ...(params.cacheTypeK && params.cacheTypeK !== "f16" ? { cacheTypeK: params.cacheTypeK } : {}),
      ...(params.cacheTypeV && params.cacheTypeV !== "f16" ? { cacheTypeV: params.cacheTypeV } : {}),
      ...(params.mmap === false ? { mmap: false } : {}),
    },
    sampling: {
      tool: "nvidia-smi --query-gpu=timestamp,index,memory.used,memory.total -lms 100",
      intervalMs: 100,
      samples: sampler.samples.length,
      achievedHz: durationS > 0 ? Math.round((sampler.samples.length / indices.length / durationS) * 10) / 10 : 0,
    },
    baselineMiB: summaries[0].gpus.map((g) => g.steadyMiB),
    phases: summaries,
    breakdown: summarizeLlamaBuffers(runtime?.bufferLines() ?? []),
    trace: {
      t0,
      gpus: indices,
      tMs: indices.map((g) => sampler.samples.filter((s) => s.gpu === g).map((s) => s.t - t0)),
      usedMiB: indices.map((g) => sampler.samples.filter((s) => s.gpu === g).map((s) => s.usedMiB)),
    },
    warnings,
  };
  const files = await writeVramReports({ report: params.redactPaths ? redactLocalPaths(report) : report, outDir: params.outDir });
  if (failure) throw failure;
  return { report, files };
}

interface TokenSource {
  take(count: number): number[];
  tokenize(text: string): Promise<number[]>;
}

/** Distinct prompt material for the whole workload, tokenized by the runtime itself (ids if it cannot). */
async function promptTokenSource(runtime: VramRuntime, needed: number): Promise<TokenSource> {
  const corpus = (await runtime.tokenize(workloadText(Math.ceil(needed * 1.2) + 200))) ?? [];
  let offset = 0;
  let fallbackSeed = 1;
  return {
    take(count) {
      if (offset + count <= corpus.length) {
        const slice = corpus.slice(offset, offset + count);
        offset += count;
        return slice;
      }
      return fallbackTokens(count, fallbackSeed++);
    },
    async tokenize(text) {
      return (await runtime.tokenize(text)) ?? [];
    },
  };
}

async function runWorkloadPhase(runtime: VramRuntime, phase: WorkloadPhase, tokens: TokenSource): Promise<PhaseWorkloadResult> {
  const started = performance.now();
  const results: CompletionResult[] = [];
  if (phase.kind === "single") {
    results.push(await runtime.complete({ prompt: tokens.take(phase.promptTokens), maxTokens: phase.generateTokens }));
  } else if (phase.kind === "sequential") {
    for (let i = 0; i < phase.count; i++) results.push(await runtime.complete({ prompt: tokens.take(phase.promptTokens), maxTokens: phase.generateTokens }));
  } else if (phase.kind === "concurrent") {
    const prompts = Array.from({ length: phase.sequences }, () => tokens.take(phase.promptTokens));
    results.push(...(await Promise.all(prompts.map((prompt) => runtime.complete({ prompt, maxTokens: phase.generateTokens })))));
  } else {
    const conversation: number[] = [];
    for (let turn = 0; turn < phase.turns; turn++) {
      conversation.push(...tokens.take(phase.promptTokensPerTurn));
      const result = await runtime.complete({ prompt: [...conversation], maxTokens: phase.generateTokensPerTurn, session: "chat" });
      results.push(result);
      // the answer joins the conversation, as a chat client sends it back with the next question
      const answer = await tokens.tokenize(result.generatedText);
      conversation.push(...(answer.length > 0 ? answer.slice(0, result.generatedTokens) : fallbackTokens(result.generatedTokens, 1000 + turn)));
    }
  }
  const wallMs = performance.now() - started;
  const generated = results.reduce((s, r) => s + r.generatedTokens, 0);
  const processed = results.reduce((s, r) => s + r.promptTokens - r.cachedTokens, 0);
  const promptMs = results.every((r) => r.promptMs !== undefined) ? results.reduce((s, r) => s + r.promptMs!, 0) : undefined;
  return {
    requests: results.length,
    promptTokens: processed,
    promptTokensSent: results.reduce((s, r) => s + r.promptTokens, 0),
    generatedTokens: generated,
    wallMs: Math.round(wallMs),
    meanLatencyMs: Math.round(results.reduce((s, r) => s + r.latencyMs, 0) / Math.max(1, results.length)),
    generatedTokensPerSecond: Math.round((generated / (wallMs / 1000)) * 10) / 10,
    ...(promptMs && promptMs > 0 ? { promptTokensPerSecond: Math.round((processed / (promptMs / 1000)) * 10) / 10 } : {}),
  };
}

/** Flags llama.cpp would read twice (--n-cpu-moe even adds its overrides twice) if the command had them already. */
const PLACEMENT_FLAGS: Record<string, RegExp> = {
  "--n-cpu-moe": /(^|\s)(--n-cpu-moe|-ncmoe|--cpu-moe|-cmoe|-ot|--override-tensor)(\s|=|$)/,
  "--cache-type-k": /(^|\s)(-ctk|--cache-type-k)(\s|=|$)/,
  "--cache-type-v": /(^|\s)(-ctv|--cache-type-v)(\s|=|$)/,
  "--no-mmap": /(^|\s)(--no-mmap|--mmap|-lm|--load-mode)(\s|=|$)/,
};

/** The server command with the placement flags appended (llama-server's spelling), refusing to set one twice. */
function withPlacementFlags(command: string, placement: Parameters<typeof llamaPlacementFlags>[0]): string {
  const flags = llamaPlacementFlags(placement);
  for (const flag of flags) {
    const clash = PLACEMENT_FLAGS[flag];
    if (clash?.test(command)) throw new UsageError(`--server: the command already places what ${flag} sets (${clash.exec(command)?.[2]}); give it in one place`);
  }
  return flags.length ? `${command} ${flags.join(" ")}` : command;
}
