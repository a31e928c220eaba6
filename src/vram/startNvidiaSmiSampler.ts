import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { nvidiaSmiCommand } from "./nvidiaSmiCommand.js";
import { parseNvidiaSmiCsv } from "./parseNvidiaSmiCsv.js";
import type { GpuMemorySample } from "./types.js";

export interface GpuMemorySampler {
  readonly samples: GpuMemorySample[];
  /** The latest reading of each GPU (for waiting on memory to settle). */
  latest(): Map<number, GpuMemorySample>;
  stop(): Promise<void>;
}

/**
 * Per-GPU memory every `intervalMs` (100 ms: 10 Hz) from one long-running
 * `nvidia-smi --query-gpu=timestamp,index,memory.used,memory.total -lms N`, which costs far less than
 * spawning nvidia-smi per reading and keeps the rate steady. Samples carry nvidia-smi's timestamp.
 */
export function startNvidiaSmiSampler(params: { gpus: number[]; intervalMs?: number; onLine?: (line: string) => void }): GpuMemorySampler {
  const intervalMs = params.intervalMs ?? 100;
  const args = [
    "--query-gpu=timestamp,index,memory.used,memory.total",
    "--format=csv,noheader,nounits",
    `-lms`,
    String(intervalMs),
    `--id=${params.gpus.join(",")}`,
  ];
  const child = spawn(nvidiaSmiCommand(), args, { stdio: ["ignore", "pipe", "pipe"] });
  const samples: GpuMemorySample[] = [];
  const latest = new Map<number, GpuMemorySample>();
  const lines = createInterface({ input: child.stdout });
  lines.on("line", (line) => {
    params.onLine?.(line);
    const sample = parseNvidiaSmiCsv(line, Date.now());
    if (!sample) return;
    samples.push(sample);
    latest.set(sample.gpu, sample);
  });
  child.stderr.resume();
  const exited = new Promise<void>((resolve) => {
    child.once("close", () => resolve());
    child.once("error", () => resolve());
  });
  return {
    samples,
    latest: () => latest,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
