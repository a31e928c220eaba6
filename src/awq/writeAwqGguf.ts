import type { GgufTensorPlan } from "../arch/gpt-oss/index.js";
import { bf16ToF32, f16ToF32 } from "../formats/float/floatConversions.js";
import { GgmlType, ggmlTensorBytes, ggmlTypeName } from "../formats/gguf/ggmlTypes.js";
import { GgufValueType } from "../formats/gguf/ggufValue.js";
import { LlamaFtype } from "../formats/gguf/llamaFtype.js";
import { openCheckpoint, type SafetensorsCheckpoint } from "../formats/safetensors/index.js";
import { writeCheckpointGguf, type PlannedTensor } from "../convert/writeCheckpointGguf.js";
import { quantizedGgufMetadata } from "../quant/quantizedGgufMetadata.js";
import { awqToQ4_1 } from "./awqToQ4_1.js";
import type { AwqExpertPolicy, AwqMethod } from "./awqTypes.js";
import type { AwqQuantizedWeight } from "./quantizeAwqGroups.js";
import { readAwqGemmTensors } from "./readAwqGemmTensors.js";
import { unpackAwqGemm } from "./unpackAwqGemm.js";

const ATTENTION_MODULE: Partial<Record<GgufTensorPlan["role"], string>> = {
  attn_q: "self_attn.q_proj",
  attn_k: "self_attn.k_proj",
  attn_v: "self_attn.v_proj",
  attn_output: "self_attn.o_proj",
};
const EXPERT_ROLES = new Set<GgufTensorPlan["role"]>(["ffn_gate_exps", "ffn_up_exps", "ffn_down_exps"]);

/**
 * The tensor types of the AWQ GGUF (both methods, so AWQ and its RTN baseline differ only in values):
 * - attn_q/k/v/output weights, and the experts under `--experts awq`: Q4_1 blocks carrying the AWQ
 *   grid exactly (awqToQ4_1), computed from the checkpoint's qweight/qzeros/scales;
 * - experts kept: MXFP4, copied bit-exactly;
 * - norms, biases, sinks and the router: F32, as llama.cpp's converter forces (the folded ones read
 *   from the AWQ checkpoint);
 * - token_embd and output: Q8_0. Neither is a linear AWQ can fold into here (token_embd is a lookup;
 *   AutoAWQ never quantizes lm_head), and Q8_0 is what llama.cpp's recipes give output.weight on
 *   gpt-oss at 4 bits (Q6_K needs rows that are multiples of 256; 2880 falls back to Q8_0).
 */
export function awqGgufTensorType(plan: GgufTensorPlan, experts: AwqExpertPolicy): GgmlType {
  if (plan.suffix === "weight" && ATTENTION_MODULE[plan.role]) return GgmlType.Q4_1;
  if (plan.suffix === "weight" && EXPERT_ROLES.has(plan.role)) return experts === "awq" ? GgmlType.Q4_1 : GgmlType.MXFP4;
  if (plan.forceF32) return GgmlType.F32;
  if (plan.role === "token_embd" || plan.role === "output") return GgmlType.Q8_0;
  throw new Error(`awq gguf: no type for ${plan.name}`);
}

export interface WriteAwqGgufResult {
  path: string;
  fileBytes: number;
  sha256: string;
  tensors: Array<{ name: string; type: string; shape: number[]; bytes: number }>;
  parameters: number;
  tensorBytes: number;
  bitsPerWeight: number;
}

/**
 * The GGUF of an AWQ checkpoint, in one pass of the converter (writeCheckpointGguf) over the source
 * checkpoint: tensor names, order and metadata are the converter's; the AWQ tensors and the folded F32
 * tensors come from the AWQ checkpoint `awqDir` (so the GGUF holds exactly the grid the AutoAWQ
 * tensors define), everything else from the source. general.file_type is MOSTLY_Q4_1.
 */
