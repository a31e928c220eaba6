/**
 * What llama_model_quantize does with an importance matrix for each tensor it converts
 * (src/llama-quant.cpp:1241-1270): the entry of the tensor's name, which must hold ne0 × ne2 values
 * (all experts of a 3-D tensor); a tensor without an entry is quantized without one; a wrong size is
 * an error, except for token_embd, which is then quantized without. Also the quantize.imatrix.* keys
 * llama-quantize adds to the file (tools/quantize/quantize.cpp:505-539).
 */
import { InvalidInputError } from "../errors.js";
import { GgufValueType, type GgufValue } from "../formats/gguf/ggufValue.js";
import type { ImportanceMatrix } from "./imatrix/readImatrixGguf.js";
import type { TensorTypeDecision } from "./recipe/planTensorTypes.js";

export function imatrixForPlan(params: { imatrix: ImportanceMatrix; tensors: readonly TensorTypeDecision[] }): {
  lookup: (name: string) => Float32Array | undefined;
  used: number;
  metadata: Array<[string, GgufValue]>;
} {
  const { imatrix } = params;
  const byTensor = new Map<string, Float32Array>();
  for (const t of params.tensors) {
    if (t.type === t.sourceType) continue; // copied, not quantized
    const values = imatrix.entries.get(t.name);
    if (!values) continue;
    const expected = t.shape[0] * (t.shape[2] ?? 1);
    if (values.length !== expected) {
      if (t.name === "token_embd.weight" || t.name === "per_layer_token_embd.weight") continue;
      throw new InvalidInputError(imatrix.path, `imatrix size ${values.length} is different from tensor size ${expected}`, t.name);
    }
    byTensor.set(t.name, values);
  }
  // strncpy(kvo.val_str, …, 127): at most 127 bytes
  const cString127 = (s: string) => {
    const bytes = Buffer.from(s, "utf8");
    return bytes.length <= 127 ? s : bytes.subarray(0, 127).toString("utf8");
  };
  const metadata: Array<[string, GgufValue]> = [["quantize.imatrix.file", { type: GgufValueType.STRING, value: cString127(imatrix.path) }]];
  if (imatrix.datasets.length > 0) metadata.push(["quantize.imatrix.dataset", { type: GgufValueType.STRING, value: cString127(imatrix.datasets[0]) }]);
  // INT overrides are written as u32 (llama-quant.cpp:1005-1007)
  metadata.push(["quantize.imatrix.entries_count", { type: GgufValueType.UINT32, value: imatrix.entries.size }]);
  if (imatrix.chunkCount > 0) metadata.push(["quantize.imatrix.chunks_count", { type: GgufValueType.UINT32, value: imatrix.chunkCount }]);
  return { lookup: (name) => byTensor.get(name), used: byTensor.size, metadata };
}
