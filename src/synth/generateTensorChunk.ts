import { bf16NormalTable } from "./bf16NormalTable.js";
import { createPrngState } from "./createPrngState.js";
import { fillRandomUint32 } from "./fillRandomUint32.js";
import type { PlannedTensor } from "./types.js";

/**
 * Size of one generated chunk. Part of the definition of the synthetic bytes: chunk i of a tensor is drawn
 * from the stream (seed, tensor name, i), so changing this constant changes every file.
 */
export const SYNTH_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Bytes [chunkIndex * SYNTH_CHUNK_BYTES, …) of a synthetic tensor (the last chunk is shorter). Pure: the
 * result depends only on (seed, tensor name, values spec, chunkIndex). bf16 is written little-endian,
 * as safetensors requires (callers check the platform is little-endian).
 */
export function generateTensorChunk(params: { tensor: PlannedTensor; seed: number; chunkIndex: number }): Uint8Array {
  const { tensor, seed, chunkIndex } = params;
  const begin = chunkIndex * SYNTH_CHUNK_BYTES;
  const length = Math.min(SYNTH_CHUNK_BYTES, tensor.byteLength - begin);
  if (!(length > 0)) throw new RangeError(`chunk ${chunkIndex} is past the end of ${tensor.name}`);

  // Rounded up to whole 32-bit words so the generator can write words; the tail is cut off at the end.
  const buffer = new ArrayBuffer(Math.ceil(length / 4) * 4);
  const words = new Uint32Array(buffer);
  fillRandomUint32({ state: createPrngState({ seed, streamName: tensor.name, chunkIndex }), out: words });

  const values = tensor.values;
  switch (values.kind) {
    case "uniformBytes":
      break;
    case "normal": {
      // In place: word i is read before its two halves are overwritten with table entries.
      const table = bf16NormalTable({ mean: values.mean, std: values.std });
      const halves = new Uint16Array(buffer);
      for (let i = 0, n = words.length; i < n; i++) {
        const r = words[i];
        halves[2 * i] = table[r & 0xffff];
        halves[2 * i + 1] = table[r >>> 16];
      }
      break;
    }
    case "e8m0Scales": {
      const bytes = new Uint8Array(buffer);
      const first = 127 + values.minExponent;
      const span = values.maxExponent - values.minExponent + 1;
      for (let i = 0, n = bytes.length; i < n; i++) bytes[i] = first + ((bytes[i] * span) >>> 8);
      break;
    }
  }
  return new Uint8Array(buffer, 0, length);
}
