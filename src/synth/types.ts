import type { SyntheticPreset } from "./presets.js";

/**
 * How a synthetic tensor's values are drawn. Magnitudes follow what a trained gpt-oss looks like closely
 * enough for conversion, quantization and memory tests (not for quality tests: the model is noise).
 */
export type SyntheticTensorValues =
  /** bf16 samples of N(mean, std²): weights, biases, norms, sinks. */
  | { kind: "normal"; mean: number; std: number }
  /** Uniform random bytes: MXFP4 `*_blocks`, two e2m1 nibbles per byte, every nibble equally likely. */
  | { kind: "uniformBytes" }
  /** MXFP4 `*_scales`: e8m0 bytes (127 + exponent), exponent uniform in [minExponent, maxExponent]. */
  | { kind: "e8m0Scales"; minExponent: number; maxExponent: number };

/** One tensor of the synthetic checkpoint, as it will appear in its shard's header. */
export interface PlannedTensor {
  name: string;
  dtype: "BF16" | "U8";
  shape: number[];
  byteLength: number;
  /**
   * Logical parameters: elements for bf16; for MXFP4 every block byte holds two parameters and the scales
   * add none (a block of 32 values counts 32), which is how gpt-oss-20b's 20.9B is counted.
   */
  parameterCount: number;
  values: SyntheticTensorValues;
}

/** One .safetensors shard: its file name and its tensors in file order (bf16 first, then u8, by name). */
export interface PlannedShard {
  fileName: string;
  tensors: PlannedTensor[];
  /** Sum of the tensors' byte lengths (the file adds an 8-byte length and the JSON header). */
  dataBytes: number;
}

/** Everything about a synthetic checkpoint that can be known without writing it. */
export interface SyntheticCheckpointPlan {
  preset: SyntheticPreset;
  /** All tensors in the order of the real `model.safetensors.index.json` weight_map. */
  tensors: PlannedTensor[];
  shards: PlannedShard[];
  /** tensor name → shard file name, in index order. */
  weightMap: Record<string, string>;
  /** `metadata.total_size` of the index: the sum of all tensor bytes. */
  totalBytes: number;
  parameterCount: number;
}

/** Reported after every chunk written. */
export interface SynthesisProgress {
  /** Tensor bytes handed to the writer so far (headers and JSON files are not counted). */
  bytesWritten: number;
  totalBytes: number;
  /** Name of the tensor being written. */
  tensor: string;
}

/** What synthesizeCheckpoint wrote. */
export interface SynthesizedCheckpoint {
  /** The finished checkpoint directory (absolute). */
  outDir: string;
  plan: SyntheticCheckpointPlan;
  /** Every file written, with its size in bytes, in the order written. */
  files: Array<{ name: string; bytes: number }>;
  /** Sum of all file sizes (tensor data + safetensors headers + JSON/tokenizer files). */
  fileBytes: number;
  seconds: number;
}
