/**
 * `oss-prep fit`: the inverse of `plan`. Given the user's GPUs (and optionally host RAM), a context and
 * a number of parallel sequences, enumerate the deployable variants of a gpt-oss model — quantization
 * type × expert policy × experts kept (pruning) × KV cache type — place each with the fewest layers'
 * experts in host memory that makes it fit (llama.cpp's --n-cpu-moe), and rank what fits by measured
 * quality cost, then by the decode model's speed (or the other way round with prefer: "speed").
 * Everything here is arithmetic on tensor shapes: no file is read per candidate.
 */
import type { ExpertPolicy } from "../quant/expertPolicies.js";
import type { QuantizeTypeName } from "../quant/recipe/quantizeTypes.js";
import type { KvCacheTypeName } from "../vram/kvCacheTypes.js";
import { llamaServerArgs } from "../vram/llamaServerArgs.js";
import { type VramPlan, type VramPlanGpu, planVram } from "../vram/planVram.js";
import { type DecodeCost, estimateDecodeCost } from "./estimateDecodeCost.js";
import { FIT_EXPERT_SHARES, FIT_KV_CACHE_TYPES, FIT_QUANT_CHOICES } from "./fitChoices.js";
import type { ModelShapes } from "./loadModelShapes.js";
import { type KnobCost, knobCost } from "./measuredKnobCosts.js";
import { planInputsForChoice } from "./planInputsForChoice.js";

export interface FitRequest {
  gpus: readonly VramPlanGpu[];
  /** Tokens of context each sequence can use. */
  ctx: number;
  parallel: number;
  /** Host memory available to llama.cpp (MiB); undefined: not limited, the RAM needed is reported. */
  ramMiB?: number;
  prefer: "quality" | "speed";
  runtimeOverheadMiB?: number;
}

export interface FitCandidate {
  quantType: QuantizeTypeName;
  experts: ExpertPolicy;
  /** Experts kept per layer, and the share of the model's that is. */
  nExperts: number;
  expertShare: number;
  kvCacheType: KvCacheTypeName;
  /** llama.cpp's --n-cpu-moe: the experts of layers 0 … N − 1 in host memory. */
  cpuMoeLayers: number;
  plan: VramPlan;
  decode: DecodeCost;
  quality: { costs: KnobCost[]; meanKl: number; complete: boolean };
  fits: boolean;
  /** GPU memory missing (sum over GPUs) and host memory missing (against ramMiB), MiB; 0 when it fits. */
  shortfall: { gpuMiB: number; hostMiB: number };
  /** llama.cpp's --tensor-split when the default split does not fit (two GPUs). */
  tensorSplit?: number[];
  /** llama-server's command line that realises the placement (model path left as a placeholder). */
  commandLine: string;
  /** Why it ranks where it does, in words. */
  reason: string;
}

export interface FitResult {
  model: string;
  request: FitRequest;
  /** What fits, best first. */
  ranked: FitCandidate[];
  /** Combinations that fit in no placement, each at its closest one (all experts in host memory). */
  rejected: FitCandidate[];
  /** When nothing fits: the candidate short by the least memory. */
  closest?: FitCandidate;
  considered: number;
}

