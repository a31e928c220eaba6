/**
 * `oss-prep quantize`: a gpt-oss checkpoint directory or GGUF file → a quantized GGUF identical to
 * what llama.cpp's llama-quantize writes (from our BF16 conversion, for a checkpoint), in one
 * streaming pass. See planQuantization.ts for the expert policies.
 */
import { stat } from "node:fs/promises";
import { InvalidInputError, UsageError } from "../errors.js";
import { readImatrixGguf } from "./imatrix/readImatrixGguf.js";
import { EXPERT_POLICIES, type ExpertPolicy } from "./planQuantization.js";
import { quantizeCheckpoint } from "./quantizeCheckpoint.js";
import { quantizeGguf } from "./quantizeGguf.js";
import type { QuantizeProgress, QuantizeResult } from "./quantizeResult.js";
import { quantizeTypeFromName } from "./recipe/quantizeTypes.js";

export async function quantizeModel(params: {
  /** Checkpoint directory or .gguf file. */
  input: string;
  outPath: string;
  /** Q5_K_M, Q4_K_M, Q5_K_S, Q6_K, Q8_0, MXFP4_MOE, F16, BF16 (and Q4_K_S). */
  type: string;
  /** Default "keep". */
  experts?: string;
  /** llama.cpp imatrix GGUF. */
  imatrixPath?: string;
  /** general.name for checkpoint input (default: from the directory name, as the converter does). */
  name?: string;
  signal?: AbortSignal;
  onProgress?: (p: QuantizeProgress) => void;
}): Promise<QuantizeResult> {
  const quantizeType = quantizeTypeFromName(params.type);
  const experts = (params.experts ?? "keep") as ExpertPolicy;
  if (!EXPERT_POLICIES.includes(experts)) {
    throw new UsageError(`--experts ${JSON.stringify(params.experts)}: expected one of ${EXPERT_POLICIES.join(", ")}`);
  }
  const info = await stat(params.input).catch(() => undefined);
  if (!info) throw new InvalidInputError(params.input, "no such file or directory");
  const imatrix = params.imatrixPath ? await readImatrixGguf({ path: params.imatrixPath }) : undefined;
  const common = { outPath: params.outPath, quantizeType, experts, imatrix, signal: params.signal, onProgress: params.onProgress };
  if (info.isDirectory()) return quantizeCheckpoint({ dir: params.input, name: params.name, ...common });
  return quantizeGguf({ path: params.input, ...common });
}
