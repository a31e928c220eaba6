/**
 * What each deployment knob costs in quality, as measured on the trained fixture
 * (../shared/fixtures/tiny-gpt-oss, 21M parameters, 8 layers, 8 experts top-2): the figures
 * `oss-prep fit` ranks its candidates by. docs/quality.md, "Cost of each knob (what `oss-prep fit`
 * ranks by)", shows the same table and how it was measured.
 *
 * Every number here is a measurement, copied from a script's output: quantization and KV cache types
 * from scripts/fit-knob-costs.mjs, pruning from scripts/prune-fixture-variants.mjs (docs/quality.md,
 * "Pruning / Quality on the fixture"). Nothing is interpolated or extrapolated: a setting that was not
 * measured comes back `measured: false` with the reason, and, where one exists, the nearest measured
 * row for the caller to show — never a number standing in for the unmeasured one.
 *
 * The divergence is KL(reference ‖ variant) in nats per position, full vocabulary, llama.cpp (node-llama-cpp
 * 3.21.1) on CPU, over the 0-shot CMMLU prompts of the fixture's trained rows (i%5 != 0, round-robin over
 * subjects, 512-token sequences). Intervals are 95%, sequences as units (positions within a sequence are
 * correlated). These describe the fixture, not gpt-oss-20b: what differs at full size is in each row's
 * `fullSize` note and in docs/quality.md.
 */
import type { ExpertPolicy } from "../quant/expertPolicies.js";
import type { QuantizeTypeName } from "../quant/recipe/quantizeTypes.js";
import type { KvCacheTypeName } from "../vram/kvCacheTypes.js";

export type KnobName = "quant" | "experts-kept" | "heads-kept" | "experts+heads-kept" | "kv-cache";

/** How pruned experts are chosen (`oss-prep prune --score`): REAP is prune's and pruned-15b's default. */
export type ExpertSelection = "reap" | "frequency" | "reap-sum";

export interface KlFigure {
  /** Mean KL per position, nats: the figure to rank by. */
  mean: number;
  /** 95% interval of `mean` (ratio estimator over sequences); absent where the source did not report one. */
  ci95?: readonly [number, number];
  /** Mean over sequences of each sequence's mean KL, and its normal 95% interval (the pruning tables' figure). */
  sequenceMean: { mean: number; ci95: readonly [number, number] };
}

/** The text a row was measured on. */
export interface MeasuredText {
  sequences: number;
  positions: number;
}

export interface Source {
  script: string;
  /** docs/quality.md section with the same figures. */
  section: string;
}

interface RowBase {
  knob: KnobName;
  /** Human-readable setting, as fit prints it. */
  setting: string;
  /** What the variant is compared with. */
  reference: string;
  kl: KlFigure;
  /** Share of positions where both models' most likely next token is the same. */
  top1: number;
  top1Ci95?: readonly [number, number];
  text: MeasuredText;
  source: Source;
  /** CMMLU accuracy where it was measured (0-shot, trained subset, 1340 questions; loss = reference − variant, points). */
  accuracy?: { value: number; ci95: readonly [number, number]; lossPp: number; lossCi95Pp: readonly [number, number] };
  note?: string;
}

export interface QuantRow extends RowBase {
  knob: "quant";
  quantType: QuantizeTypeName;
  experts: ExpertPolicy;
  /** Bits per weight (tensor data × 8 / weights): the fixture's file, and gpt-oss-20b's from the same recipe on its shapes. */
  bitsPerWeight: { fixture: number; gptOss20b: number };
  /** Tensor classes whose type differs at full size (the recipe on gpt-oss-20b's shapes), or undefined if none. */
  fullSize?: string;
}

export interface KvRow extends RowBase {
  knob: "kv-cache";
  /** K and V alike (llama.cpp's --cache-type-k/-v). */
  kvCacheType: KvCacheTypeName;
  /** The same quantized weights with this cache, against BF16 (the row's `kl` is against the same weights with an f16 cache). */
  totalVsBf16: { kl: KlFigure; top1: number };
}

export interface ExpertsRow extends RowBase {
  knob: "experts-kept";
  expertShareKept: number;
  selection: ExpertSelection;
  /** Fixture parameters after pruning, millions, as reported. */
  parametersM: number;
}

