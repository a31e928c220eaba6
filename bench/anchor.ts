/**
 * The benchmark anchor: llama.cpp's own `llama_model_quantize` (libllama, through the FFI) on our
 * BF16 GGUF — the step a user would otherwise run after converting. Run under bench/probe.ts so
 * it is measured exactly like our CLI.
 *   node dist/bench/probe.js --anchor <in.gguf> <out.gguf> <Q5_K_M|MXFP4_MOE> <keep|requant>
 */
import { availableParallelism } from "node:os";
import { GgmlType } from "../src/formats/gguf/ggmlTypes.js";
import { llamaFtypeFromQuantizeName } from "../src/formats/gguf/llamaFtype.js";
import { llamaModelQuantize } from "../src/ggml/llamaModelQuantize.js";
import { KEEP_EXPERTS_OVERRIDE_PATTERN } from "../src/quant/planQuantization.js";

export async function runAnchor(args: string[]): Promise<void> {
  const [input, output, type, experts] = args;
  const ftype = llamaFtypeFromQuantizeName(type);
  if (ftype === undefined) throw new Error(`unknown type ${type}`);
  await llamaModelQuantize({
    input,
    output,
    ftype,
    nthread: availableParallelism(),
    // llama-quantize refuses to requantize MXFP4 experts unless allowed; keeping them is an override
    allowRequantize: experts === "requant",
    tensorTypeOverrides: experts === "keep" && type !== "MXFP4_MOE" ? [{ pattern: KEEP_EXPERTS_OVERRIDE_PATTERN, type: GgmlType.MXFP4 }] : undefined,
  });
}
