/**
 * Calibration at full size (issue: "Calibration at full scale"): on the synthetic gpt-oss-20b (real
 * shapes, 13.8 GB), through the llama engine, each run measured as a whole process (wall, CPU, peak RSS):
 * - the anchor: node-llama-cpp's plain prompt processing of the same calibration tokens on the same
 *   BF16 GGUF (the calibration forward's physical floor on this machine);
 * - `oss-prep prune` (REAP + FLAP) on 8,192 calibration tokens;
 * - `oss-prep awq` at 16 × 512 and 128 × 512 (~1.5 h here: only when OSS_PREP_BENCH_ROWS names it).
 * The BF16 GGUF is passed with --gguf so every run calibrates the same file (the conversion, 60 s, is
 * measured by the full-size suite). Needs the checkpoint and GGUF of the full-size suite (or writes them).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { BUILTIN_CALIBRATION_DOCUMENTS, BUILTIN_CALIBRATION_NAME } from "../../src/calib/data/builtinCalibrationText.js";
import { buildCalibrationSequences } from "../../src/calib/data/buildCalibrationSequences.js";
import { readByteLevelBpeEncoder } from "../../src/formats/tokenizer/readByteLevelBpeEncoder.js";
import { packageRoot, sharedDir } from "../../src/util/paths.js";
import { parse, stringify } from "yaml";
import { type Measurement, measureCli } from "../measure.js";
import { table, writeBenchSection } from "../report.js";

const fmtS = (s: number) => (s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`);
const fmtGiB = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;

function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString()}] full-size-calibration: ${message}\n`);
}

interface Row {
  id: RowId;
  label: string;
  tokens: number;
  m: Measurement;
  load: string;
  /** When and at which commit it was measured (rows of earlier runs are kept). */
  date: string;
  commit: string;
}

const ROW_IDS = ["anchor", "prune", "prune-mapped", "awq-16", "awq-128", "build-pruned-15b", "build-awq-4bit"] as const;
type RowId = (typeof ROW_IDS)[number];

/**
 * OSS_PREP_BENCH_ROWS picks the runs (default anchor,prune,awq-16; awq-128 takes ~1.5 h here). Each
 * row is stored in .bench/full-size-calibration.json with its date and commit, and the section shows
 * every stored row, so a partial rerun keeps the others (and says when each was measured).
 */