export interface HeadsRow extends RowBase {
  knob: "heads-kept";
  headShareKept: number;
  parametersM: number;
}

export interface CombinedPruningRow extends RowBase {
  knob: "experts+heads-kept";
  expertShareKept: number;
  headShareKept: number;
  selection: ExpertSelection;
  parametersM: number;
}

export type KnobMeasurement = QuantRow | KvRow | ExpertsRow | HeadsRow | CombinedPruningRow;

const KNOB_SCRIPT: Source = {
  script: "scripts/fit-knob-costs.mjs",
  section: 'docs/quality.md "Cost of each knob (what `oss-prep fit` ranks by)"',
};
const PRUNE_SCRIPT: Source = { script: "scripts/prune-fixture-variants.mjs", section: 'docs/quality.md "Pruning / Quality on the fixture"' };
const KNOB_TEXT: MeasuredText = { sequences: 207, positions: 16384 };
// the pruning runs used the first half of the same text construction (8192 positions)
const PRUNE_TEXT: MeasuredText = { sequences: 101, positions: 8192 };
const BF16 = "BF16 GGUF of the fixture (MXFP4 experts kept), f16 KV cache";

// On the fixture the recipe's 8-expert rule (llama-quant.cpp: n_expert == 8) puts attn_k and attn_v at Q8_0
// (and Q4_K_M's attn_output at Q5_K); gpt-oss-20b has 32 experts and does not get it.
const EIGHT_EXPERT_Q5 = "attn_k Q8_0 here, Q5_1 at full size; attn_v Q8_0 here, half Q8_0 / half Q5_1 at full size (the fixture's 8 experts trigger llama.cpp's n_expert == 8 rule)";
const EIGHT_EXPERT_Q4 =
  "attn_k Q8_0 here, Q5_0 at full size; attn_v Q8_0 here, half Q8_0 / half Q5_0 at full size; attn_output Q5_K here, Q4_K at full size (llama.cpp's n_expert == 8 rule)";

