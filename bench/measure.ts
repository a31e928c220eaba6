/** Spawn a measured CLI run (bench/probe.ts) and collect its resource report. */
import { fork, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Measurement {
  code: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  /**
   * Peaks of the resident set's two parts as the kernel counts them (/proc/PID/status, sampled by the
   * parent every 250 ms — the child's own timers stall while llama.cpp decodes synchronously): RssAnon
   * is what the process allocated, RssFile the pages of mapped files it touched (a GGUF llama.cpp maps:
   * shared and reclaimable). maxRSS adds the two.
   */
  peakRssAnonBytes?: number;
  peakRssFileBytes?: number;
  bytesRead?: number;
  bytesWritten?: number;
  storageBytesRead?: number;
  storageBytesWritten?: number;
  /** The command's --json output (its last stdout line, when it is JSON): stage timings and the like. */
  output?: Record<string, unknown>;
  /** Wall time seen by the parent: process spawn to exit (Node.js start-up included). */
  processWallSeconds?: number;
}

const probe = join(dirname(fileURLToPath(import.meta.url)), "probe.js");

export function measureCli(args: string[], env: Record<string, string> = {}): Promise<Measurement> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [probe, ...args], {
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      env: { ...process.env, CI: "true", ...env },
    });
    let report = "";
    let stderr = "";
    let stdout = "";
    child.stdout!.on("data", (d) => {
      stdout = (stdout + d).slice(-1_000_000);
    });
    const peaks = { anon: 0, file: 0 };
    const sampler = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
        const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
        peaks.anon = Math.max(peaks.anon, kib("RssAnon"));
        peaks.file = Math.max(peaks.file, kib("RssFile"));
      } catch {
        // exited, or not Linux
      }
    }, 250);
    child.stdio[3]!.on("data", (d) => (report += d));
    child.stderr!.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(sampler);
      if (code !== 0) return reject(new Error(`oss-prep ${args.join(" ")} exited ${code}: ${stderr.slice(-2000)}`));
      const measured = JSON.parse(report.trim().split("\n").pop()!) as Measurement;
      // --json output is one document (pretty-printed or not); else its last line may be one
      for (const candidate of [stdout.trim(), stdout.trim().split("\n").pop() ?? ""]) {
        try {
          measured.output = JSON.parse(candidate);
          break;
        } catch {
          // not JSON
        }
      }
      resolve({ ...measured, ...(peaks.anon > 0 && { peakRssAnonBytes: peaks.anon, peakRssFileBytes: peaks.file }), processWallSeconds: (performance.now() - t0) / 1000 });
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
