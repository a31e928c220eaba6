/**
 * AWQ (issue 9): `oss-prep awq` on the tiny fixture (whole command: wall, CPU, peak RSS; forward and
 * search times from awq_report.json), and a projection to gpt-oss-20b from one sliding and one full
 * layer of its real shapes (random weights, experts as random MXFP4) run through the same code path
 * (searchGptOssAwq with a synthetic weight provider), plus one expert's search for `--experts awq`.
 * The real-size measurements run in a child process so peak RSS is their own.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createOrtMatmulBackend } from "../../src/calib/createOrtMatmulBackend.js";
import type { GptOssWeightProvider } from "../../src/calib/gptOssWeights.js";
import { addLinearInputRows } from "../../src/awq/addLinearInputRows.js";
import { awqScaleCandidates } from "../../src/awq/awqScaleCandidates.js";
import { awqScaleLosses } from "../../src/awq/awqScaleLosses.js";
import { gramDiagonalBlocks } from "../../src/awq/gramDiagonalBlocks.js";
import { createLinearInputStatistics } from "../../src/awq/linearInputStatistics.js";
import { packAwqGemm } from "../../src/awq/packAwqGemm.js";
import { quantizeAwqGroups } from "../../src/awq/quantizeAwqGroups.js";
import { searchAwqClip } from "../../src/awq/searchAwqClip.js";
import { searchGptOssAwq } from "../../src/awq/searchGptOssAwq.js";
import { sharedDir } from "../../src/util/paths.js";
import { machineThreads } from "../../src/util/threads.js";
import { REAL_LAYERS, randomFloats, syntheticGptOssWeights } from "../syntheticGptOssWeights.js";
import { measureCli, runJsonChild } from "../measure.js";
import { fmtDuration, fmtMiB, fmtSeconds, table, writeBenchSection } from "../report.js";

const CHILD_FLAG = "--awq-child";
const DEFAULT_TOKENS = 16 * 512;

interface ChildResult {
  tokens: number;
  /** Per layer: forward seconds (engine, experts dequantized included) and search seconds. */
  layers: Array<{ forward: number; search: number }>;
  /** Seconds spent dequantizing experts, both layers: a fixed cost per layer, not per token. */
  dequantSeconds: number;
  /** Seconds to add `tokens` rows to the q/k/v-input and o-input statistics (the token-proportional part of the search). */
  statsSeconds: number;
  /** One expert under --experts awq at `expertTokens` routed tokens: α losses, clipping of gate_up and down, quantization. */
  expert: { tokens: number; seconds: number };
  cpuSeconds: number;
  peakRssBytes: number;
}

