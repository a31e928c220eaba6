import type { GpuMemorySample } from "./types.js";

/**
 * One line of `nvidia-smi --query-gpu=[timestamp,]index,memory.used,memory.total --format=csv,noheader,nounits`.
 * With a leading timestamp ("2026/11/26 12:00:01.123", local time) the sample keeps nvidia-smi's own
 * time, so a pipe that delivers lines late does not shift them; without one, `receivedAt` is used.
 * Returns undefined for lines that are not samples (blank lines, "[N/A]" values, warnings).
 */
export function parseNvidiaSmiCsv(line: string, receivedAt: number): GpuMemorySample | undefined {
  const fields = line.split(",").map((f) => f.trim());
  if (fields.length !== 3 && fields.length !== 4) return undefined;
  let t = receivedAt;
  if (fields.length === 4) {
    const parsed = parseNvidiaSmiTimestamp(fields.shift()!);
    if (parsed === undefined) return undefined;
    t = parsed;
  }
  const [gpu, used, total] = fields.map(Number);
  if (![gpu, used, total].every(Number.isFinite) || !Number.isInteger(gpu)) return undefined;
  return { t, gpu, usedMiB: used, totalMiB: total };
}

/** "2026/11/26 12:00:01.123" (nvidia-smi's format, local time) → epoch milliseconds. */
export function parseNvidiaSmiTimestamp(text: string): number | undefined {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(text);
  if (!m) return undefined;
  const ms = m[7] ? Number(m[7].padEnd(3, "0")) : 0;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms).getTime();
}
