/**
 * `oss-prep convert`: gpt-oss safetensors → GGUF at F32/F16/BF16, identical to llama.cpp's
 * converter: MXFP4 experts copied bit-exactly (or dequantized with `dequantizeExperts`), norms,
 * 1-D tensors, biases, sinks and the router weight in F32, everything else at the outtype.
 */
import { UsageError } from "../errors.js";
import { GgmlType } from "../formats/gguf/ggmlTypes.js";
import { LlamaFtype } from "../formats/gguf/llamaFtype.js";
import { writeCheckpointGguf, type WriteCheckpointGgufResult } from "./writeCheckpointGguf.js";

export const CONVERT_OUTTYPES = ["f32", "f16", "bf16"] as const;
export type ConvertOuttype = (typeof CONVERT_OUTTYPES)[number];

const OUTTYPE: Record<ConvertOuttype, { type: GgmlType; ftype: number }> = {
  f32: { type: GgmlType.F32, ftype: LlamaFtype.ALL_F32 },
  f16: { type: GgmlType.F16, ftype: LlamaFtype.MOSTLY_F16 },
  bf16: { type: GgmlType.BF16, ftype: LlamaFtype.MOSTLY_BF16 },
};

export async function convertCheckpoint(params: {
  dir: string;
  outPath: string;
  outtype: ConvertOuttype;
  dequantizeExperts?: boolean;
  name?: string;
  signal?: AbortSignal;
  onProgress?: (p: { bytesWritten: number; totalBytes: number; tensor: string }) => void;
}): Promise<WriteCheckpointGgufResult> {
  const out = OUTTYPE[params.outtype];
  if (!out) throw new UsageError(`--outtype ${params.outtype}: expected one of ${CONVERT_OUTTYPES.join(", ")}`);
  const keep = !params.dequantizeExperts;
  return writeCheckpointGguf({
    dir: params.dir,
    outPath: params.outPath,
    experts: keep ? "mxfp4" : "dequantize",
    // llama.cpp labels a file whose experts stay MXFP4 as MOSTLY_MXFP4_MOE whatever the outtype
    fileType: keep ? LlamaFtype.MOSTLY_MXFP4_MOE : out.ftype,
    chooseType: (plan) => {
      if (plan.source.kind === "mxfp4" && keep) return GgmlType.MXFP4;
      if (plan.forceF32) return GgmlType.F32;
      return out.type;
    },
    name: params.name,
    signal: params.signal,
    onProgress: params.onProgress,
  });
}
