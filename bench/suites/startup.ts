/** `oss-prep --help` start-up time: the CLI must not load llama.cpp, koffi or the Hub client for it. */
import { measureCli, median } from "../measure.js";
import { table, writeBenchSection } from "../report.js";

export async function benchStartup(runs = 15): Promise<void> {
  const walls: number[] = [];
  const rss: number[] = [];
  const whole: number[] = [];
  await measureCli(["--help"]); // warm the file cache
  for (let i = 0; i < runs; i++) {
    const m = await measureCli(["--help"]);
    walls.push(m.wallSeconds);
    rss.push(m.peakRssBytes);
    whole.push(m.processWallSeconds ?? 0);
  }
  const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
  await writeBenchSection(
    "startup",
    `## CLI start-up (\`oss-prep --help\`)

Median of ${runs} runs: the whole process (spawn to exit, Node.js start-up included) and the part spent in oss-prep (entry point to exit):

${table(["whole process", "in oss-prep (median)", "min", "max", "peak RSS"], [[ms(median(whole)), ms(median(walls)), ms(Math.min(...walls)), ms(Math.max(...walls)), `${(median(rss) / 2 ** 20).toFixed(0)} MiB`]])}

\`--help\` imports only commander and the command declarations; llama.cpp (node-llama-cpp), koffi and
@huggingface/hub are imported inside the actions that need them (a test asserts that \`--help\` loads
none of them).`,
  );
}
