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

process.on("exit", (code) => {
  const cpu = process.cpuUsage(cpu0);
  const io = ioCounters();
  const report = {
    code,
    wallSeconds: (performance.now() - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
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
