/**
 * gpt-oss HF → GGUF tensor map, and the ordered list of GGUF tensors a conversion writes.
 *
 * llama.cpp's converter (convert_hf_to_gguf.py + conversion/gpt_oss.py) fixes three things we match:
 * - names: HF `model.layers.N.self_attn.q_proj.weight` → `blk.N.attn_q.weight`, etc.;
 * - the fused experts: `gate_up_proj_{blocks,scales,bias}` interleave gate and up by row, so gate is
 *   rows 0,2,4… and up rows 1,3,5… (for the bias: elements along the last axis);
 * - order: MXFP4 expert weights first (its generate_extra_tensors pass), then every other tensor;
 *   both passes walk shards in sorted file-name order and, within a shard, tensor names sorted by
 *   code point (so `layers.10` comes before `layers.2`).
 */
import { InvalidInputError } from "../../errors.js";
import type { GptOssHyperparameters } from "./hyperparameters.js";

export interface HfTensorRef {
  name: string;
  dtype: string;
  shape: readonly number[];
  /** Shard file holding the tensor (orders the conversion). */
  file: string;
}

export type ExpertProjection = "gate" | "up" | "down";

/** Where a GGUF tensor's values come from. */
export type GgufTensorSource =
  /** MXFP4 experts: HF blocks + scales; `parity` selects gate (0) or up (1) rows of the fused gate_up. */
  | { kind: "mxfp4"; blocks: string; scales: string; parity?: 0 | 1; nExperts: number; rows: number; cols: number }
  /** A float tensor (BF16/F16/F32), optionally taking every other element of the last axis. */
  | { kind: "float"; tensor: string; dtype: string; lastAxisParity?: 0 | 1 };

/** What role a tensor plays: quantization recipes and reports group by it. */
export type GgufTensorRole =
  | "token_embd"
  | "output"
  | "output_norm"
  | "attn_norm"
  | "post_attention_norm"
  | "attn_q"
  | "attn_k"
  | "attn_v"
  | "attn_output"
  | "attn_sinks"
  | "ffn_gate_inp"
  | "ffn_gate_exps"
  | "ffn_up_exps"
  | "ffn_down_exps";

export interface GgufTensorPlan {
  name: string;
  role: GgufTensorRole;
  /** "weight" or "bias". */
  suffix: "weight" | "bias";
  /** Layer index, when the tensor belongs to a block. */
  layer?: number;
  /** Shape in ggml order (ne0 = the contiguous row length first). */
  shape: number[];
  source: GgufTensorSource;
  /**
   * True where llama.cpp's converter forces F32 whatever the outtype: 1-D tensors, norms, every
   * tensor not named `.weight` (biases), and the router weight (FFN_GATE_INP).
   */
  forceF32: boolean;
}

const LAYER_RE = /^model\.layers\.(\d+)\.(.+)$/;

const DENSE_LAYER_TENSORS: Record<string, { role: GgufTensorRole; suffix: "weight" | "bias" }> = {
  "input_layernorm.weight": { role: "attn_norm", suffix: "weight" },
  "post_attention_layernorm.weight": { role: "post_attention_norm", suffix: "weight" },
  "self_attn.q_proj.weight": { role: "attn_q", suffix: "weight" },
  "self_attn.q_proj.bias": { role: "attn_q", suffix: "bias" },
  "self_attn.k_proj.weight": { role: "attn_k", suffix: "weight" },
  "self_attn.k_proj.bias": { role: "attn_k", suffix: "bias" },
  "self_attn.v_proj.weight": { role: "attn_v", suffix: "weight" },
  "self_attn.v_proj.bias": { role: "attn_v", suffix: "bias" },
  "self_attn.o_proj.weight": { role: "attn_output", suffix: "weight" },
  "self_attn.o_proj.bias": { role: "attn_output", suffix: "bias" },
  // HF stores sinks without a suffix; llama.cpp appends `.weight`
  "self_attn.sinks": { role: "attn_sinks", suffix: "weight" },
  "mlp.router.weight": { role: "ffn_gate_inp", suffix: "weight" },
  "mlp.router.bias": { role: "ffn_gate_inp", suffix: "bias" },
};

const GLOBAL_TENSORS: Record<string, { role: GgufTensorRole; gguf: string }> = {
  "model.embed_tokens.weight": { role: "token_embd", gguf: "token_embd.weight" },
  "lm_head.weight": { role: "output", gguf: "output.weight" },
  "model.norm.weight": { role: "output_norm", gguf: "output_norm.weight" },
};

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** llama.cpp's iteration order: shards by file name, then tensor names by code point. */
export function llamaCppTensorOrder<T extends HfTensorRef>(tensors: readonly T[]): T[] {
  return [...tensors].sort((x, y) => compareCodePoints(x.file, y.file) || compareCodePoints(x.name, y.name));
}

