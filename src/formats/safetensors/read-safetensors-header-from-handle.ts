import type { FileHandle } from "node:fs/promises";
import { InvalidInputError } from "../../errors.js";
import { decodeSafetensorsHeader } from "./decode-safetensors-header.js";
import { readExactly } from "./read-exactly.js";
import type { SafetensorsHeader } from "./types.js";

/**
 * Largest JSON header we accept (the reference implementation bounds it at 100 MB); real headers are
 * tens of KiB (gpt-oss-20b: under 100 KiB per shard), so anything near this is corrupt or hostile.
 */
export const MAX_SAFETENSORS_HEADER_BYTES = 100 * 1024 * 1024;

/**
 * Same as readSafetensorsHeader on an already open handle (openCheckpoint keeps the handle for tensor
 * reads, so the header and the data are guaranteed to come from the same file).
 */
export async function readSafetensorsHeaderFromHandle(params: {
  handle: FileHandle;
  path: string;
}): Promise<SafetensorsHeader> {
  const { handle, path } = params;
  const stats = await handle.stat();
  if (!stats.isFile()) throw new InvalidInputError(path, "not a regular file");
  const fileSize = stats.size;
  if (fileSize < 8) {
    throw new InvalidInputError(path, `truncated: ${fileSize} bytes is shorter than the 8-byte header length field`);
  }

  const lengthField = Buffer.alloc(8);
  await readExactly({ handle, file: path, target: lengthField, position: 0 });
  const declared = lengthField.readBigUInt64LE(0);
  if (declared > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    throw new InvalidInputError(
      path,
      `header length ${declared} exceeds the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit: not a safetensors file or corrupt`,
    );
  }
  const headerSize = Number(declared);
  if (headerSize > fileSize - 8) {
    throw new InvalidInputError(
      path,
      `truncated: header length ${headerSize} is more than the ${fileSize - 8} bytes after the length field`,
    );
  }
  if (headerSize < 2) throw new InvalidInputError(path, `header length ${headerSize} is too small for a JSON object`);

  const headerBytes = Buffer.alloc(headerSize);
  await readExactly({ handle, file: path, target: headerBytes, position: 8 });
  return decodeSafetensorsHeader({ path, fileSize, headerBytes });
}
