/** Spawn a measured CLI run (bench/probe.ts) and collect its resource report. */
import { fork, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Measurement {
  code: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  /** Peaks of RssAnon and RssFile (/proc/self/status, sampled by bench/probe.ts). */
  peakRssAnonBytes?: number;
  peakRssFileBytes?: number;
  bytesRead?: number;
  bytesWritten?: number;
  storageBytesRead?: number;
  storageBytesWritten?: number;
  /** Wall time seen by the parent: process spawn to exit (Node.js start-up included). */
  processWallSeconds?: number;
}

const probe = join(dirname(fileURLToPath(import.meta.url)), "probe.js");

export function measureCli(args: string[], env: Record<string, string> = {}): Promise<Measurement> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [probe, ...args], {
      stdio: ["ignore", "ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "true", ...env },
    });
    let report = "";
    let stderr = "";
    child.stdio[3]!.on("data", (d) => (report += d));
    child.stderr!.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`oss-prep ${args.join(" ")} exited ${code}: ${stderr.slice(-2000)}`));
      resolve({ ...(JSON.parse(report.trim().split("\n").pop()!) as Measurement), processWallSeconds: (performance.now() - t0) / 1000 });
    });
  });
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median of each field over several runs. */
export function medianOf(runs: Measurement[]): Measurement {
  const pick = (k: keyof Measurement) => median(runs.map((r) => (r[k] as number) ?? 0));
  return {
    code: 0,
    wallSeconds: pick("wallSeconds"),
    cpuSeconds: pick("cpuSeconds"),
    peakRssBytes: pick("peakRssBytes"),
    bytesRead: pick("bytesRead"),
    bytesWritten: pick("bytesWritten"),
    storageBytesRead: pick("storageBytesRead"),
    storageBytesWritten: pick("storageBytesWritten"),
    processWallSeconds: pick("processWallSeconds"),
  };
}

/**
 * Run a bench module in a child process (its own peak RSS and CPU time) and parse the JSON of the last
 * line it prints on stdout.
 */
export function runJsonChild<T>(params: { moduleUrl: string; args: string[]; label: string }): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(params.moduleUrl), params.args, { stdio: ["ignore", "pipe", "inherit", "ipc"] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop()!) as T) : reject(new Error(`${params.label} child exited ${code}`))));
  });
}
