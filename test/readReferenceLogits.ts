import { open } from "node:fs/promises";
import { readSafetensorsHeader } from "../src/formats/safetensors/index.js";

export interface ReferencePrompt {
  ids: number[];
  /** float32 [ids.length, vocabSize], row-major: transformers' logits at every position. */
  logits: Float32Array;
  vocabSize: number;
}

/**
 * The fixture's reference_logits.safetensors: `ids.k` (int32) and `logits.k` (float32 [n, vocab]) for
 * k = 0, 1, … — read with the strict header reader and positional reads.
 */
export async function readReferenceLogits(path: string): Promise<ReferencePrompt[]> {
  const header = await readSafetensorsHeader({ path });
  const byName = new Map(header.tensors.map((t) => [t.name, t]));
  const handle = await open(path, "r");
  try {
    const read = async (name: string): Promise<Buffer> => {
      const info = byName.get(name);
      if (!info) throw new Error(`${path}: no tensor ${name}`);
      const buffer = Buffer.alloc(info.byteLength);
      await handle.read(buffer, 0, info.byteLength, info.byteOffset);
      return buffer;
    };
    const prompts: ReferencePrompt[] = [];
    for (let k = 0; byName.has(`ids.${k}`); k++) {
      const idsInfo = byName.get(`ids.${k}`)!;
      const logitsInfo = byName.get(`logits.${k}`)!;
      if (idsInfo.dtype !== "I32" || logitsInfo.dtype !== "F32") throw new Error(`${path}: unexpected dtypes for prompt ${k}`);
      const idsBytes = await read(`ids.${k}`);
      const logitsBytes = await read(`logits.${k}`);
      const ids = Array.from(new Int32Array(idsBytes.buffer, idsBytes.byteOffset, idsBytes.byteLength / 4));
      const logits = new Float32Array(logitsBytes.buffer.slice(logitsBytes.byteOffset, logitsBytes.byteOffset + logitsBytes.byteLength));
      prompts.push({ ids, logits, vocabSize: logitsInfo.shape[1] });
    }
    return prompts;
  } finally {
    await handle.close();
  }
}
