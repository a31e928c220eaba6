/**
 * Shared types of the AWQ pass: options, per-layer results (what the writers consume) and reports.
 */
import type { AwqGemmTensors } from "./awqGemmLayout.js";

/** AWQ (scale search + clipping) or its baseline, round-to-nearest on the same grid (α = 0, no clipping). */
export const AWQ_METHODS = ["awq", "rtn"] as const;
export type AwqMethod = (typeof AWQ_METHODS)[number];
/** keep: the MXFP4 experts are copied bit-exactly; awq: dequantized and quantized with AWQ too. */
export const AWQ_EXPERT_POLICIES = ["keep", "awq"] as const;
export type AwqExpertPolicy = (typeof AWQ_EXPERT_POLICIES)[number];
export const AWQ_GROUP_SIZES = [32, 64] as const;
/**
 * Rank of the low-rank factor of an input Gram matrix in the α searches (awqScaleLosses; 0: the exact
 * Gram). Chosen by measurement, scripts/awq-gram-rank-check.mjs (docs/awq.md, "Gram factor rank").
 */
export const AWQ_GRAM_RANK = 128;
export type AwqGroupSize = (typeof AWQ_GROUP_SIZES)[number];

/** One scale search: the linears behind one foldable producer. */
export interface AwqScaleReport {
  /** qkv (input_layernorm → q/k/v_proj), o (v_proj → o_proj), mlp (post_attention_layernorm → router and experts' gate_up_proj). */
  group: "qkv" | "o" | "mlp";
  alpha: number;
  /** Mean squared output error per token at the chosen α and at α = 0. */
  loss: number;
  rtnLoss: number;
}

export interface AwqClipReport {
  /** v_proj, o_proj, gate_up_proj, down_proj (experts summed). */
  linear: string;
  lossBefore: number;
  lossAfter: number;
  clippedGroups: number;
  groups: number;
}

export interface AwqLayerReport {
  layer: number;
  scales: AwqScaleReport[];
  clipping: AwqClipReport[];
  /** Wall seconds of this layer's searches and quantization (the forward pass not included). */
  searchSeconds: number;
}

export interface AwqLayerResult {
  layer: number;
  /** HF module name (`model.layers.3.self_attn.q_proj`, `model.layers.3.mlp.experts.5.down_proj`) → its AWQ GEMM tensors. */
  linears: Map<string, AwqGemmTensors>;
  /** HF tensor name → values with AWQ's scales folded in (input_layernorm, v_proj.bias, and with experts awq post_attention_layernorm and the router weight). */
  folded: Map<string, Float32Array>;
  /** The per-input-channel scales chosen (absent for rtn): q/k/v input [hidden], o_proj input [heads·headDim], MoE input [hidden] (experts awq). */
  scales: AwqLayerScales;
  report: AwqLayerReport;
}

export interface AwqLayerScales {
  qkv?: Float32Array;
  o?: Float32Array;
  mlp?: Float32Array;
}

export type AwqProgress =
  | { phase: "forward"; layer: number; nLayers: number; detail: string }
  | { phase: "layer"; layer: number; nLayers: number; report: AwqLayerReport }
  | { phase: "gguf"; bytesWritten: number; totalBytes: number; tensor: string };

/** Calibration sequences unless asked otherwise: 16 × 512 keeps the 2-core CPU run near 15 min at full size; 128 (AutoAWQ's default) is measurably better (docs/quality.md). */
export const AWQ_CALIB_SAMPLES_DEFAULT = 16;
