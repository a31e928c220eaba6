import type { SafetensorsDtype } from "./dtypes.js";

/** One tensor as described by a safetensors header, with its position made absolute in the file. */
export interface SafetensorsTensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute offset of the first data byte in the file (header's begin + 8 + header length). */
  byteOffset: number;
  byteLength: number;
}

/** The parsed and validated header of one .safetensors file. */
export interface SafetensorsHeader {
  path: string;
  fileSize: number;
  /** Length of the JSON header in bytes (the little-endian u64 at the start of the file). */
  headerSize: number;
  /** Absolute offset where tensor data starts: 8 + headerSize. */
  dataOffset: number;
  /** `__metadata__` of the header (string to string), empty when absent. */
  metadata: Record<string, string>;
  /** Tensors in the header's JSON key order. */
  tensors: SafetensorsTensorInfo[];
}

/** A tensor of a checkpoint: its header info plus the shard file that holds it. */
export interface CheckpointTensorInfo extends SafetensorsTensorInfo {
  /** Path of the shard file (directory joined with the shard's file name). */
  file: string;
}

/**
 * An opened Hugging Face safetensors checkpoint folder (single file or sharded with an index). Holds one
 * open file handle per shard until `close()`.
 */
export interface SafetensorsCheckpoint {
  /** The folder that was opened. */
  readonly dir: string;
  /** Path of model.safetensors.index.json, or undefined for a single-file checkpoint. */
  readonly indexFile: string | undefined;
  /** Paths of the shard files, sorted by file name (a single-file checkpoint has one). */
  readonly shardFiles: readonly string[];
  /** The validated header of each shard, in `shardFiles` order (per-shard `metadata` lives here). */
  readonly shards: readonly SafetensorsHeader[];
  /**
   * Every tensor, shards in sorted file-name order and, within a shard, by byteOffset: processing tensors
   * in this order reads each file front to back, which is sequential I/O (page cache read-ahead works, a
   * spinning or network disk does not seek back and forth), unlike the header's or index's name order.
   */
  readonly tensors: readonly CheckpointTensorInfo[];
  has(name: string): boolean;
  /** The tensor's info; throws InvalidInputError "missing tensor" naming the index (or the single file). */
  get(name: string): CheckpointTensorInfo;
  /** All bytes of the tensor, read with positional reads (raw little-endian data as stored). */
  readTensor(name: string): Promise<Buffer>;
  /**
   * Bytes [start, end) of the tensor's data (offsets relative to the tensor's first byte), to stream large
   * tensors in chunks. Throws RangeError unless 0 <= start <= end <= byteLength.
   */
  readTensorRange(name: string, start: number, end: number): Promise<Buffer>;
  /** readTensorRange into the start of a caller's (reused) buffer; returns the filled subarray. */
  readTensorRangeInto(name: string, start: number, end: number, target: Buffer): Promise<Buffer>;
  /** The tensor's bytes in consecutive chunks of at most `chunkBytes` (default 16 MiB), each a fresh Buffer. */
  streamTensor(name: string, options?: { chunkBytes?: number }): AsyncIterable<Buffer>;
  /** Close the shard file handles. Reads after close throw. Safe to call twice. */
  close(): Promise<void>;
}
