import { UsageError } from "../errors.js";
import { parseMemorySize } from "../util/parseMemorySize.js";
import type { VramPlanGpu } from "./planVram.js";

/**
 * `--gpus` of `oss-prep plan`: "1x24GB", "2x24GB", "1x80GB", "2x81559MiB", or a comma list of sizes
 * ("24GB,16GB"). A card's "GB" is GiB (a 24 GB card has 24,576 MiB; nvidia-smi's memory.total is the
 * exact figure, e.g. 81,559 MiB for an 80 GB H100: give MiB for precision).
 */
export function parseGpuSpec(text: string): VramPlanGpu[] {
  const gpus: VramPlanGpu[] = [];
  for (const part of text.split(",").map((s) => s.trim())) {
    const m = /^(?:(\d+)\s*[x×]\s*)?(\d+(?:\.\d+)?)\s*(GB|GiB|G|MiB|MB)$/i.exec(part);
    if (!m) throw new UsageError(`--gpus: expected e.g. 1x24GB, 2x80GB or 24GB,16GB, got ${JSON.stringify(part)}`);
    const count = m[1] ? Number(m[1]) : 1;
    // the size's units as everywhere else (a card's "GB" is GiB)
    const memoryMiB = parseMemorySize(`${m[2]}${m[3]}`) ?? 0;
    if (count < 1 || count > 64 || memoryMiB <= 0) throw new UsageError(`--gpus: ${JSON.stringify(part)} is out of range`);
    for (let i = 0; i < count; i++) gpus.push({ label: part.replace(/^\d+\s*[x×]\s*/i, ""), memoryMiB });
  }
  return gpus;
}