/** The measurements, in the order docs/quality.md lists them. */
export const MEASURED_KNOB_COSTS: readonly KnobMeasurement[] = [
  {
    knob: "quant",
    setting: "Q8_0, experts keep",
    quantType: "Q8_0",
    experts: "keep",
    reference: BF16,
    kl: { mean: 2.359e-3, ci95: [1.742e-3, 2.976e-3], sequenceMean: { mean: 2.569e-3, ci95: [1.793e-3, 3.346e-3] } },
    top1: 0.9943,
    top1Ci95: [0.993, 0.9955],
    bitsPerWeight: { fixture: 5.377, gptOss20b: 4.627 },
    text: KNOB_TEXT,
    source: KNOB_SCRIPT,
    // the same tensors as MXFP4_MOE, and evaluation is deterministic: that row's CMMLU figures are this file's
    accuracy: { value: 0.849, ci95: [0.829, 0.867], lossPp: 0.2, lossCi95Pp: [-0.2, 0.7] },
    note: "the same tensors as MXFP4_MOE (only general.file_type differs), at both sizes: measured once",
  },
  {
    knob: "quant",
    setting: "Q6_K, experts keep",
    quantType: "Q6_K",
    experts: "keep",
    reference: BF16,
    kl: { mean: 3.392e-3, ci95: [2.461e-3, 4.323e-3], sequenceMean: { mean: 3.515e-3, ci95: [2.496e-3, 4.534e-3] } },
    top1: 0.9935,
    top1Ci95: [0.9921, 0.9948],
    bitsPerWeight: { fixture: 5.269, gptOss20b: 4.601 },
    text: KNOB_TEXT,
    source: KNOB_SCRIPT,
  },
  {
    knob: "quant",
    setting: "Q5_K_M, experts keep",
    quantType: "Q5_K_M",
    experts: "keep",
    reference: BF16,
    kl: { mean: 1.34e-2, ci95: [1.177e-2, 1.503e-2], sequenceMean: { mean: 1.465e-2, ci95: [1.279e-2, 1.65e-2] } },
    top1: 0.9837,
    top1Ci95: [0.9814, 0.986],
    bitsPerWeight: { fixture: 4.928, gptOss20b: 4.477 },
    text: KNOB_TEXT,
    source: KNOB_SCRIPT,
    // docs/quality.md "Quantized variants of the fixture vs BF16" (scripts/eval-fixture-variants.mjs), same questions
    accuracy: { value: 0.849, ci95: [0.829, 0.867], lossPp: 0.2, lossCi95Pp: [-0.8, 1.2] },
    fullSize: EIGHT_EXPERT_Q5,
  },
  {
    knob: "quant",
    setting: "Q4_K_M, experts keep",
    quantType: "Q4_K_M",
    experts: "keep",
    reference: BF16,
    kl: { mean: 1.385e-2, ci95: [1.219e-2, 1.551e-2], sequenceMean: { mean: 1.519e-2, ci95: [1.315e-2, 1.724e-2] } },
    top1: 0.9832,
    top1Ci95: [0.9809, 0.9854],
    bitsPerWeight: { fixture: 4.872, gptOss20b: 4.442 },
    text: KNOB_TEXT,
    source: KNOB_SCRIPT,
    note: "within Q5_K_M's interval on the fixture, where the 8-expert rule keeps attention at Q8_0/Q5_K: expect a larger gap at full size",
    fullSize: EIGHT_EXPERT_Q4,
  },
  {
    knob: "quant",
    setting: "MXFP4_MOE, experts keep",
    quantType: "MXFP4_MOE",
    experts: "keep",
    reference: BF16,
    kl: { mean: 2.359e-3, ci95: [1.742e-3, 2.976e-3], sequenceMean: { mean: 2.569e-3, ci95: [1.793e-3, 3.346e-3] } },
    top1: 0.9943,
    top1Ci95: [0.993, 0.9955],
    bitsPerWeight: { fixture: 5.377, gptOss20b: 4.627 },
    text: KNOB_TEXT,
    source: KNOB_SCRIPT,
    accuracy: { value: 0.849, ci95: [0.829, 0.867], lossPp: 0.2, lossCi95Pp: [-0.2, 0.7] },
    note: "the same tensors as Q8_0 with the experts kept (only general.file_type differs)",
  },
  {
    knob: "quant",
    setting: "Q8_0, experts requant",
    quantType: "Q8_0",
    experts: "requant",
    reference: BF16,
    kl: { mean: 2.604e-3, ci95: [1.96e-3, 3.248e-3], sequenceMean: { mean: 2.867e-3, ci95: [2.088e-3, 3.646e-3] } },
    top1: 0.9947,
    top1Ci95: [0.9934, 0.9959],
    bitsPerWeight: { fixture: 8.596, gptOss20b: 8.51 },
    text: KNOB_TEXT,
    source: KNOB_SCRIPT,
    note: "MXFP4 values are not all on the Q8_0 grid: 1.6× the bits of keeping the experts, and no closer to BF16",
  },
  {
    knob: "quant",
    setting: "Q5_K_M, experts requant",
    quantType: "Q5_K_M",
    experts: "requant",
    reference: BF16,
    kl: { mean: 1.6e-2, ci95: [1.437e-2, 1.763e-2], sequenceMean: { mean: 1.755e-2, ci95: [1.575e-2, 1.935e-2] } },
    top1: 0.981,
    top1Ci95: [0.9786, 0.9834],
    bitsPerWeight: { fixture: 6.57, gptOss20b: 6.457 },
    text: KNOB_TEXT,
    source: KNOB_SCRIPT,
    accuracy: { value: 0.846, ci95: [0.825, 0.864], lossPp: 0.6, lossCi95Pp: [-0.5, 1.7] },
    fullSize: EIGHT_EXPERT_Q5,
  },
  {
    knob: "quant",
    setting: "Q4_K_M, experts requant",
    quantType: "Q4_K_M",
    experts: "requant",
    reference: BF16,
    kl: { mean: 1.62e-2, ci95: [1.462e-2, 1.778e-2], sequenceMean: { mean: 1.755e-2, ci95: [1.562e-2, 1.949e-2] } },
    top1: 0.9803,
    top1Ci95: [0.9779, 0.9828],
    bitsPerWeight: { fixture: 6.198, gptOss20b: 6.041 },
    text: KNOB_TEXT,
    source: KNOB_SCRIPT,
    fullSize: EIGHT_EXPERT_Q4,
  },
  {
    knob: "kv-cache",
    setting: "q8_0",
    kvCacheType: "q8_0",
    reference: "the same Q5_K_M weights (experts kept) with an f16 KV cache",
    kl: { mean: 3.194e-3, ci95: [2.161e-3, 4.227e-3], sequenceMean: { mean: 3.676e-3, ci95: [2.294e-3, 5.057e-3] } },
    top1: 0.9952,
    top1Ci95: [0.9941, 0.9964],
    totalVsBf16: { kl: { mean: 1.341e-2, ci95: [1.182e-2, 1.501e-2], sequenceMean: { mean: 1.45e-2, ci95: [1.277e-2, 1.623e-2] } }, top1: 0.9844 },
    text: KNOB_TEXT,
    source: KNOB_SCRIPT,
    note: "measured on Q5_K_M weights only, sequences of ≤ 512 tokens; against BF16 the combination is as far as Q5_K_M with an f16 cache (1.341e-2 vs 1.340e-2): the two costs do not add",
  },
  {
    knob: "kv-cache",
    setting: "q4_0",
    kvCacheType: "q4_0",
    reference: "the same Q5_K_M weights (experts kept) with an f16 KV cache",
    kl: { mean: 6.087e-2, ci95: [5.644e-2, 6.53e-2], sequenceMean: { mean: 6.65e-2, ci95: [6.196e-2, 7.104e-2] } },
    top1: 0.9623,
    top1Ci95: [0.9584, 0.9663],
    totalVsBf16: { kl: { mean: 6.545e-2, ci95: [6.062e-2, 7.029e-2], sequenceMean: { mean: 7.192e-2, ci95: [6.704e-2, 7.679e-2] } }, top1: 0.9606 },
    text: KNOB_TEXT,
    source: KNOB_SCRIPT,
    note: "measured on Q5_K_M weights only, sequences of ≤ 512 tokens; against BF16 the combination is 6.545e-2 (Q5_K_M alone 1.340e-2)",
  },
  {
    knob: "experts-kept",
    setting: "6 of 8 experts per layer (REAP)",
    expertShareKept: 0.75,
    selection: "reap",
    parametersM: 17.03,
    reference: "the unpruned fixture, BF16 GGUF",
    kl: { mean: 0.584, sequenceMean: { mean: 0.572, ci95: [0.516, 0.627] } },
    top1: 0.82,
    accuracy: { value: 0.647, ci95: [0.621, 0.672], lossPp: 20.4, lossCi95Pp: [18.0, 22.9] },
    text: PRUNE_TEXT,
    source: PRUNE_SCRIPT,
    note:
      "calibration: CMMLU dev questions only (16,384 tokens). With prune's default calibration (CMMLU dev and the built-in text) REAP 8 → 6 measured 1.091 (1.002 – 1.179) " +
      '(per-sequence mean; docs/quality.md "Calibration budget")',
  },
  {
    knob: "experts-kept",
    setting: "6 of 8 experts per layer (frequency)",
    expertShareKept: 0.75,
    selection: "frequency",
    parametersM: 17.03,
    reference: "the unpruned fixture, BF16 GGUF",
    kl: { mean: 0.351, sequenceMean: { mean: 0.332, ci95: [0.284, 0.379] } },
    top1: 0.889,
    accuracy: { value: 0.766, ci95: [0.742, 0.788], lossPp: 8.6, lossCi95Pp: [6.5, 10.6] },
    text: PRUNE_TEXT,
    source: PRUNE_SCRIPT,
    note: "calibration: CMMLU dev questions only. With prune's default calibration: 0.357 (0.308 – 0.406) per-sequence mean",
  },
  {
    knob: "experts-kept",
    setting: "6 of 8 experts per layer (REAP × frequency)",
    expertShareKept: 0.75,
    selection: "reap-sum",
    parametersM: 17.03,
    reference: "the unpruned fixture, BF16 GGUF",
    kl: { mean: 0.309, sequenceMean: { mean: 0.292, ci95: [0.253, 0.332] } },
    top1: 0.903,
    text: PRUNE_TEXT,
    source: PRUNE_SCRIPT,
    note: "calibration: CMMLU dev questions only. With prune's default calibration: 0.315 (0.272 – 0.359) per-sequence mean",
  },
  {
    knob: "experts-kept",
    setting: "4 of 8 experts per layer (REAP)",
    expertShareKept: 0.5,
    selection: "reap",
    parametersM: 13.03,
    reference: "the unpruned fixture, BF16 GGUF",
    kl: { mean: 2.475, sequenceMean: { mean: 2.411, ci95: [2.289, 2.534] } },
    top1: 0.48,
    text: PRUNE_TEXT,
    source: PRUNE_SCRIPT,
    note: "calibration: CMMLU dev questions only; accuracy not measured at this share",
  },
  {
    knob: "experts-kept",
    setting: "4 of 8 experts per layer (frequency)",
    expertShareKept: 0.5,
    selection: "frequency",
    parametersM: 13.03,
    reference: "the unpruned fixture, BF16 GGUF",
    kl: { mean: 1.272, sequenceMean: { mean: 1.21, ci95: [1.113, 1.307] } },
    top1: 0.684,
    text: PRUNE_TEXT,
    source: PRUNE_SCRIPT,
    note: "calibration: CMMLU dev questions only; accuracy not measured at this share",
  },
  {
    knob: "experts-kept",
    setting: "4 of 8 experts per layer (REAP × frequency)",
    expertShareKept: 0.5,
    selection: "reap-sum",
    parametersM: 13.03,
    reference: "the unpruned fixture, BF16 GGUF",
    kl: { mean: 1.228, sequenceMean: { mean: 1.148, ci95: [1.049, 1.246] } },
    top1: 0.699,
    text: PRUNE_TEXT,
    source: PRUNE_SCRIPT,
    note: "calibration: CMMLU dev questions only; accuracy not measured at this share",
  },
  {
    knob: "heads-kept",
    setting: "12 of 16 query heads (FLAP + bias compensation)",
    headShareKept: 0.75,
    parametersM: 20.43,
    reference: "the unpruned fixture, BF16 GGUF",
    kl: { mean: 1.883, sequenceMean: { mean: 1.844, ci95: [1.745, 1.943] } },
    top1: 0.565,
    accuracy: { value: 0.391, ci95: [0.365, 0.417], lossPp: 46.0, lossCi95Pp: [43.0, 49.1] },
    text: PRUNE_TEXT,
    source: PRUNE_SCRIPT,
    note: "removes 2.8% of the fixture's parameters (0.68% of gpt-oss-20b's)",
  },
  {
    knob: "experts+heads-kept",
    setting: "6 of 8 experts (REAP) and 12 of 16 query heads (FLAP + compensation)",
    expertShareKept: 0.75,
    headShareKept: 0.75,
    selection: "reap",
    parametersM: 16.43,
    reference: "the unpruned fixture, BF16 GGUF",
    kl: { mean: 2.52, sequenceMean: { mean: 2.44, ci95: [2.306, 2.573] } },
    top1: 0.48,
    accuracy: { value: 0.364, ci95: [0.339, 0.39], lossPp: 48.7, lossCi95Pp: [45.7, 51.8] },
    text: PRUNE_TEXT,
    source: PRUNE_SCRIPT,
    note: "the acceptance configuration of the prune issue; calibration: CMMLU dev questions only",
  },
];

