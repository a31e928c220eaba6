/** Public API of the safetensors format module: read headers, open checkpoints, write files. */
export { readSafetensorsHeader } from "./read-safetensors-header.js";
export { openCheckpoint, SINGLE_FILE_NAME, INDEX_FILE_NAME } from "./open-checkpoint.js";
export { writeSafetensors, type SafetensorsTensorToWrite } from "./write-safetensors.js";
export { MAX_SAFETENSORS_HEADER_BYTES } from "./read-safetensors-header-from-handle.js";
export {
  SAFETENSORS_DTYPE_BITS,
  isSafetensorsDtype,
  dtypeBits,
  dtypeByteSize,
  tensorByteLength,
  type SafetensorsDtype,
} from "./dtypes.js";
export type { SafetensorsHeader, SafetensorsTensorInfo, CheckpointTensorInfo, SafetensorsCheckpoint } from "./types.js";
