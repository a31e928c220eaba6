import { ggmlTensorBytes } from "../formats/gguf/ggmlTypes.js";
import type { ImportanceMatrix } from "./imatrix/readImatrixGguf.js";
import type { ExpertPolicy } from "./planQuantization.js";
import type { QuantizeResult } from "./quantizeResult.js";
import type { TensorTypeDecision } from "./recipe/planTensorTypes.js";
import type { QuantizeType } from "./recipe/quantizeTypes.js";

/**
 * The summary both quantize entry points (from a checkpoint, from a GGUF) return for a written file:
 * per-tensor bytes, llama.cpp's n_elements, "quant size" and BPW, and what the imatrix covered.
 */
export function buildQuantizeResult(params: {
  written: { path: string; fileBytes: number; sha256: string };
  quantizeType: QuantizeType;
  experts: ExpertPolicy;
  input: QuantizeResult["input"];
  decisions: TensorTypeDecision[];
  imatrix?: { source: ImportanceMatrix; used: number };
  startedMs: number;
}): QuantizeResult {
  const tensors = params.decisions.map((d) => ({ ...d, bytes: ggmlTensorBytes(d.type, d.shape) }));
  const parameters = tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  const tensorBytes = tensors.reduce((n, t) => n + t.bytes, 0);
  return {
    path: params.written.path,
    fileBytes: params.written.fileBytes,
    sha256: params.written.sha256,
    type: params.quantizeType.name,
    fileType: params.quantizeType.ftype,
    experts: params.experts,
    input: params.input,
    imatrix: params.imatrix ? { path: params.imatrix.source.path, entries: params.imatrix.source.entries.size, used: params.imatrix.used } : undefined,
    tensors,
    parameters,
    tensorBytes,
    bitsPerWeight: (tensorBytes * 8) / parameters,
    seconds: (performance.now() - params.startedMs) / 1000,
  };
}