export async function benchFullSizeCalibration(): Promise<void> {
  const dir = process.env.OSS_PREP_BENCH_DIR ?? join(packageRoot(), ".bench");
  await mkdir(dir, { recursive: true });
  const wanted = (process.env.OSS_PREP_BENCH_ROWS ?? "anchor,prune,awq-16").split(",").map((r) => r.trim());
  for (const id of wanted) if (!(ROW_IDS as readonly string[]).includes(id)) throw new Error(`OSS_PREP_BENCH_ROWS: unknown row ${id} (expected ${ROW_IDS.join(", ")})`);
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
  const store = join(dir, "full-size-calibration.json");
  const rows = new Map<RowId, Row>(existsSync(store) ? (JSON.parse(await readFile(store, "utf8")) as Row[]).map((r) => [r.id, r]) : []);
  const commit = gitCommit();

  // the anchor's tokens: the 16 × 512 sequences AWQ calibrates on by default (built-in text)
  const tokenize = await readByteLevelBpeEncoder({ dir: synth });
  const sequences = buildCalibrationSequences({ documents: BUILTIN_CALIBRATION_DOCUMENTS, tokenize, samples: 16, seqlen: 512, source: BUILTIN_CALIBRATION_NAME });
  const sequencesFile = join(dir, "calibration-16x512.json");
  await writeFile(sequencesFile, JSON.stringify(sequences));
  const calibText = join(dir, "calibration.txt");
  await writeFile(calibText, Array(8).fill(BUILTIN_CALIBRATION_DOCUMENTS.join("\n\n")).join("\n\n"));

  const write = async (): Promise<void> => {
    await writeFile(store, JSON.stringify([...rows.values()], null, 1));
    const anchor = rows.get("anchor");
    const anchorTps = anchor ? anchor.tokens / anchor.m.wallSeconds : undefined;
    const ordered = ROW_IDS.flatMap((id) => (rows.has(id) ? [rows.get(id)!] : []));
    const rss = (m: Measurement) => (m.peakRssAnonBytes !== undefined ? `${fmtGiB(m.peakRssBytes)} (${fmtGiB(m.peakRssAnonBytes)} + ${fmtGiB(m.peakRssFileBytes ?? 0)})` : fmtGiB(m.peakRssBytes));
    const text = [
      "## Calibration at full size (llama engine)",
      "",
      `Synthetic gpt-oss-20b (real shapes, 13.8 GB checkpoint; BF16 GGUF with MXFP4 experts, passed with --gguf), ${threads} threads, CPU only. ` +
        "Each row is one whole process (wall time includes loading the model). Peak RSS is getrusage's maxRSS, with the peaks of its two parts when sampled " +
        "(anonymous: what the process allocated; file: pages of the mmapped GGUF and of read files, shared and reclaimable). " +
        "Load average (1 min) at each start is given: other jobs shared this machine's cores. Rows of different runs say when they were measured; " +
        "\"vs anchor\" divides by the anchor's tokens/s.",
      "",
      table(
        ["run", "tokens", "wall", "CPU", "peak RSS (anon + file)", "tokens/s (whole run)", "vs anchor", "phases (the command's own timings)", "load", "measured"],
        ordered.map((r) => [
          r.label,
          r.tokens.toLocaleString("en-US"),
          fmtS(r.m.wallSeconds),
          r.m.cpuSeconds ? fmtS(r.m.cpuSeconds) : "–",
          r.m.peakRssBytes ? rss(r.m) : "–",
          (r.tokens / r.m.wallSeconds).toFixed(1),
          anchorTps ? `${(r.m.wallSeconds / (r.tokens / anchorTps)).toFixed(2)}×` : "–",
          phases(r.m),
          r.load,
          `${r.date} ${r.commit}`,
        ]),
      ),
      "",
      "Reproduce: `npm run bench -- full-size-calibration` (OSS_PREP_BENCH_ROWS=anchor,prune,prune-mapped,awq-16,awq-128 picks the runs).",
    ].join("\n");
    await writeBenchSection("full-size-calibration", text);
  };

  const out = join(dir, "calib-out");
  await mkdir(out, { recursive: true });
  const pruneArgs = (target: string) => ["prune", synth, "--engine", "llama", "--gguf", gguf, "--calib", calibText, "--calib-tokens", "8192", "--calib-seqlen", "512", "--experts-keep", "22", "-o", target, "--json"];
  const runs: Array<{ id: RowId; label: string; tokens: number; args: string[]; env?: Record<string, string>; cleanup?: string[] }> = [
    { id: "anchor", label: "anchor: node-llama-cpp prompt processing, 16 × 512 tokens", tokens: 8192, args: ["--prompt-anchor", gguf, sequencesFile, String(threads)] },
    {
      id: "prune",
      label: "`oss-prep prune` REAP + FLAP, 8,192 tokens (16 × 512), 22 experts kept, pruned checkpoint written",
      tokens: 8192,
      args: pruneArgs(join(out, "prune")),
    },
    {
      // the same run with llama.cpp's repacked copy of the weights off: what peak RSS is without it, and what it costs in time
      id: "prune-mapped",
      label: "`oss-prep prune` as above, weights mapped only (OSS_PREP_LLAMA_REPACK=0: no repacked copy)",
      tokens: 8192,
      args: pruneArgs(join(out, "prune-mapped")),
      env: { OSS_PREP_LLAMA_REPACK: "0" },
    },
    {
      id: "awq-16",
      label: "`oss-prep awq` 16 × 512 (experts kept): GGUF + AutoAWQ checkpoint written",
      tokens: 8192,
      args: ["awq", synth, "--engine", "llama", "--gguf", gguf, "--samples", "16", "--seqlen", "512", "-o", join(out, "awq-16"), "--json"],
    },
    {
      id: "awq-128",
      label: "`oss-prep awq` 128 × 512 (experts kept): GGUF + AutoAWQ checkpoint written",
      tokens: 65536,
      args: ["awq", synth, "--engine", "llama", "--gguf", gguf, "--calib", calibText, "--samples", "128", "--seqlen", "512", "-o", join(out, "awq-128"), "--json"],
    },
  ];
  // the variants through export: their own stages without eval (CMMLU scoring of a synthetic model
  // measures nothing and would take hours here) and vram (needs a GPU); calibration from the local
  // CMMLU copy as a user offline would give it. Each build's work dir and output are removed after its
  // row (the disk holds one at a time).
  for (const variant of ["pruned-15b", "awq-4bit"] as const) {
    const doc = parse(await readFile(join(packageRoot(), "pipelines", `${variant}.yaml`), "utf8")) as { name: string; stages: Array<{ stage: string }> };
    doc.name = `${variant}-to-export`;
    doc.stages = doc.stages.filter((st) => st.stage !== "eval" && st.stage !== "vram");
    const file = join(dir, `${variant}-to-export.yaml`);
    await writeFile(file, stringify(doc));
    const work = join(dir, `build-work-${variant}`);
    runs.push({
      id: `build-${variant}`,
      label: `\`oss-prep build --variant ${variant}\` without eval/vram, through export (source hashing included)`,
      tokens: variant === "pruned-15b" ? 16384 : 8192,
      // the local CMMLU copy serves the prune calibration (awq-4bit calibrates on the built-in text)
      args: ["build", "--variant", file, "--model", synth, "--work-dir", work, "--out", join(out, `build-${variant}`), ...(variant === "pruned-15b" ? ["--cmmlu-dir", join(sharedDir(), "cmmlu")] : []), "--json"],
      cleanup: [work, join(out, `build-${variant}`)],
    });
  }
  for (const run of runs.filter((r) => wanted.includes(r.id))) {
    log(`${run.label}…`);
    const target = run.args.includes("-o") ? run.args[run.args.indexOf("-o") + 1] : undefined;
    if (target) await rm(target, { recursive: true, force: true });
    for (const path of run.cleanup ?? []) await rm(path, { recursive: true, force: true });
    const l = load();
    const m = await measureCli(run.args, run.env);
    rows.set(run.id, { id: run.id, label: run.label, tokens: run.tokens, m, load: l, date: new Date().toISOString().slice(0, 10), commit });
    log(`${run.label}: ${fmtS(m.wallSeconds)} wall, ${fmtS(m.cpuSeconds)} CPU, ${fmtGiB(m.peakRssBytes)} peak RSS; ${JSON.stringify(m.output?.seconds ?? {})}`);
    await write();
    // nothing reads a run's output afterwards, and each is ~10 GB: the next run needs the disk
    for (const path of [...(target ? [target] : []), ...(run.cleanup ?? [])]) await rm(path, { recursive: true, force: true });
  }
}

/** "forward 10.9 min, search 4.1 min, …" from the command's --json seconds (nested objects flattened). */
function phases(m: Measurement): string {
  const stages = m.output?.stages;
  if (Array.isArray(stages)) {
    return (stages as Array<{ id?: string; seconds?: number; cached?: boolean }>)
      .filter((st) => typeof st.seconds === "number")
      .map((st) => `${st.id} ${fmtS(st.seconds!)}${st.cached ? " (cached)" : ""}`)
      .join(", ");
  }
  const seconds = m.output?.seconds;
  if (!seconds || typeof seconds !== "object") return "–";
  return Object.entries(seconds as Record<string, unknown>)
    .filter(([key, v]) => typeof v === "number" && key !== "total")
    .map(([key, v]) => `${key} ${fmtS(v as number)}`)
    .join(", ");
}

function gitCommit(): string {
  try {
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: packageRoot(), encoding: "utf8" }).trim() !== "";
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: packageRoot(), encoding: "utf8" }).trim() + (dirty ? "+" : "");
  } catch {
    return "?";
  }
}
