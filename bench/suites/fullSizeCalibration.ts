/**
 * Calibration at full size (issue: "Calibration at full scale"): on the synthetic gpt-oss-20b (real
 * shapes, 13.8 GB), through the llama engine, each run measured as a whole process (wall, CPU, peak RSS):
 * - the anchor: node-llama-cpp's plain prompt processing of the same calibration tokens on the same
 *   BF16 GGUF (the calibration forward's physical floor on this machine);
 * - `oss-prep prune` (REAP + FLAP) on 8,192 calibration tokens;
 * - `oss-prep awq` at 16 × 512 (and 128 × 512 with OSS_PREP_BENCH_AWQ128=1: ~1 h here).
 * The BF16 GGUF is passed with --gguf so every run calibrates the same file (the conversion, 60 s, is
 * measured by the full-size suite). Needs the checkpoint and GGUF of the full-size suite (or writes them).
 */
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { BUILTIN_CALIBRATION_DOCUMENTS, BUILTIN_CALIBRATION_NAME } from "../../src/calib/data/builtinCalibrationText.js";
import { buildCalibrationSequences } from "../../src/calib/data/buildCalibrationSequences.js";
import { readByteLevelBpeEncoder } from "../../src/formats/tokenizer/readByteLevelBpeEncoder.js";
import { packageRoot } from "../../src/util/paths.js";
import { type Measurement, measureCli } from "../measure.js";
import { table, writeBenchSection } from "../report.js";

const fmtS = (s: number) => (s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`);
const fmtGiB = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;

function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString()}] full-size-calibration: ${message}\n`);
}

interface Row {
  label: string;
  tokens: number;
  m: Measurement;
  /** Seconds of the calibration forward alone, when the run reports it. */
  forwardSeconds?: number;
  load: string;
}

export async function benchFullSizeCalibration(): Promise<void> {
  const dir = process.env.OSS_PREP_BENCH_DIR ?? join(packageRoot(), ".bench");
  await mkdir(dir, { recursive: true });
  const synth = process.env.OSS_PREP_BENCH_SYNTH ?? join(dir, "synth-gpt-oss-20b");
  if (!existsSync(synth)) {
    log("writing the synthetic checkpoint (13.8 GB)…");
    await measureCli(["synth", "--preset", "gpt-oss-20b", "--out", synth, "--json"]);
  }
  const gguf = join(dir, "gpt-oss-20b-synthetic-BF16.gguf");
  if (!existsSync(gguf)) {
    log("converting to BF16…");
    await measureCli(["convert", synth, "--outtype", "bf16", "-o", gguf, "--json"]);
  }
  const threads = availableParallelism();
  const load = () => loadavg()[0].toFixed(1);
  const rows: Row[] = [];

  // the anchor's tokens: the 16 × 512 sequences AWQ calibrates on by default (built-in text)
  const tokenize = await readByteLevelBpeEncoder({ dir: synth });
  const sequences = buildCalibrationSequences({ documents: BUILTIN_CALIBRATION_DOCUMENTS, tokenize, samples: 16, seqlen: 512, source: BUILTIN_CALIBRATION_NAME });
  const sequencesFile = join(dir, "calibration-16x512.json");
  await writeFile(sequencesFile, JSON.stringify(sequences));
  const calibText = join(dir, "calibration.txt");
  await writeFile(calibText, Array(8).fill(BUILTIN_CALIBRATION_DOCUMENTS.join("\n\n")).join("\n\n"));

  log("anchor: node-llama-cpp prompt processing of 16 × 512 tokens…");
  const l0 = load();
  const anchor = await measureCli(["--prompt-anchor", gguf, sequencesFile, String(threads)]);
  rows.push({ label: "anchor: node-llama-cpp prompt processing, 16 × 512 tokens", tokens: 8192, m: anchor, load: l0 });
  log(`anchor: ${fmtS(anchor.wallSeconds)}`);

  const write = async (): Promise<void> => {
    const anchorTps = 8192 / anchor.wallSeconds;
    const text = [
      "## Calibration at full size (llama engine)",
      "",
      `Synthetic gpt-oss-20b (real shapes, 13.8 GB checkpoint; BF16 GGUF with MXFP4 experts, passed with --gguf), ${threads} threads, CPU only. ` +
        "Each row is one whole process (wall time includes loading the model: the GGUF is mmapped, so peak RSS counts the model pages it touched). " +
        "Load average (1 min) at each start is given: other jobs shared this machine's cores.",
      "",
      table(
        ["run", "tokens", "wall", "CPU", "peak RSS", "tokens/s (whole run)", "vs anchor", "load"],
        rows.map((r) => [r.label, r.tokens.toLocaleString("en-US"), fmtS(r.m.wallSeconds), fmtS(r.m.cpuSeconds), fmtGiB(r.m.peakRssBytes), (r.tokens / r.m.wallSeconds).toFixed(1), `${(r.m.wallSeconds / (r.tokens / anchorTps)).toFixed(2)}×`, r.load]),
      ),
      "",
      "Reproduce: `npm run bench -- full-size-calibration` (OSS_PREP_BENCH_AWQ128=1 adds 128 × 512).",
    ].join("\n");
    await writeBenchSection("full-size-calibration", text);
  };
  await write();

  const out = join(dir, "calib-out");
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const runs: Array<{ label: string; tokens: number; args: string[] }> = [
    {
      label: "`oss-prep prune` REAP + FLAP, 8,192 tokens (16 × 512), plan only to 22 experts",
      tokens: 8192,
      args: ["prune", synth, "--engine", "llama", "--gguf", gguf, "--calib", calibText, "--calib-tokens", "8192", "--calib-length", "512", "--experts-keep", "22", "-o", join(out, "prune"), "--json"],
    },
    {
      label: "`oss-prep awq` 16 × 512 (experts kept)",
      tokens: 8192,
      args: ["awq", synth, "--engine", "llama", "--gguf", gguf, "--samples", "16", "--seqlen", "512", "-o", join(out, "awq-16"), "--json"],
    },
  ];
  if (process.env.OSS_PREP_BENCH_AWQ128 === "1") {
    runs.push({
      label: "`oss-prep awq` 128 × 512 (experts kept)",
      tokens: 65536,
      args: ["awq", synth, "--engine", "llama", "--gguf", gguf, "--calib", calibText, "--samples", "128", "--seqlen", "512", "-o", join(out, "awq-128"), "--json"],
    });
  }
  for (const run of runs) {
    log(`${run.label}…`);
    const l = load();
    const m = await measureCli(run.args);
    rows.push({ label: run.label, tokens: run.tokens, m, load: l });
    log(`${run.label}: ${fmtS(m.wallSeconds)} wall, ${fmtS(m.cpuSeconds)} CPU, ${fmtGiB(m.peakRssBytes)} peak RSS`);
    await write();
  }

}