/** A knob's cost for one candidate: a measurement, the reference itself (no change), or unmeasured with the reason. */
export type KnobCost =
  | {
      knob: KnobName;
      setting: string;
      measured: true;
      /** Mean KL per position (nats) against the row's reference; 0 when the setting is the reference itself. */
      meanKl: number;
      ci95?: readonly [number, number];
      top1: number;
      /** The measurement; absent when the setting is the reference itself. */
      row?: KnobMeasurement;
      note?: string;
    }
  | {
      knob: KnobName;
      setting: string;
      measured: false;
      why: string;
      /** Never set: declared so that callers can read `meanKl` on any entry (no number stands in for an unmeasured one). */
      meanKl?: undefined;
      /** The closest measured setting, for display only: its numbers are not this setting's. */
      nearest?: KnobMeasurement;
    };

// shares are fractions like 0.75 computed by callers (e.g. 24 / 32): equal within rounding
const sameShare = (a: number, b: number) => Math.abs(a - b) < 1e-9;

function fromRow(row: KnobMeasurement, setting: string, note?: string): KnobCost {
  const notes = [note, row.note, "fullSize" in row && row.fullSize ? `full size: ${row.fullSize}` : undefined].filter((n) => n !== undefined);
  return {
    knob: row.knob,
    setting,
    measured: true,
    meanKl: row.kl.mean,
    ...(row.kl.ci95 ? { ci95: row.kl.ci95 } : {}),
    top1: row.top1,
    row,
    ...(notes.length > 0 ? { note: notes.join("; ") } : {}),
  };
}

