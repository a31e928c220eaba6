/**
 * Shapes shared by the VRAM measurement (`oss-prep vram`, stage `vram`) and its reports.
 * Memory is in MiB as nvidia-smi reports it; times are milliseconds since the Unix epoch.
 */

/** One reading of one GPU's memory. */
export interface GpuMemorySample {
  /** When the reading was taken (nvidia-smi's timestamp when it prints one, else when it arrived). */
  t: number;
  /** nvidia-smi's GPU index. */
  gpu: number;
  usedMiB: number;
  totalMiB: number;
}

export interface GpuInfo {
  index: number;
  name: string;
  totalMiB: number;
  driverVersion?: string;
}

/** A stretch of time with a name; samples inside it are tagged with the phase. */
export interface PhaseMark {
  name: string;
  label: string;
  start: number;
  end: number;
  workload?: PhaseWorkloadResult;
}

/** What one workload phase did and how fast. */
export interface PhaseWorkloadResult {
  requests: number;
  /** Prompt tokens the runtime had to process (after its prefix cache, where it reports that). */
  promptTokens: number;
  /** Prompt tokens sent, cached or not. */
  promptTokensSent: number;
  generatedTokens: number;
  /** Wall time of the whole phase. */
  wallMs: number;
  /** Mean end-to-end latency of one request. */
  meanLatencyMs: number;
  /** Generated tokens per second over the phase's wall time (all sequences together). */
  generatedTokensPerSecond: number;
  /** Prompt tokens processed per second, from the runtime's own timings where it reports them. */
  promptTokensPerSecond?: number;
}

export interface MemoryStat {
  peakMiB: number;
  steadyMiB: number;
  samples: number;
}

export interface PhaseSummary {
  name: string;
  label: string;
  startMs: number;
  durationMs: number;
  /** Per GPU, in the order of `gpus`. */
  gpus: Array<MemoryStat & { gpu: number }>;
  total: MemoryStat;
  workload?: PhaseWorkloadResult;
}

/** One line of llama.cpp's own accounting ("CUDA0 model buffer size = 11536.42 MiB"). */
export interface LlamaBufferLine {
  device: string;
  kind: "model" | "KV" | "compute" | "output" | "RS";
  MiB: number;
}

export interface LlamaBufferBreakdown {
  device: string;
  modelMiB: number;
  kvMiB: number;
  computeMiB: number;
  outputMiB: number;
}

export interface VramReport {
  schema: 1;
  createdAt: string;
  model: { path: string; bytes: number; name: string };
  runtime: { kind: "node-llama-cpp" | "server"; name: string; version: string; command?: string };
  gpus: GpuInfo[];
  settings: {
    ctx: number;
    parallel: number;
    splitMode: "layer";
    flashAttention: string;
    threads: number;
    /** Placement flags given beyond llama.cpp's defaults (--n-cpu-moe, --cache-type-k/-v, --no-mmap); absent when not. */
    cpuMoeLayers?: number;
    cacheTypeK?: string;
    cacheTypeV?: string;
    mmap?: false;
  };
  sampling: { tool: string; intervalMs: number; samples: number; achievedHz: number };
  /** Memory in use on each GPU before the runtime started (other processes, driver). */
  baselineMiB: number[];
  phases: PhaseSummary[];
  /** llama.cpp's own report of its buffers per device, where the runtime printed it. */
  breakdown: LlamaBufferBreakdown[];
  /** The raw samples, for the chart: t relative to the first sample. */
  trace: { t0: number; gpus: number[]; tMs: number[][]; usedMiB: number[][] };
  warnings: string[];
}
