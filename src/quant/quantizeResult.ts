/** Shapes shared by the quantize entry points. */
import type { ExpertPolicy } from "./planQuantization.js";
import type { TensorTypeDecision } from "./recipe/planTensorTypes.js";
import type { QuantizeTypeName } from "./recipe/quantizeTypes.js";

export interface QuantizedTensor extends TensorTypeDecision {
  /** Bytes of the tensor's data in the output. */
  bytes: number;
}

export interface QuantizeResult {
  path: string;
  fileBytes: number;
  /** sha256 of the whole file, computed while writing. */
  sha256: string;
  type: QuantizeTypeName;
  /** general.file_type written. */
  fileType: number;
  experts: ExpertPolicy;
  input: { kind: "checkpoint" | "gguf"; path: string };
  imatrix?: { path: string; entries: number; used: number };
  /** In file order. */
  tensors: QuantizedTensor[];
  /** Weights in all tensors (llama.cpp's n_elements). */
  parameters: number;
  /** Bytes of tensor data (padding and header excluded), as llama.cpp's "quant size". */
  tensorBytes: number;
  /** tensorBytes × 8 / parameters: llama.cpp's BPW. */
  bitsPerWeight: number;
  seconds: number;
}

export interface QuantizeProgress {
  bytesWritten: number;
  totalBytes: number;
  tensor: string;
}
