/**
 * Quantize a gpt-oss safetensors checkpoint straight to a quantized GGUF in one streaming pass
 * (writeCheckpointGguf), producing the file llama-quantize would write from our BF16 conversion of
 * the checkpoint, byte for byte, without writing that BF16 file:
 * - each tensor's source type is the one it has in the BF16 conversion (MXFP4 experts, F32 norms,
 *   biases, sinks and router, BF16 for the rest), and the recipe plans from those;
 * - values are rounded through BF16 exactly as the conversion stores them (NaNs quieted, F16/F32
 *   sources rounded to nearest even) before they are quantized;
 * - metadata and tensor order are llama-quantize's.
 */
import type { GgufTensorPlan } from "../arch/gpt-oss/index.js";
import { f32ToBf16, requantizeBf16 } from "../formats/float/floatConversions.js";
import { GgmlType } from "../formats/gguf/ggmlTypes.js";
import type { TensorChunk } from "../convert/tensorChunks.js";
import { writeCheckpointGguf, type PlannedTensor } from "../convert/writeCheckpointGguf.js";
import { buildQuantizeResult } from "./buildQuantizeResult.js";
import type { ImportanceMatrix } from "./imatrix/readImatrixGguf.js";
import { imatrixForPlan } from "./imatrixForPlan.js";
import { planQuantization, type ExpertPolicy } from "./planQuantization.js";
import { quantizedGgufMetadata } from "./quantizedGgufMetadata.js";
import type { QuantizeProgress, QuantizeResult } from "./quantizeResult.js";
import type { QuantizeType } from "./recipe/quantizeTypes.js";
import type { TensorTypeDecision } from "./recipe/planTensorTypes.js";

/** The type convertCheckpoint gives a tensor at outtype bf16: what llama-quantize would read. */
function bf16ConversionType(plan: GgufTensorPlan): GgmlType {
  if (plan.source.kind === "mxfp4") return GgmlType.MXFP4;
  return plan.forceF32 ? GgmlType.F32 : GgmlType.BF16;
}

/**
 * A float chunk as the BF16 conversion stores it, for a quantized target. bf16 values are already
 * what the conversion stores, but for the quiet bit it sets on signalling NaNs: that is skipped (a
 * pass over every value) because ggml's quantizers only read inputs through comparisons and
 * arithmetic, where a signalling NaN acts as its quiet form. F16/F32 values are rounded to bf16.
 */
function roundThroughBf16(chunk: TensorChunk, target: GgmlType): TensorChunk {
  if (chunk.bf16) return target === GgmlType.F16 ? { ...chunk, bf16: requantizeBf16(chunk.bf16), f32: undefined } : chunk;
  if (chunk.f32) return { ...chunk, bf16: f32ToBf16(chunk.f32), f32: undefined };
  return chunk;
}

export async function quantizeCheckpoint(params: {
  dir: string;
  outPath: string;
  quantizeType: QuantizeType;
  experts: ExpertPolicy;
  imatrix?: ImportanceMatrix;
  name?: string;
  signal?: AbortSignal;
  onProgress?: (p: QuantizeProgress) => void;
}): Promise<QuantizeResult> {
  const started = performance.now();
  const { quantizeType, experts } = params;
  let decisions: TensorTypeDecision[] = [];
  let imatrix: ReturnType<typeof imatrixForPlan> | undefined;
  const result = await writeCheckpointGguf({
    dir: params.dir,
    outPath: params.outPath,
    experts: "mxfp4",
    fileType: quantizeType.ftype,
    planTensors: (plans, { hp }) => {
      const plan = planQuantization({
        tensors: plans.map((p) => ({ name: p.name, shape: p.shape, type: bf16ConversionType(p) })),
        quantizeType,
        experts,
        nExpert: hp.nExperts,
        nLayer: hp.nLayers,
        hasImatrix: params.imatrix !== undefined,
        where: params.dir,
      });
      decisions = plan.tensors;
      if (params.imatrix) imatrix = imatrixForPlan({ imatrix: params.imatrix, tensors: decisions });
      const byName = new Map(plans.map((p) => [p.name, p]));
      return decisions.map((d): PlannedTensor => ({ plan: byName.get(d.name)!, type: d.type }));
    },
    finalizeMetadata: (kv) => quantizedGgufMetadata({ metadata: kv, fileType: quantizeType.ftype, overrides: imatrix?.metadata }),
    imatrix: (name) => imatrix?.lookup(name),
    prepareChunk: (chunk, planned) =>
      planned.plan.source.kind === "float" && bf16ConversionType(planned.plan) === GgmlType.BF16 && planned.type !== GgmlType.BF16
        ? roundThroughBf16(chunk, planned.type)
        : chunk,
    name: params.name,
    signal: params.signal,
    onProgress: params.onProgress,
  });
  return buildQuantizeResult({
    written: result,
    quantizeType,
    experts,
    input: { kind: "checkpoint", path: params.dir },
    decisions,
    imatrix: params.imatrix && imatrix ? { source: params.imatrix, used: imatrix.used } : undefined,
    startedMs: started,
  });
}
