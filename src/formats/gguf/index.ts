export { GgmlType, ALL_GGML_TYPES, isGgmlType, ggmlBlockSize, ggmlTypeSize, ggmlTypeName, ggmlTypeFromName, ggmlRowBytes, ggmlTensorBytes } from "./ggmlTypes.js";
export { LlamaFtype, LLAMA_FTYPE_GUESSED, llamaFtypeName, llamaFtypeFromQuantizeName } from "./llamaFtype.js";
export {
  GgufValueType,
  isGgufValueType,
  ggufValueTypeName,
  ggufScalarByteLength,
  ggufPlainValue,
  type GgufScalarType,
  type GgufScalarJsTypes,
  type GgufScalarValue,
  type GgufArrayValue,
  type GgufValue,
  type GgufMetadata,
  type GgufPlainValue,
} from "./ggufValue.js";
export { GGUF_MAGIC, GGUF_VERSION, GGUF_DEFAULT_ALIGNMENT, GGUF_ALIGNMENT_KEY, GGML_MAX_DIMS, GGML_MAX_NAME } from "./ggufConstants.js";
export {
  encodeGgufHeader,
  alignUp,
  GGUF_MAX_ARRAY_NESTING,
  type GgufTensorDeclaration,
  type GgufTensorLayout,
  type GgufFileLayout,
  type EncodedGgufHeader,
} from "./encodeGgufHeader.js";
export { readGguf, type GgufFile, type GgufTensorInfo } from "./readGguf.js";
export { readGgufTensorData } from "./readGgufTensorData.js";
export { GgufWriter, type GgufTensorData, type GgufWriteResult } from "./GgufWriter.js";