function reference(knob: KnobName, setting: string, note: string): KnobCost {
  return { knob, setting, measured: true, meanKl: 0, ci95: [0, 0], top1: 1, note };
}

/** The measured share nearest to `share` among `rows`; on a tie the smaller share (the costlier one). */
function nearestShare<T extends KnobMeasurement>(rows: readonly T[], share: number, shareOf: (row: T) => number): T | undefined {
  let best: T | undefined;
  for (const row of rows) {
    const d = Math.abs(shareOf(row) - share);
    const bestD = best ? Math.abs(shareOf(best) - share) : Infinity;
    if (d < bestD - 1e-12 || (Math.abs(d - bestD) <= 1e-12 && best && shareOf(row) < shareOf(best))) best = row;
  }
  return best;
}

function checkShare(name: string, share: number): void {
  if (!(share > 0 && share <= 1)) throw new RangeError(`${name} ${share}: expected a share in (0, 1]`);
}

function quantCost(quantType: QuantizeTypeName, experts: ExpertPolicy): KnobCost {
  const setting = `${quantType}, experts ${experts}`;
  // quantize --type BF16 --experts keep writes the baseline's tensors (checked tensor by tensor on the fixture)
  if (quantType === "BF16" && experts === "keep") return reference("quant", setting, "the reference of every measurement: BF16 with the MXFP4 experts kept");
  const rows = MEASURED_KNOB_COSTS.filter((r): r is QuantRow => r.knob === "quant");
  const exact = rows.find((r) => r.quantType === quantType && r.experts === experts);
  if (exact) return fromRow(exact, setting);
  // the MXFP4_MOE recipe picks MXFP4 for the experts, so requant copies them too (byte-identical file on the fixture)
  const keep = quantType === "MXFP4_MOE" ? rows.find((r) => r.quantType === "MXFP4_MOE" && r.experts === "keep") : undefined;
  if (keep) return fromRow(keep, setting, "MXFP4_MOE keeps the MXFP4 experts under both policies: the same file as experts keep");
  const measured = rows.map((r) => r.setting).join("; ");
  return { knob: "quant", setting, measured: false, why: `${setting} was not measured on the fixture (measured: ${measured})` };
}