/** The experts' tensors every layer must have (MXFP4 blocks and scales, float biases). */
const EXPERT_TENSORS = ["gate_up_proj_blocks", "gate_up_proj_scales", "gate_up_proj_bias", "down_proj_blocks", "down_proj_scales", "down_proj_bias"] as const;
/** Dtypes the converter reads for the dense tensors and biases. */
const FLOAT_DTYPES: readonly string[] = ["BF16", "F16", "F32"];

/**
 * The GGUF tensors of a gpt-oss conversion, in file order. `experts` says whether the MXFP4
 * experts stay MXFP4 (the first pass, as llama.cpp) or are dequantized (then they are written
 * where their HF tensors come in the second pass).
 */
export function planGgufTensors(params: {
  tensors: readonly HfTensorRef[];
  hp: GptOssHyperparameters;
  /** Named in errors. */
  where: string;
  experts: "mxfp4" | "dequantize";
}): GgufTensorPlan[] {
  const { hp, where } = params;
  const ordered = llamaCppTensorOrder(params.tensors);
  const byName = new Map(ordered.map((t) => [t.name, t]));
  const need = (name: string): HfTensorRef => {
    const t = byName.get(name);
    if (!t) throw new InvalidInputError(where, "missing tensor", name);
    return t;
  };
  const expectShape = (t: HfTensorRef, shape: number[]) => {
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new InvalidInputError(where, `shape [${t.shape.join(", ")}] does not match config.json (expected [${shape.join(", ")}])`, t.name);
    }
  };
  const E = hp.nExperts;
  const H = hp.hidden;
  const F = hp.expertFfn;

  const expertWeights = (layer: number, emitAt: string): GgufTensorPlan[] => {
    const base = `model.layers.${layer}.mlp.experts`;
    if (emitAt === "down_proj_scales") {
      const blocks = need(`${base}.down_proj_blocks`);
      const scales = need(`${base}.down_proj_scales`);
      expectShape(blocks, [E, H, F / 32, 16]);
      expectShape(scales, [E, H, F / 32]);
      return [
        {
          name: `blk.${layer}.ffn_down_exps.weight`,
          role: "ffn_down_exps",
          suffix: "weight",
          layer,
          shape: [F, H, E],
          source: { kind: "mxfp4", blocks: blocks.name, scales: scales.name, nExperts: E, rows: H, cols: F },
          forceF32: false,
        },
      ];
    }
    const blocks = need(`${base}.gate_up_proj_blocks`);
    const scales = need(`${base}.gate_up_proj_scales`);
    expectShape(blocks, [E, 2 * F, H / 32, 16]);
    expectShape(scales, [E, 2 * F, H / 32]);
    return (["gate", "up"] as const).map((proj, parity) => ({
      name: `blk.${layer}.ffn_${proj}_exps.weight`,
      role: proj === "gate" ? ("ffn_gate_exps" as const) : ("ffn_up_exps" as const),
      suffix: "weight" as const,
      layer,
      shape: [H, F, E],
      source: { kind: "mxfp4" as const, blocks: blocks.name, scales: scales.name, parity: parity as 0 | 1, nExperts: E, rows: F, cols: H },
      forceF32: false,
    }));
  };

  const first: GgufTensorPlan[] = [];
  const second: GgufTensorPlan[] = [];
  const seenLayers = new Set<number>();
  for (const t of ordered) {
    const global = GLOBAL_TENSORS[t.name];
    if (global) {
      const expected = global.role === "output_norm" ? [H] : [hp.vocabSize, H];
      expectShape(t, expected);
      second.push({ name: global.gguf, role: global.role, suffix: "weight", shape: [...t.shape].reverse(), source: { kind: "float", tensor: t.name, dtype: t.dtype }, forceF32: t.shape.length <= 1 || global.role === "output_norm" });
      continue;
    }
    const m = LAYER_RE.exec(t.name);
    if (!m) throw new InvalidInputError(where, "unexpected tensor for gpt-oss (not part of GptOssForCausalLM)", t.name);
    const layer = Number(m[1]);
    if (layer >= hp.nLayers) throw new InvalidInputError(where, `layer ${layer} beyond num_hidden_layers ${hp.nLayers}`, t.name);
    seenLayers.add(layer);
    const rest = m[2];
    const dense = DENSE_LAYER_TENSORS[rest];
    if (dense) {
      const expected = expectedDenseShape(rest, hp);
      expectShape(t, expected);
      const ggufName = `blk.${layer}.${dense.role}.${dense.suffix}`;
      const isNorm = dense.role === "attn_norm" || dense.role === "post_attention_norm";
      second.push({
        name: ggufName,
        role: dense.role,
        suffix: dense.suffix,
        layer,
        shape: [...t.shape].reverse(),
        source: { kind: "float", tensor: t.name, dtype: t.dtype },
        forceF32: t.shape.length <= 1 || isNorm || dense.suffix !== "weight" || dense.role === "ffn_gate_inp",
      });
      continue;
    }
    switch (rest) {
      case "mlp.experts.down_proj_blocks":
      case "mlp.experts.gate_up_proj_blocks":
        break; // consumed with their scales
      case "mlp.experts.down_proj_scales":
      case "mlp.experts.gate_up_proj_scales": {
        const planned = expertWeights(layer, rest.slice("mlp.experts.".length));
        if (params.experts === "mxfp4") first.push(...planned);
        else second.push(...planned);
        break;
      }
      case "mlp.experts.down_proj_bias":
        expectShape(t, [E, H]);
        second.push({ name: `blk.${layer}.ffn_down_exps.bias`, role: "ffn_down_exps", suffix: "bias", layer, shape: [H, E], source: { kind: "float", tensor: t.name, dtype: t.dtype }, forceF32: true });
        break;
      case "mlp.experts.gate_up_proj_bias":
        expectShape(t, [E, 2 * F]);
        for (const [proj, parity] of [["gate", 0], ["up", 1]] as const) {
          second.push({
            name: `blk.${layer}.ffn_${proj}_exps.bias`,
            role: proj === "gate" ? "ffn_gate_exps" : "ffn_up_exps",
            suffix: "bias",
            layer,
            shape: [F, E],
            source: { kind: "float", tensor: t.name, dtype: t.dtype, lastAxisParity: parity },
            forceF32: true,
          });
        }
        break;
      default:
        if (rest.startsWith("mlp.experts.") && !rest.endsWith("_blocks") && !rest.endsWith("_scales")) {
          throw new InvalidInputError(where, "experts are not in MXFP4 (expected *_blocks and *_scales); only the MXFP4 checkpoint layout is supported", t.name);
        }
        throw new InvalidInputError(where, "unexpected tensor for gpt-oss", t.name);
    }
  }
  for (const name of Object.keys(GLOBAL_TENSORS)) need(name);
  for (let layer = 0; layer < hp.nLayers; layer++) {
    if (!seenLayers.has(layer)) throw new InvalidInputError(where, `missing tensors of layer ${layer}`, `model.layers.${layer}.*`);
    for (const rest of Object.keys(DENSE_LAYER_TENSORS)) need(`model.layers.${layer}.${rest}`);
    // every expert tensor, blocks and scales included: the experts' GGUF weights are planned when a
    // layer's *_scales tensor is met, so without this a checkpoint missing one would convert "fine"
    for (const rest of EXPERT_TENSORS) need(`model.layers.${layer}.mlp.experts.${rest}`);
  }
  for (const t of ordered) {
    const rest = LAYER_RE.exec(t.name)?.[2];
    const expected = rest?.endsWith("_blocks") || rest?.endsWith("_scales") ? ["U8"] : FLOAT_DTYPES;
    if (!expected.includes(t.dtype)) throw new InvalidInputError(where, `dtype ${t.dtype}, expected ${expected.join(" or ")}`, t.name);
  }
  return [...first, ...second];
}

function expectedDenseShape(rest: string, hp: GptOssHyperparameters): number[] {
  const H = hp.hidden;
  const q = hp.nHeads * hp.headDim;
  const kv = hp.nKvHeads * hp.headDim;
  switch (rest) {
    case "input_layernorm.weight":
    case "post_attention_layernorm.weight":
      return [H];
    case "self_attn.q_proj.weight":
      return [q, H];
    case "self_attn.q_proj.bias":
      return [q];
    case "self_attn.k_proj.weight":
    case "self_attn.v_proj.weight":
      return [kv, H];
    case "self_attn.k_proj.bias":
    case "self_attn.v_proj.bias":
      return [kv];
    case "self_attn.o_proj.weight":
      return [H, q];
    case "self_attn.o_proj.bias":
      return [H];
    case "self_attn.sinks":
      return [hp.nHeads];
    case "mlp.router.weight":
      return [hp.nExperts, H];
    case "mlp.router.bias":
      return [hp.nExperts];
    default:
      throw new Error(`no shape rule for ${rest}`);
  }
}
