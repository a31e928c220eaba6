/** Conversion throughput and peak RSS on the tiny fixture (the full-size run is in the full suite). */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedDir } from "../../src/util/paths.js";
import { measureCli, medianOf } from "../measure.js";
import { table, writeBenchSection } from "../report.js";

export async function benchConvertFixture(runs = 5): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "oss-prep-bench-"));
  const fixture = join(sharedDir(), "fixtures", "tiny-gpt-oss");
  const rows: Array<Array<string | number>> = [];
  try {
    for (const outtype of ["bf16", "f32"]) {
      const out = join(dir, `tiny-${outtype}.gguf`);
      const results = [];
      for (let i = 0; i < runs; i++) results.push(await measureCli(["convert", fixture, "--outtype", outtype, "-o", out, "--json"]));
      const m = medianOf(results);
      const size = (await stat(out)).size;
      rows.push([
        outtype,
        `${(size / 1e6).toFixed(1)} MB`,
        `${(m.wallSeconds * 1000).toFixed(0)} ms`,
        `${(m.cpuSeconds * 1000).toFixed(0)} ms`,
        `${(size / 1e6 / m.wallSeconds).toFixed(0)} MB/s`,
        `${(m.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
        `${((m.bytesWritten ?? 0) / 1e6).toFixed(1)} MB`,
      ]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await writeBenchSection(
    "convert-fixture",
    `## Conversion of the tiny fixture (\`oss-prep convert\`)

Whole command (process start to exit), median of ${runs} runs, output in the page cache:

${table(["outtype", "output", "wall", "CPU", "throughput", "peak RSS", "bytes written"], rows)}

At this size the figures are dominated by process start-up and module loading (Node.js + the
tokenizer metadata); the full-size section shows the streaming rate and that peak RSS does not grow
with model size.`,
  );
}
