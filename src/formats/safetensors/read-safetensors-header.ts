import { openForReading } from "./open-for-reading.js";
import { readSafetensorsHeaderFromHandle } from "./read-safetensors-header-from-handle.js";
import type { SafetensorsHeader } from "./types.js";

/**
 * Read and validate the header of a .safetensors file: the 8-byte little-endian header length, then the
 * JSON header, and nothing else (tensor data is never read here).
 *
 * Memory: the only allocations sized by file content are the header buffer and what is decoded from it,
 * and the header length is checked against the file size (and a 100 MiB cap) before the
 * buffer is allocated. So a corrupt length field can never make us allocate more than the file holds.
 */
export async function readSafetensorsHeader(params: { path: string }): Promise<SafetensorsHeader> {
  const { path } = params;
  const handle = await openForReading(path);
  try {
    return await readSafetensorsHeaderFromHandle({ handle, path });
  } finally {
    await handle.close();
  }
}
