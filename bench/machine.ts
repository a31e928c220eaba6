/** The machine a benchmark ran on, for docs/benchmarks.md. */
import { execSync } from "node:child_process";
import { readFileSync, statfsSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { toolVersions } from "../src/pipeline/manifest.js";

export function describeMachine(dir: string): Record<string, string | number> {
  let disk = "unknown";
  try {
    const s = statfsSync(dir);
    disk = `${((s.blocks * s.bsize) / 1e9).toFixed(0)} GB (${((s.bavail * s.bsize) / 1e9).toFixed(0)} GB free)`;
    disk += `, ${execSync(`df --output=source ${JSON.stringify(dir)} | tail -1`).toString().trim()}`;
  } catch {
    // informative only
  }
  let kernel = "";
  try {
    kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  } catch {
    kernel = process.platform;
  }
  const v = toolVersions();
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    disk,
    kernel,
    node: v.node,
    ossPrep: v.ossPrep,
    nodeLlamaCpp: v.nodeLlamaCpp,
    llamaCpp: v.llamaCpp,
  };
}