/** The variants, placements and ranking; see the module comment. */
export function fitVariants(params: { model: ModelShapes; request: FitRequest }): FitResult {
  const { model, request } = params;
  const { hp } = model;
  const ranked: FitCandidate[] = [];
  const rejected: FitCandidate[] = [];
  let considered = 0;
  for (const share of FIT_EXPERT_SHARES) {
    const keep = Math.round(hp.nExperts * share);
    // pruning below top-k is impossible, and a share that rounds to the full count prunes nothing
    if (share < 1 && (keep < hp.nExpertsUsed || keep >= hp.nExperts)) continue;
    for (const { quantType, experts } of FIT_QUANT_CHOICES) {
      const inputs = planInputsForChoice({ shapes: model, choice: { ...(share < 1 && { prune: { expertsKeep: { count: keep } } }), quantize: { type: quantType, experts } } });
      const tensors = inputs.tensors;
      for (const kvCacheType of FIT_KV_CACHE_TYPES) {
        const quality = qualityOf({ quantType, experts, share, kvCacheType });
        let last: FitCandidate | undefined;
        // the fewest layers' experts on the CPU that fit: more only costs speed
        for (let n = 0; n <= hp.nLayers; n++) {
          const planAt = (tensorSplit?: number[]) => {
            considered++;
            return planVram({
              model: inputs.model,
              tensors,
              gpus: request.gpus,
              ctx: request.ctx * request.parallel,
              parallel: request.parallel,
              kvUnified: true,
              cpuMoeLayers: n,
              cacheTypeK: kvCacheType,
              cacheTypeV: kvCacheType,
              runtimeOverheadMiB: request.runtimeOverheadMiB,
              tensorSplit,
            });
          };
          let plan = planAt();
          let tensorSplit: number[] | undefined;
          // several GPUs: llama.cpp splits by layer count, so --n-cpu-moe empties the first GPU's layers
          // first; -ts (layers per GPU, n_layer + 1 with the output layer) can balance them
          if (!plan.fits && request.gpus.length > 1) {
            const better = request.gpus.length === 2 ? bestTwoGpuSplit(hp.nLayers, planAt) : greedySplit(plan, hp.nLayers, planAt);
            if (better) ({ plan, split: tensorSplit } = better);
          }
          const gpuMiB = plan.gpus.reduce((s, g) => s + Math.max(0, -g.headroomMiB), 0);
          const hostMiB = request.ramMiB === undefined ? 0 : Math.max(0, plan.host.requiredMiB - request.ramMiB);
          const decode = estimateDecodeCost({ tensors, nExperts: keep, nExpertsUsed: hp.nExpertsUsed, cpuMoeLayers: n });
          last = {
            quantType,
            experts,
            nExperts: keep,
            expertShare: share,
            kvCacheType,
            cpuMoeLayers: n,
            ...(tensorSplit && { tensorSplit }),
            plan,
            decode,
            quality,
            fits: gpuMiB === 0 && hostMiB === 0,
            shortfall: { gpuMiB, hostMiB },
            commandLine: commandLine(plan),
            reason: "",
          };
          // more experts on the CPU only adds host memory: once the host is short, it stays short
          if (last.fits || hostMiB > 0) break;
        }
        if (last) (last.fits ? ranked : rejected).push(last);
      }
    }
  }
  ranked.sort(request.prefer === "speed" ? bySpeedThenQuality : byQualityThenSpeed);
  for (const c of ranked) c.reason = explain(c, request);
  for (const c of rejected) c.reason = explainShortfall(c, request);
  // the least memory short; among equals, the better quality (pruning does not shrink what stays on the GPU)
  const closest = ranked.length === 0 ? [...rejected].sort((a, b) => total(a.shortfall) - total(b.shortfall) || byQualityThenSpeed(a, b))[0] : undefined;
  return { model: model.name, request, ranked, rejected, closest, considered };
}

const total = (s: { gpuMiB: number; hostMiB: number }) => s.gpuMiB + s.hostMiB;

/** The fullest GPU's share of its capacity. */
const fullest = (plan: VramPlan) => Math.max(...plan.gpus.map((g) => g.totalMiB / g.capacityMiB));

/** Two GPUs: every boundary (k layers on GPU 0); of the splits that fit, the one whose fullest GPU is least full. */
function bestTwoGpuSplit(nLayers: number, planAt: (split: number[]) => VramPlan): { plan: VramPlan; split: number[] } | undefined {
  let best: { plan: VramPlan; split: number[] } | undefined;
  for (let k = 1; k <= nLayers; k++) {
    const split = [k, nLayers + 1 - k];
    const plan = planAt(split);
    if (plan.fits && (!best || fullest(plan) < fullest(best.plan))) best = { plan, split };
  }
  return best;
}

/**
 * Three GPUs or more: from llama.cpp's own split, move one layer at a time from the GPU most over its
 * capacity to the one with the most room (layer counts per GPU keep the ranges contiguous), until it
 * fits or no move helps; bounded by (n_layer + 1) × GPUs moves.
 */