function kvCost(kvCacheType: KvCacheTypeName): KnobCost {
  if (kvCacheType === "f16") return reference("kv-cache", kvCacheType, "the cache type of every other measurement");
  const row = MEASURED_KNOB_COSTS.find((r): r is KvRow => r.knob === "kv-cache" && r.kvCacheType === kvCacheType);
  if (row) return fromRow(row, kvCacheType);
  return { knob: "kv-cache", setting: kvCacheType, measured: false, why: `a ${kvCacheType} KV cache was not measured on the fixture (measured: f16, q8_0, q4_0)` };
}

function expertsCost(share: number, selection: ExpertSelection): KnobCost {
  const setting = `${share} of each layer's experts (${selection})`;
  if (sameShare(share, 1)) return reference("experts-kept", "all experts", "no pruning");
  const rows = MEASURED_KNOB_COSTS.filter((r): r is ExpertsRow => r.knob === "experts-kept" && r.selection === selection);
  const exact = rows.find((r) => sameShare(r.expertShareKept, share));
  if (exact) return fromRow(exact, setting);
  const nearest = nearestShare(rows, share, (r) => r.expertShareKept);
  const measured = rows.map((r) => r.expertShareKept).join(" and ");
  return {
    knob: "experts-kept",
    setting,
    measured: false,
    why:
      `expert share ${share} was not measured: the fixture has 8 experts per layer, measured shares ${measured}; ` +
      (nearest ? `the nearest, ${nearest.expertShareKept} (${nearest.setting}), is shown, not interpolated` : "none to show"),
    ...(nearest ? { nearest } : {}),
  };
}

