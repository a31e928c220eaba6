import type { GpuMemorySample, MemoryStat, PhaseMark, PhaseSummary } from "./types.js";

/**
 * Tag samples with the phase they fall in (start ≤ t < end) and reduce each phase to peak and steady
 * memory per GPU and in total.
 *
 * - peak: the highest reading in the phase.
 * - steady: the median of the readings in the phase's second half. Allocations happen at a phase's
 *   start (weights, KV cache, compute buffers, the CUDA pool growing for a bigger batch), so the
 *   second half is the level the phase settles at; the median ignores a lone transient reading.
 * - total: per reading of the first GPU, the sum of every GPU's latest reading at that time (nvidia-smi
 *   prints one line per GPU per poll, so this pairs readings of the same poll).
 * A phase too short to hold a reading takes the last reading before its end (samples: 0).
 */
export function summarizeVramTrace(params: { samples: readonly GpuMemorySample[]; phases: readonly PhaseMark[]; gpus: readonly number[] }): PhaseSummary[] {
  const { phases, gpus } = params;
  const samples = [...params.samples].sort((a, b) => a.t - b.t);
  const perGpu = new Map<number, GpuMemorySample[]>(gpus.map((g) => [g, samples.filter((s) => s.gpu === g)]));
  const totalSeries = totalMemorySeries(samples, gpus);
  return phases.map((phase) => {
    const gpuStats = gpus.map((gpu) => ({ gpu, ...phaseStat(perGpu.get(gpu) ?? [], phase) }));
    return {
      name: phase.name,
      label: phase.label,
      startMs: phase.start,
      durationMs: phase.end - phase.start,
      gpus: gpuStats,
      total: phaseStat(totalSeries, phase),
      ...(phase.workload ? { workload: phase.workload } : {}),
    };
  });
}

/** Sum of all GPUs' latest readings, at each reading of the first GPU. */
export function totalMemorySeries(samples: readonly GpuMemorySample[], gpus: readonly number[]): Array<{ t: number; usedMiB: number }> {
  const latest = new Map<number, number>();
  const series: Array<{ t: number; usedMiB: number }> = [];
  for (const s of samples) {
    latest.set(s.gpu, s.usedMiB);
    if (s.gpu !== gpus[0] || !gpus.every((g) => latest.has(g))) continue;
    series.push({ t: s.t, usedMiB: gpus.reduce((sum, g) => sum + latest.get(g)!, 0) });
  }
  // the first GPU's reading of a poll can come before the others': also close the series with the last state
  const last = samples[samples.length - 1];
  if (last && gpus.every((g) => latest.has(g)) && series.length > 0 && series[series.length - 1].t < last.t) {
    series.push({ t: last.t, usedMiB: gpus.reduce((sum, g) => sum + latest.get(g)!, 0) });
  }
  return series;
}

function phaseStat(series: ReadonlyArray<{ t: number; usedMiB: number }>, phase: { start: number; end: number }): MemoryStat {
  const inside = series.filter((s) => s.t >= phase.start && s.t < phase.end);
  if (inside.length === 0) {
    let before: { usedMiB: number } | undefined;
    for (const s of series) if (s.t < phase.end) before = s;
    const v = before?.usedMiB ?? 0;
    return { peakMiB: v, steadyMiB: v, samples: 0 };
  }
  const mid = phase.start + (phase.end - phase.start) / 2;
  const secondHalf = inside.filter((s) => s.t >= mid);
  const steadyOf = secondHalf.length > 0 ? secondHalf : inside;
  return {
    peakMiB: Math.max(...inside.map((s) => s.usedMiB)),
    steadyMiB: median(steadyOf.map((s) => s.usedMiB)),
    samples: inside.length,
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return 0;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}