function greedySplit(start: VramPlan, nLayers: number, planAt: (split: number[]) => VramPlan): { plan: VramPlan; split: number[] } | undefined {
  const counts = start.gpus.map((g) => (g.layers ? g.layers[1] - g.layers[0] + 1 : 0) + (g.outputLayer ? 1 : 0));
  let plan = start;
  for (let step = 0; step < (nLayers + 1) * counts.length; step++) {
    const over = plan.gpus.reduce((a, g) => (g.totalMiB - g.capacityMiB > a.totalMiB - a.capacityMiB ? g : a));
    const room = plan.gpus.reduce((a, g) => (g.headroomMiB > a.headroomMiB ? g : a));
    if (over.gpu === room.gpu || counts[over.gpu] <= 1 || room.headroomMiB <= 0) return undefined;
    counts[over.gpu]--;
    counts[room.gpu]++;
    plan = planAt([...counts]);
    if (plan.fits) return { plan, split: [...counts] };
  }
  return undefined;
}


function qualityOf(params: { quantType: QuantizeTypeName; experts: ExpertPolicy; share: number; kvCacheType: KvCacheTypeName }): FitCandidate["quality"] {
  const costs = knobCost({ quantType: params.quantType, experts: params.experts, expertShareKept: params.share, kvCacheType: params.kvCacheType });
  // KL divergences of small, independent perturbations add to first order: the stated way to combine knobs
  return { costs, meanKl: costs.reduce((s, c) => s + (c.meanKl ?? 0), 0), complete: costs.every((c) => c.measured) };
}

/** Unmeasured costs rank after every fully measured candidate: unknown is not free. */
function byQualityThenSpeed(a: FitCandidate, b: FitCandidate): number {
  return Number(!a.quality.complete) - Number(!b.quality.complete) || a.quality.meanKl - b.quality.meanKl || a.decode.relativeTime - b.decode.relativeTime || gpuTotal(a) - gpuTotal(b);
}

function bySpeedThenQuality(a: FitCandidate, b: FitCandidate): number {
  // speeds within 2% are a tie: the model is not that precise, quality decides
  const speed = Math.abs(a.decode.relativeTime - b.decode.relativeTime) > 0.02 ? a.decode.relativeTime - b.decode.relativeTime : 0;
  return speed || Number(!a.quality.complete) - Number(!b.quality.complete) || a.quality.meanKl - b.quality.meanKl || gpuTotal(a) - gpuTotal(b);
}

const gpuTotal = (c: FitCandidate) => c.plan.gpus.reduce((s, g) => s + g.totalMiB, 0);

/**
 * llama-server's command line under which the plan holds (llamaServerArgs: -fa on, the ubatch, -fit off
 * so llama.cpp's own fitting does not move what was planned, -ts and the placement flags), for chat.
 */
function commandLine(plan: VramPlan): string {
  return ["llama-server", "-m", "<model.gguf>", ...llamaServerArgs(plan.settings), "--jinja"].join(" ");
}

const mib = (x: number) => `${Math.round(x).toLocaleString("en-US")} MiB`;


function explain(c: FitCandidate, request: FitRequest): string {
  const gpu = c.plan.gpus.map((g) => `${mib(g.totalMiB)} of ${mib(g.capacityMiB)}`).join(" + ");
  // knobs left at the reference (all experts, f16 cache) cost nothing: only the others are listed
  const quality =
    c.quality.costs
      .filter((k) => !k.measured || (k.meanKl ?? 0) > 0)
      .map((k) => (k.measured ? `${k.knob} ${k.setting}: KL ${k.meanKl?.toExponential(1)}` : `${k.knob} ${k.setting}: not measured`))
      .join("; ") || "none";
  const speed = c.cpuMoeLayers ? `decode ≈ ${c.decode.relativeTime.toFixed(1)}× the all-GPU time (model: GPU bandwidth 10× host)` : "decode at GPU speed";
  const ram = `host RAM ${mib(c.plan.host.requiredMiB)}${request.ramMiB !== undefined ? ` of ${mib(request.ramMiB)}` : ""}`;
  return `GPU ${gpu}; ${ram}; ${speed}; quality cost (fixture, mean KL vs BF16) ${quality}`;
}

function explainShortfall(c: FitCandidate, request: FitRequest): string {
  if (c.shortfall.hostMiB > 0) return `host RAM short by ${mib(c.shortfall.hostMiB)} with the experts of ${c.cpuMoeLayers} layers on the CPU (needs ${mib(c.plan.host.requiredMiB)} of ${mib(request.ramMiB ?? 0)})`;
  return `GPU memory short by ${mib(c.shortfall.gpuMiB)} even with every layer's experts on the CPU`;
}
