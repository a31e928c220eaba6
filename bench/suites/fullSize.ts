/**
 * Full-size gpt-oss-20b (synthetic checkpoint with the real shapes, types and shard split): convert,
 * `build --variant gguf-q5` with both expert policies and `gguf-mxfp4`, each against llama.cpp's
 * own llama_model_quantize on our BF16 GGUF as the anchor. Median of ≥ 3 runs each.
 * Needs ~62 GB of free disk; set OSS_PREP_BENCH_DIR to put the files elsewhere.
 */
import { existsSync } from "node:fs";
import { mkdir, rm, stat, statfs, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/util/paths.js";
import { measureCli, medianOf, type Measurement } from "../measure.js";
import { table, writeBenchSection } from "../report.js";

const GB = 1e9;
const fmtS = (s: number) => `${s.toFixed(1)} s`;
const fmtGiB = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
const fmtGB = (b?: number) => (b === undefined ? "–" : `${(b / GB).toFixed(2)} GB`);

function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString()}] full-size: ${message}\n`);
}

async function measureRuns(label: string, runs: number, before: () => Promise<void>, args: string[]): Promise<Measurement[]> {
  const results: Measurement[] = [];
  for (let i = 0; i < runs; i++) {
    await before();
    const m = await measureCli(args);
    log(`${label} run ${i + 1}/${runs}: ${fmtS(m.wallSeconds)} wall, ${fmtS(m.cpuSeconds)} CPU, ${fmtGiB(m.peakRssBytes)} peak RSS`);
    results.push(m);
  }
  return results;
}

async function opensInLlamaCpp(path: string): Promise<string> {
  const { getLlama } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, logLevel: "error" as never });
  const model = await llama.loadModel({ modelPath: path, vocabOnly: true });
  const tokens = model.tokenize("Hello, world");
  const text = model.detokenize(tokens);
  await model.dispose();
  return `vocabulary-only load OK (${tokens.length} tokens round-trip: ${JSON.stringify(text)})`;
}

export async function benchFullSize(runs = 3): Promise<void> {
  const dir = process.env.OSS_PREP_BENCH_DIR ?? join(packageRoot(), ".bench");
  await mkdir(dir, { recursive: true });
  const fs = await statfs(dir);
  log(`bench dir ${dir}, ${(fs.bavail * fs.bsize / GB).toFixed(0)} GB free`);
  const synth = process.env.OSS_PREP_BENCH_SYNTH ?? join(dir, "synth-gpt-oss-20b");
  let synthM: Measurement | undefined;
  if (!existsSync(synth)) {
    log("writing the synthetic checkpoint (13.8 GB)…");
    synthM = await measureCli(["synth", "--preset", "gpt-oss-20b", "--out", synth, "--json"]);
  }
  const inputBytes = (await Promise.all(["model-00000-of-00002.safetensors", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"].map(async (f) => (await stat(join(synth, f))).size))).reduce((a, b) => a + b, 0);

  // convert (the BF16 GGUF is also the anchor's input)
  const bf16 = join(dir, "gpt-oss-20b-synthetic-BF16.gguf");
  const convertRuns = await measureRuns("convert bf16", Number(process.env.OSS_PREP_BENCH_CONVERT_RUNS ?? runs), async () => rm(bf16, { force: true }), ["convert", synth, "--outtype", "bf16", "-o", bf16, "--json"]);
  const bf16Bytes = (await stat(bf16)).size;

  const work = join(dir, "work");
  const pipelines = join(dir, "pipelines");
  await mkdir(pipelines, { recursive: true });
  // OSS_PREP_BENCH_REQUANT_RUNS: the requant policy takes ~4 min a run on 2 cores (ours and the anchor)
  const requantRuns = Number(process.env.OSS_PREP_BENCH_REQUANT_RUNS ?? runs);
  const variants = [
    { key: "q5-keep", label: "gguf-q5 (Q5_K_M, experts kept)", type: "Q5_K_M", experts: "keep", runs },
    { key: "mxfp4", label: "gguf-mxfp4 (MXFP4_MOE)", type: "MXFP4_MOE", experts: "keep", runs },
    { key: "q5-requant", label: "gguf-q5 (Q5_K_M, experts requantized)", type: "Q5_K_M", experts: "requant", runs: requantRuns },
  ];
  for (const v of variants) {
    await writeFile(join(pipelines, `${v.key}.yaml`), `name: bench-${v.key}\nstages:\n  - stage: source\n  - stage: quantize\n    with:\n      type: ${v.type}\n      experts: ${v.experts}\n`);
  }
  // hash the checkpoint once into the digest memo (the source stage of every later build reuses it)
  log("first build of the source stage (hashes the checkpoint once)…");
  await measureCli(["build", "--variant", join(pipelines, "q5-keep.yaml"), "--model", synth, "--work-dir", work, "--only", "source", "--out", join(dir, "out-source")]);

  const rows: Array<Array<string>> = [];
  const details: Array<Array<string>> = [];
  const opened: string[] = [];
  for (const v of variants) {
    const out = join(dir, `out-${v.key}`);
    const clean = async () => {
      await rm(join(work, "stages", "quantize"), { recursive: true, force: true });
      await rm(out, { recursive: true, force: true });
    };
    // Ours and the anchor alternate, run by run: the working set (13.8 GB in, 11.7–16.9 GB out) is
    // larger than this machine's RAM, so a run leaves the page cache in a state that favours or
    // penalises the next one (which input is still cached); alternating gives both the same history.
    const anchorOut = join(dir, `anchor-${v.key}.gguf`);
    const ours: Measurement[] = [];
    const anchor: Measurement[] = [];
    let size = 0;
    let anchorSize = 0;
    for (let i = 0; i < v.runs; i++) {
      await clean();
      const o = await measureCli(["build", "--variant", join(pipelines, `${v.key}.yaml`), "--model", synth, "--work-dir", work, "--out", out, "--json"]);
      log(`build ${v.key} run ${i + 1}/${v.runs}: ${fmtS(o.wallSeconds)} wall, ${fmtS(o.cpuSeconds)} CPU, ${fmtGiB(o.peakRssBytes)} peak RSS`);
      ours.push(o);
      if (i === 0) {
        const gguf = join(out, `synth-gpt-oss-20b-${v.type}.gguf`);
        const ggufPath = existsSync(gguf) ? gguf : join(out, (await import("node:fs")).readdirSync(out).find((f) => f.endsWith(".gguf"))!);
        size = (await stat(ggufPath)).size;
        opened.push(`${v.label}: ${await opensInLlamaCpp(ggufPath)}`);
      }
      await clean();
      await rm(anchorOut, { force: true });
      const a = await measureCli(["--anchor", bf16, anchorOut, v.type, v.experts]);
      log(`anchor ${v.key} run ${i + 1}/${v.runs}: ${fmtS(a.wallSeconds)} wall, ${fmtS(a.cpuSeconds)} CPU, ${fmtGiB(a.peakRssBytes)} peak RSS`);
      anchor.push(a);
      anchorSize = (await stat(anchorOut)).size;
      await rm(anchorOut, { force: true });
    }
    const o = medianOf(ours);
    const a = medianOf(anchor);
    rows.push([`${v.label}${v.runs !== runs ? ` (${v.runs} run${v.runs > 1 ? "s" : ""})` : ""}`, fmtGB(size), fmtS(o.wallSeconds), fmtS(a.wallSeconds), `${(o.wallSeconds / a.wallSeconds).toFixed(2)}×`, fmtGiB(o.peakRssBytes), fmtGiB(a.peakRssBytes)]);
    details.push([v.label, "oss-prep build", fmtS(o.wallSeconds), fmtS(o.cpuSeconds), fmtGiB(o.peakRssBytes), fmtGB(o.bytesRead), fmtGB(o.bytesWritten), fmtGB(size)]);
    details.push([v.label, "llama_model_quantize on BF16", fmtS(a.wallSeconds), fmtS(a.cpuSeconds), fmtGiB(a.peakRssBytes), fmtGB(a.bytesRead), fmtGB(a.bytesWritten), fmtGB(anchorSize)]);
  }
  const c = medianOf(convertRuns);
  await writeBenchSection(
    "full-size",
    `## Full-size gpt-oss-20b (synthetic checkpoint, real shapes)