export async function writeAwqGguf(params: {
  sourceDir: string;
  awqDir: string;
  outPath: string;
  experts: AwqExpertPolicy;
  method: AwqMethod;
  groupSize: number;
  name?: string;
  signal?: AbortSignal;
  onProgress?: (p: { bytesWritten: number; totalBytes: number; tensor: string }) => void;
}): Promise<WriteAwqGgufResult> {
  const awq = await openCheckpoint({ dir: params.awqDir });
  try {
    const fileType = LlamaFtype.MOSTLY_Q4_1;
    const result = await writeCheckpointGguf({
      dir: params.sourceDir,
      outPath: params.outPath,
      experts: params.experts === "keep" ? "mxfp4" : "dequantize",
      planTensors: (plans) => plans.map((plan): PlannedTensor => ({ plan, type: awqGgufTensorType(plan, params.experts) })),
      fileType,
      finalizeMetadata: (kv) =>
        quantizedGgufMetadata({
          metadata: kv,
          fileType,
          overrides: [
            ["quantize.awq.method", { type: GgufValueType.STRING, value: params.method }],
            ["quantize.awq.group_size", { type: GgufValueType.UINT32, value: params.groupSize }],
            ["quantize.awq.experts", { type: GgufValueType.STRING, value: params.experts }],
          ],
        }),
      tensorData: (planned) => tensorData(planned, awq),
      name: params.name,
      signal: params.signal,
      onProgress: params.onProgress,
    });
    const parameters = result.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
    const tensorBytes = result.tensors.reduce((n, t) => n + t.bytes, 0);
    return {
      path: result.path,
      fileBytes: result.fileBytes,
      sha256: result.sha256,
      tensors: result.tensors.map((t) => ({ name: t.name, type: ggmlTypeName(t.type), shape: t.shape, bytes: t.bytes })),
      parameters,
      tensorBytes,
      bitsPerWeight: (tensorBytes * 8) / parameters,
    };
  } finally {
    await awq.close();
  }
}

function tensorData(planned: PlannedTensor, awq: SafetensorsCheckpoint): (() => AsyncIterable<Buffer>) | undefined {
  const { plan, type } = planned;
  const prefix = `model.layers.${plan.layer}`;
  if (type === GgmlType.Q4_1 && ATTENTION_MODULE[plan.role]) {
    return async function* () {
      const weight = unpackAwqGemm({ tensors: await readAwqGemmTensors({ checkpoint: awq, module: `${prefix}.${ATTENTION_MODULE[plan.role]}` }) });
      yield checked(awqToQ4_1({ weight }), plan, 1);
    };
  }
  if (type === GgmlType.Q4_1 && EXPERT_ROLES.has(plan.role)) {
    const nExperts = plan.shape[2];
    return async function* () {
      for (let e = 0; e < nExperts; e++) {
        if (plan.role === "ffn_down_exps") {
          yield checked(awqToQ4_1({ weight: unpackAwqGemm({ tensors: await readAwqGemmTensors({ checkpoint: awq, module: `${prefix}.mlp.experts.${e}.down_proj` }) }) }), plan, nExperts);
          continue;
        }
        const gateUp = unpackAwqGemm({ tensors: await readAwqGemmTensors({ checkpoint: awq, module: `${prefix}.mlp.experts.${e}.gate_up_proj` }) });
        yield checked(awqToQ4_1({ weight: everyOtherRow(gateUp, plan.role === "ffn_gate_exps" ? 0 : 1) }), plan, nExperts);
      }
    };
  }
  // F32 tensors as the AWQ checkpoint holds them (folded or copied); gate/up biases (a parity selection
  // of a fused tensor the AWQ run copies unchanged) take the converter's path.
  if (type === GgmlType.F32 && plan.source.kind === "float" && plan.source.lastAxisParity === undefined) {
    const name = plan.source.tensor;
    return async function* () {
      const info = awq.get(name);
      const bytes = await awq.readTensor(name);
      const aligned = new Uint8Array(bytes.length);
      aligned.set(bytes);
      const values =
        info.dtype === "F32" ? new Float32Array(aligned.buffer) : info.dtype === "BF16" ? bf16ToF32(new Uint16Array(aligned.buffer)) : f16ToF32(new Uint16Array(aligned.buffer));
      yield Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    };
  }
  return undefined;
}

/** Rows parity, parity + 2, … of a quantized weight: gate (0) or up (1) of transformers' interleaved gate_up. */
function everyOtherRow(weight: AwqQuantizedWeight, parity: 0 | 1): AwqQuantizedWeight {
  const { cols, groupSize } = weight;
  const rows = weight.rows / 2;
  const groups = cols / groupSize;
  const q = new Uint8Array(rows * cols);
  const zeros = new Uint8Array(rows * groups);
  const scaleBits = new Uint16Array(rows * groups);
  const scales = new Float32Array(rows * groups);
  for (let r = 0; r < rows; r++) {
    const src = 2 * r + parity;
    q.set(weight.q.subarray(src * cols, (src + 1) * cols), r * cols);
    zeros.set(weight.zeros.subarray(src * groups, (src + 1) * groups), r * groups);
    scaleBits.set(weight.scaleBits.subarray(src * groups, (src + 1) * groups), r * groups);
    scales.set(weight.scales.subarray(src * groups, (src + 1) * groups), r * groups);
  }
  return { rows, cols, groupSize, q, zeros, scaleBits, scales };
}

function checked(bytes: Buffer, plan: GgufTensorPlan, parts: number): Buffer {
  const expected = ggmlTensorBytes(GgmlType.Q4_1, plan.shape) / parts;
  if (bytes.length !== expected) throw new Error(`awq gguf: ${plan.name} produced ${bytes.length} bytes, expected ${expected}`);
  return bytes;
}