async function runChild(tokens: number): Promise<ChildResult> {
  const cpu0 = process.cpuUsage();
  const backend = await createOrtMatmulBackend();
  const synthetic = syntheticGptOssWeights();
  let dequantSeconds = 0;
  const weights: GptOssWeightProvider = {
    ...synthetic,
    async expert(layer, expert) {
      const t = performance.now();
      const w = await synthetic.expert(layer, expert);
      dequantSeconds += (performance.now() - t) / 1000;
      return w;
    },
  };
  const sequences = Array.from({ length: tokens / 512 }, () => Array.from({ length: 512 }, (_, i) => i % 1024));
  const marks: number[] = [performance.now()];
  const searches: number[] = [];
  await searchGptOssAwq({
    dir: "synthetic", weights, sequences, groupSize: 32, experts: "keep", method: "awq", backend,
    onLayer: async (r) => {
      marks.push(performance.now());
      searches.push(r.report.searchSeconds);
    },
  });
  const layers = searches.map((search, i) => ({ forward: (marks[i + 1] - marks[i]) / 1000 - search, search }));

  // the token-proportional part of the search: statistics of both attention inputs
  const x = randomFloats(tokens * 2880, 1);
  const o = randomFloats(tokens * 4096, 1);
  let t0 = performance.now();
  await addLinearInputRows({ stats: createLinearInputStatistics({ cols: 2880 }), x, n: tokens, backend });
  await addLinearInputRows({ stats: createLinearInputStatistics({ cols: 4096 }), x: o, n: tokens, backend });
  const statsSeconds = (performance.now() - t0) / 1000;

  // one expert of --experts awq: tokens·top-k/experts routed tokens
  const expertTokens = (DEFAULT_TOKENS * 4) / 32;
  const ew = await weights.expert(0, 0);
  t0 = performance.now();
  const input = createLinearInputStatistics({ cols: 2880, keepRows: true });
  const downInput = createLinearInputStatistics({ cols: 2880, keepRows: true });
  await addLinearInputRows({ stats: input, x: randomFloats(expertTokens * 2880, 1), n: expertTokens, backend });
  await addLinearInputRows({ stats: downInput, x: randomFloats(expertTokens * 2880, 1), n: expertTokens, backend });
  const candidates = awqScaleCandidates({ meanAbs: input.sumAbs.map((v) => v / expertTokens) });
  await awqScaleLosses({ weight: ew.gateUp, rows: 5760, cols: 2880, groupSize: 32, stats: input, candidates, backend });
  const gateClip = await searchAwqClip({ weight: ew.gateUp, rows: 5760, cols: 2880, groupSize: 32, blocks: gramDiagonalBlocks({ stats: input, groupSize: 32 }), backend });
  packAwqGemm({ weight: quantizeAwqGroups({ weight: ew.gateUp, rows: 5760, cols: 2880, groupSize: 32, clipMax: gateClip.clipMax }) });
  const downClip = await searchAwqClip({ weight: ew.down, rows: 2880, cols: 2880, groupSize: 32, blocks: gramDiagonalBlocks({ stats: downInput, groupSize: 32 }), backend });
  packAwqGemm({ weight: quantizeAwqGroups({ weight: ew.down, rows: 2880, cols: 2880, groupSize: 32, clipMax: downClip.clipMax }) });
  const expertSeconds = (performance.now() - t0) / 1000;
  await backend.dispose();
  const cpu = process.cpuUsage(cpu0);
  return { tokens, layers, dequantSeconds, statsSeconds, expert: { tokens: expertTokens, seconds: expertSeconds }, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
}

function measureChild(tokens: number): Promise<ChildResult> {
  return runJsonChild<ChildResult>({ moduleUrl: import.meta.url, args: [CHILD_FLAG, String(tokens)], label: "awq bench" });
}

export async function benchAwq(): Promise<void> {
  const loadBefore = loadavg()[0];
  const fixture = join(sharedDir(), "fixtures", "tiny-gpt-oss");
  const dir = await mkdtemp(join(tmpdir(), "oss-prep-bench-awq-"));
  const fixtureRows: Array<Array<string | number>> = [];
  try {
    const runs = [
      { label: "awq, experts keep", args: [] as string[], stem: "tiny-gpt-oss-awq-g32" },
      { label: "rtn, experts keep", args: ["--method", "rtn"], stem: "tiny-gpt-oss-rtn-g32" },
      { label: "awq, experts awq", args: ["--experts", "awq"], stem: "tiny-gpt-oss-awq-g32-experts-awq" },
    ];
    for (const run of runs) {
      const out = join(dir, run.stem);
      const m = await measureCli(["awq", fixture, ...run.args, "-o", out, "--json"]);
      const report = JSON.parse(readFileSync(join(out, run.stem, "awq_report.json"), "utf8"));
      const calib = report.calibration ? `${report.calibration.samples} × ${report.calibration.seqlen}` : "–";
      fixtureRows.push([run.label, calib, `${fmtSeconds(report.seconds.forward)} s`, `${fmtSeconds(report.seconds.search)} s`, `${fmtSeconds(m.wallSeconds)} s`, `${fmtSeconds(m.cpuSeconds)} s`, fmtMiB(m.peakRssBytes)]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const tokens = 1024;
  const r = await measureChild(tokens);
  const [sliding, full] = r.layers;
  // per layer: forward = fixed (32 experts dequantized) + per token; search = constant + statistics (∝ tokens)
  const searchConstant = (sliding.search + full.search) / 2 - r.statsSeconds;
  const dequantPerLayer = r.dequantSeconds / 2;
  const forwardPerToken = ((sliding.forward + full.forward) / 2 - dequantPerLayer) / tokens;
  const projected = (calibTokens: number, expertsAwq: boolean) => {
    const forward = (forwardPerToken * calibTokens + dequantPerLayer) * REAL_LAYERS;
    // the expert figure was measured at the default calibration's routed tokens (only projected for it)
    const search = (searchConstant + (r.statsSeconds * calibTokens) / tokens + (expertsAwq ? 32 * r.expert.seconds : 0)) * REAL_LAYERS;
    return { forward, search };
  };
  const projections: Array<Array<string | number>> = [];
  for (const [count, length, expertsAwq] of [[16, 512, false], [128, 512, false], [16, 512, true]] as const) {
    const p = projected(count * length, expertsAwq);
    projections.push([`${count} × ${length}`, expertsAwq ? "awq" : "keep", fmtDuration(p.forward), fmtDuration(p.search), fmtDuration(p.forward + p.search), `${((2 * count * length * 2880 * 4) / 2 ** 30).toFixed(2)} GiB`]);
  }
  const loadAfter = loadavg()[0];
  await writeBenchSection(
    "awq",
    `## AWQ (\`oss-prep awq\`, issue 9)

The tiny fixture, whole command (process start to exit, one run each), default calibration (the built-in text, 16 × 512 tokens),
group 32, onnxruntime-node with ${machineThreads()} threads for the products. Forward = the calibration engine's pass; search = statistics, scale
and clipping searches and quantization. Load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after the suite (wall times are only
comparable at a similar load).

${table(["run", "calibration", "forward", "search", "wall", "CPU", "peak RSS"], fixtureRows)}

gpt-oss-20b's shapes: one sliding and one full layer (hidden 2880, 64/8 heads of 64, 32 experts of 2880, random weights,
experts random MXFP4) through the same code (\`searchGptOssAwq\`, experts kept) over ${r.tokens} tokens, in a child process:

${table(["layer", "forward", "search"], [["sliding", `${fmtSeconds(sliding.forward)} s`, `${fmtSeconds(sliding.search)} s`], ["full", `${fmtSeconds(full.forward)} s`, `${fmtSeconds(full.search)} s`]])}

The forward includes dequantizing the 32 experts (${fmtSeconds(dequantPerLayer)} s per layer, whatever the token count). Of the search, ${fmtSeconds(r.statsSeconds)} s per layer is the input statistics (Gram matrices of the q/k/v and o_proj inputs, ∝ tokens); the
rest (the 2 × 20 candidate scales, each an output-error product ΔW·G through onnxruntime, and the clipping search in TypeScript) does not
depend on the calibration size. One expert under \`--experts awq\` (${r.expert.tokens} routed tokens: 20 candidate losses, clipping of
gate_up_proj and down_proj, quantization) takes ${fmtSeconds(r.expert.seconds)} s, so 32 per layer. Child process: ${fmtSeconds(r.cpuSeconds)} s CPU, peak RSS ${fmtMiB(r.peakRssBytes)}.

Projected full run (24 layers × (forward per token and layer × tokens + dequantizing + search per layer as above); the residual
stream and MoE input are the activations held). At the load average above these are upper bounds: the child's CPU time is
well under its wall time.

The wall time is dominated by the candidate-scale products, not by the calibration pass: 40 products of [rows, 2880 or
4096] by the Gram matrix per layer, 3.6 TFLOP, whatever the calibration size. With \`--experts awq\`, the same for 32 experts
(their α losses and TypeScript clipping of 24.9 M weights each) multiplies the search per layer by
${((32 * r.expert.seconds) / ((sliding.search + full.search) / 2) + 1).toFixed(0)}: that option is for small models and hosts with time to spare.

${table(["calibration", "experts", "forward", "search", "total", "activations"], projections)}

Peak memory of a real run is the activations above plus one layer's attention weights and statistics (two Gram matrices,
2880² and 4096² float64: 0.2 GiB), one dequantized expert, and with \`--experts awq\` one layer's packed expert tensors (≈ 0.4 GiB).
The GGUF is written afterwards by the converter's streaming pass (memory bounded by a few chunks).`,
  );
}

if (process.argv[2] === CHILD_FLAG) {
  const result = await runChild(Number(process.argv[3]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