\`oss-prep synth --preset gpt-oss-20b\` writes the real layout (24 layers, 32 experts, hidden 2880,
vocab 201088, MXFP4 experts, 3 shards, ${fmtGB(inputBytes)}) with deterministic random values; speed,
memory and sizes depend only on shapes and types.${synthM ? ` Writing it took ${fmtS(synthM.wallSeconds)} (peak RSS ${fmtGiB(synthM.peakRssBytes)}).` : ""}

Load average when the suite ended: ${loadavg().map((l) => l.toFixed(2)).join(", ")} (1/5/15 min; other
work on the machine inflates both columns alike). Each figure is the median of ${runs} runs (unless a
row says otherwise) of the whole command (process start to exit), ours and the anchor alternating run
by run (the working set exceeds the RAM, so each run inherits a page cache shaped by the one before). "oss-prep
build" goes from the safetensors checkpoint to the quantized GGUF in one pass (source stage with the
checkpoint digest memoised, then quantize, export and manifest); the anchor is llama.cpp's quantize
step alone (\`llama_model_quantize\` from node-llama-cpp's libllama, ${"`nthread`"} = cores) on our
BF16 GGUF of the same checkpoint, with the MXFP4 experts kept by a tensor-type override for the keep
policy and \`allow_requantize\` for the requant policy.

${table(["variant", "output", "oss-prep (safetensors → GGUF)", "llama.cpp quantize step alone", "ratio", "our peak RSS", "anchor peak RSS"], rows)}

Details (bytes read/written are the process's read/write syscalls, page-cache hits included; our
bytes read include the sha256 worker's re-read of the output it hashes, the anchor maps its input and
reads nothing through read(2)):

${table(["variant", "what", "wall", "CPU", "peak RSS", "bytes read", "bytes written", "output"], details)}

Conversion to BF16 (\`oss-prep convert --outtype bf16\`): ${fmtS(c.wallSeconds)} wall, ${fmtS(c.cpuSeconds)} CPU,
${fmtGiB(c.peakRssBytes)} peak RSS, ${fmtGB(c.bytesRead)} read, ${fmtGB(c.bytesWritten)} written for a
${fmtGB(bf16Bytes)} file (${(bf16Bytes / GB / c.wallSeconds).toFixed(2)} GB/s). Peak RSS on the tiny
fixture is in the section above: it does not grow with model size.

The outputs open in llama.cpp:
${opened.map((o) => `- ${o}`).join("\n")}

Reproduce: \`npm run bench -- full-size\` (needs ~62 GB free; \`OSS_PREP_BENCH_DIR\` moves the files).`,
  );
}
