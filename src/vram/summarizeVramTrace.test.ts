/**
 * Phase tagging and statistics on a real nvidia-smi trace (recorded on an H200 while oss-prep
 * measured the full-size synthetic gpt-oss-20b in Q5_K_M, see docs/vram.md), and on a small
 * hand-made two-GPU trace whose expected numbers are worked out below.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../util/paths.js";
import { parseNvidiaSmiCsv, parseNvidiaSmiTimestamp } from "./parseNvidiaSmiCsv.js";
import { median, summarizeVramTrace, totalMemorySeries } from "./summarizeVramTrace.js";
import type { GpuMemorySample, PhaseMark } from "./types.js";

const fixture = (name: string) => join(packageRoot(), "test", "fixtures", "vram", name);

describe("parseNvidiaSmiCsv", () => {
  beforeAll(() => {
    process.env.TZ = "UTC"; // nvidia-smi prints local time; the recorded trace is from a UTC machine
  });
  it("reads timestamped and plain lines, and skips what is not a sample", () => {
    expect(parseNvidiaSmiCsv("2026/11/26 12:34:36.101, 0, 11569, 143771", 0)).toEqual({ t: Date.UTC(2026, 10, 26, 12, 34, 36, 101), gpu: 0, usedMiB: 11569, totalMiB: 143771 });
    expect(parseNvidiaSmiCsv("1, 6037, 143771", 42)).toEqual({ t: 42, gpu: 1, usedMiB: 6037, totalMiB: 143771 });
    expect(parseNvidiaSmiCsv("0, [N/A], 143771", 0)).toBeUndefined();
    expect(parseNvidiaSmiCsv("", 0)).toBeUndefined();
    expect(parseNvidiaSmiCsv("No devices were found", 0)).toBeUndefined();
    expect(parseNvidiaSmiTimestamp("2026/11/26 12:34:36.1")).toBe(Date.UTC(2026, 10, 26, 12, 34, 36, 100));
  });
});

describe("summarizeVramTrace", () => {
  beforeAll(() => {
    process.env.TZ = "UTC";
  });

  it("tags the recorded H200 trace by phase: the same levels oss-prep's own sampler saw", () => {
    const samples = readFileSync(fixture("h200-q5km-ctx4096-1gpu.trace.csv"), "utf8")
      .split("\n")
      .map((l) => parseNvidiaSmiCsv(l, 0))
      .filter((s): s is GpuMemorySample => s !== undefined);
    expect(samples).toHaveLength(150);
    const recorded = JSON.parse(readFileSync(fixture("h200-q5km-ctx4096-1gpu.phases.json"), "utf8")) as {
      phases: Array<{ name: string; start: number; end: number; steadyMiB: number; peakMiB: number; samples: number }>;
    };
    const phases: PhaseMark[] = recorded.phases.map((p) => ({ name: p.name, label: p.name, start: p.start, end: p.end }));
    const summary = summarizeVramTrace({ samples, phases, gpus: [0] });
    const byName = Object.fromEntries(summary.map((s) => [s.name, s]));
    // levels read off the trace by hand: idle card, weights (10,748 MiB) + CUDA context, + KV and
    // compute buffers, then +104..112 MiB once batches run (CUDA pool, cuBLAS workspace)
    expect(byName.baseline.gpus[0]).toEqual({ gpu: 0, peakMiB: 0, steadyMiB: 0, samples: 10 });
    expect(byName["model-loaded"].gpus[0]).toEqual({ gpu: 0, peakMiB: 11275, steadyMiB: 11275, samples: 26 });
    expect(byName["context-created"].gpus[0]).toEqual({ gpu: 0, peakMiB: 11569, steadyMiB: 11569, samples: 11 });
    expect(byName["single-qa"].gpus[0]).toMatchObject({ steadyMiB: 11673, samples: 4 });
    expect(byName["prompts-10x512"].gpus[0]).toMatchObject({ steadyMiB: 11681, peakMiB: 11681, samples: 20 });
    // one GPU: the total is that GPU
    for (const s of summary) expect(s.total.steadyMiB).toBe(s.gpus[0].steadyMiB);
    // and the independent nvidia-smi agrees with the sampler oss-prep ran at the same time
    for (const p of recorded.phases) {
      expect(byName[p.name].gpus[0].steadyMiB, p.name).toBe(p.steadyMiB);
      expect(byName[p.name].gpus[0].peakMiB, p.name).toBe(p.peakMiB);
    }
  });

  it("two GPUs: peak, steady (median of the second half) and totals of one poll", () => {
    // polls every 100 ms from t = 0; GPU1's line of a poll comes 1 ms after GPU0's
    const gpu0 = [100, 100, 5000, 5000, 5200, 5200, 5200, 5900, 5200, 5200];
    const gpu1 = [50, 50, 4000, 4100, 4100, 4100, 4100, 4100, 4100, 4100];
    const samples: GpuMemorySample[] = [];
    gpu0.forEach((v, i) => {
      samples.push({ t: i * 100, gpu: 0, usedMiB: v, totalMiB: 24576 });
      samples.push({ t: i * 100 + 1, gpu: 1, usedMiB: gpu1[i], totalMiB: 24576 });
    });
    const phases: PhaseMark[] = [
      { name: "baseline", label: "b", start: 0, end: 200 }, // polls 0, 1
      { name: "load", label: "l", start: 200, end: 500 }, // polls 2, 3, 4
      { name: "work", label: "w", start: 500, end: 1000 }, // polls 5..9
      { name: "blink", label: "x", start: 1002, end: 1050 }, // no reading inside
    ];
    const [baseline, load, work, blink] = summarizeVramTrace({ samples, phases, gpus: [0, 1] });
    expect(baseline.gpus.map((g) => [g.peakMiB, g.steadyMiB, g.samples])).toEqual([[100, 100, 2], [50, 50, 2]]);
    // load: second half starts at 350 → polls at 400 only (GPU0 5200; GPU1's 401 reading 4100)
    expect(load.gpus[0]).toEqual({ gpu: 0, peakMiB: 5200, steadyMiB: 5200, samples: 3 });
    expect(load.gpus[1]).toEqual({ gpu: 1, peakMiB: 4100, steadyMiB: 4100, samples: 3 });
    // work: second half from 750 → GPU0 readings 800, 900 = 5200, 5200; the 5900 blip at 700 is only the peak
    expect(work.gpus[0]).toEqual({ gpu: 0, peakMiB: 5900, steadyMiB: 5200, samples: 5 });
    // totals pair GPU0's reading with GPU1's latest (the previous poll's, 1 ms older)
    expect(totalMemorySeries(samples, [0, 1]).slice(0, 3)).toEqual([
      { t: 100, usedMiB: 150 },
      { t: 200, usedMiB: 5050 },
      { t: 300, usedMiB: 9000 },
    ]);
    // 5 polls, plus the series' closing point with the last poll's GPU1 reading (t = 901)
    expect(work.total).toEqual({ peakMiB: 10000, steadyMiB: 9300, samples: 6 });
    // a phase with no reading takes the last one before its end
    expect(blink.gpus.map((g) => [g.steadyMiB, g.samples])).toEqual([[5200, 0], [4100, 0]]);
    expect(median([3, 1, 2, 10])).toBe(2.5);
  });
});