function headsCost(share: number): KnobCost {
  const setting = `${share} of the query heads (FLAP + compensation)`;
  if (sameShare(share, 1)) return reference("heads-kept", "all query heads", "no head pruning");
  const rows = MEASURED_KNOB_COSTS.filter((r): r is HeadsRow => r.knob === "heads-kept");
  const exact = rows.find((r) => sameShare(r.headShareKept, share));
  if (exact) return fromRow(exact, setting);
  const nearest = nearestShare(rows, share, (r) => r.headShareKept);
  return {
    knob: "heads-kept",
    setting,
    measured: false,
    why: `query-head share ${share} was not measured (measured: 0.75, 12 of 16)${nearest ? `; the nearest, ${nearest.headShareKept}, is shown, not interpolated` : ""}`,
    ...(nearest ? { nearest } : {}),
  };
}

/**
 * The measured quality cost of each knob of one candidate, one entry per knob: quantization type and
 * expert policy, experts kept, query heads kept (only when `headShareKept` is given), KV cache type.
 * When experts and heads are both pruned and that combination was measured, one "experts+heads-kept"
 * entry replaces the two (their costs do not add: 0.584 + 1.883 separately, 2.520 together).
 *
 * Each measured entry's `meanKl` is against that knob's own reference (BF16 for weights and pruning; the
 * same weights with an f16 cache for the KV type); combining knobs by adding them is the caller's stated
 * approximation, not a measurement. Unmeasured settings say why and carry no number of their own.
 */
export function knobCost(params: {
  quantType: QuantizeTypeName;
  experts: ExpertPolicy;
  /** Share of each layer's experts kept: 1 (no pruning), 0.75, 0.5 … */
  expertShareKept: number;
  kvCacheType: KvCacheTypeName;
  /** Share of query heads kept; omitted: heads are not a knob of this candidate. */
  headShareKept?: number;
  /** How experts are chosen when pruned (default "reap", prune's default). */
  expertSelection?: ExpertSelection;
}): KnobCost[] {
  const selection = params.expertSelection ?? "reap";
  checkShare("expertShareKept", params.expertShareKept);
  if (params.headShareKept !== undefined) checkShare("headShareKept", params.headShareKept);
  const costs = [quantCost(params.quantType, params.experts)];
  const pruneExperts = !sameShare(params.expertShareKept, 1);
  const pruneHeads = params.headShareKept !== undefined && !sameShare(params.headShareKept, 1);
  const combined =
    pruneExperts && pruneHeads
      ? MEASURED_KNOB_COSTS.find(
          (r): r is CombinedPruningRow =>
            r.knob === "experts+heads-kept" && r.selection === selection && sameShare(r.expertShareKept, params.expertShareKept) && sameShare(r.headShareKept, params.headShareKept!),
        )
      : undefined;
  if (combined) {
    costs.push(fromRow(combined, `${params.expertShareKept} of each layer's experts (${selection}), ${params.headShareKept} of the query heads`));
  } else {
    const experts = expertsCost(params.expertShareKept, selection);
    const heads = params.headShareKept === undefined ? undefined : headsCost(params.headShareKept);
    const unmeasuredCombination = "this combination of expert and head pruning was not measured together; each entry is its knob alone";
    const withNote = (c: KnobCost): KnobCost => (pruneExperts && pruneHeads && c.measured ? { ...c, note: c.note ? `${c.note}; ${unmeasuredCombination}` : unmeasuredCombination } : c);
    costs.push(withNote(experts));
    if (heads) costs.push(withNote(heads));
  }
  costs.push(kvCost(params.kvCacheType));
  return costs;
}
