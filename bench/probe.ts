/**
 * Runs the oss-prep CLI in this process and, when it exits, reports its own resource usage on
 * fd 3: wall time, CPU time, peak RSS and bytes read/written (/proc/self/io, Linux). Used by the
 * benchmarks to measure a command exactly as a user runs it.
 */
import { readFileSync, writeSync } from "node:fs";

const t0 = performance.now();
const cpu0 = process.cpuUsage();

function ioCounters(): Record<string, number> {
  try {
    const text = readFileSync("/proc/self/io", "utf8");
    return Object.fromEntries(text.trim().split("\n").map((line) => {
      const [k, v] = line.split(":");
      return [k.trim(), Number(v)];
    }));
  } catch {
    return {};
  }
}

/**
 * Peaks of the resident set split as the kernel counts it (/proc/self/status): RssAnon is memory the
 * process allocated (heaps, buffers), RssFile the pages of mapped files it touched (a GGUF that
 * llama.cpp maps, read-only and reclaimable). maxRSS alone adds the two. Sampled every 250 ms.
 */
const rssPeaks = { anonBytes: 0, fileBytes: 0 };
function sampleRss(): void {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    rssPeaks.anonBytes = Math.max(rssPeaks.anonBytes, kib("RssAnon"));
    rssPeaks.fileBytes = Math.max(rssPeaks.fileBytes, kib("RssFile"));
  } catch {
    // not Linux
  }
}
setInterval(sampleRss, 250).unref();

process.on("exit", (code) => {
  sampleRss();
  const cpu = process.cpuUsage(cpu0);
  const io = ioCounters();
  const report = {
    code,
    wallSeconds: (performance.now() - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    peakRssAnonBytes: rssPeaks.anonBytes,
    peakRssFileBytes: rssPeaks.fileBytes,
    bytesRead: io.rchar,
    bytesWritten: io.wchar,
    storageBytesRead: io.read_bytes,
    storageBytesWritten: io.write_bytes,
  };
  try {
    writeSync(3, `${JSON.stringify(report)}\n`);
  } catch {
    // not run by the benchmark harness: nothing to report to
  }
});

if (process.argv[2] === "--anchor") {
  const { runAnchor } = await import("./anchor.js");
  await runAnchor(process.argv.slice(3));
} else if (process.argv[2] === "--prompt-anchor") {
  const { runPromptAnchor } = await import("./promptAnchor.js");
  await runPromptAnchor(process.argv.slice(3));
} else {
  process.argv = [process.argv[0], "oss-prep", ...process.argv.slice(2)];
  await import("../src/cli/main.js");
}
