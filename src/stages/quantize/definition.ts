/**
 * Pipeline stage `quantize`: checkpoint → quantized GGUF in one streaming pass, identical to what
 * llama.cpp's llama-quantize writes from the BF16 conversion (see src/quant/quantizeModel.ts).
 * Params (params.ts): `type` (Q5_K_M, Q4_K_M, Q5_K_S, Q4_K_S, Q6_K, Q8_0, MXFP4_MOE, F16, BF16) and
 * `experts` (keep: MXFP4 experts copied, the default; requant: dequantized and requantized).
 */
import { defineStage } from "../../pipeline/defineStage.js";
import { type QuantizeParams, quantizeParams } from "./params.js";

export const quantizeStage = defineStage<QuantizeParams>({
  name: "quantize",
  version: 1,
  description: "quantize the checkpoint to GGUF with llama.cpp's recipe (byte-identical to llama-quantize), in one pass",
  inputs: [{ name: "checkpoint", kind: "checkpoint" }],
  outputs: [{ name: "gguf", kind: "gguf", exported: true }],
  params: quantizeParams,
  async load() {
    return (await import("./runQuantizeStage.js")).runQuantizeStage;
  },
});
