/**
 * The key/values of a quantized file, as llama_model_quantize writes them (src/llama-quant.cpp:989-1016):
 * every key of the input in its order, then general.quantization_version and general.file_type
 * removed and appended (gguf_set_val_* removes a key before appending it), split.* removed, then
 * the kv overrides appended the same way (llama-quantize passes the quantize.imatrix.* keys as
 * overrides, tools/quantize/quantize.cpp:505-539).
 */
import { GgufValueType, type GgufValue } from "../formats/gguf/ggufValue.js";

/** GGML_QNT_VERSION (ggml/include/ggml.h). */
export const GGML_QNT_VERSION = 2;

const SPLIT_KEYS = ["split.no", "split.count", "split.tensors.count"];

export function quantizedGgufMetadata(params: {
  metadata: Iterable<readonly [string, GgufValue]>;
  /** llama_ftype written as general.file_type. */
  fileType: number;
  /** Appended last, each replacing an earlier key of the same name (kv overrides). */
  overrides?: ReadonlyArray<readonly [string, GgufValue]>;
}): Array<[string, GgufValue]> {
  const kv = new Map<string, GgufValue>(params.metadata as Iterable<[string, GgufValue]>);
  const set = (key: string, value: GgufValue) => {
    kv.delete(key);
    kv.set(key, value);
  };
  set("general.quantization_version", { type: GgufValueType.UINT32, value: GGML_QNT_VERSION });
  set("general.file_type", { type: GgufValueType.UINT32, value: params.fileType });
  for (const key of SPLIT_KEYS) kv.delete(key);
  for (const [key, value] of params.overrides ?? []) set(key, value);
  return [...kv];
}
