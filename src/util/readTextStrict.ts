/**
 * Data files read as text (CMMLU CSVs, subjects.json): strict UTF-8, never replacement characters —
 * a GBK-encoded CSV decoded leniently changes the questions and the accuracy without a word. Read
 * from regular files only: a FIFO would block the read forever.
 */
import { open } from "node:fs/promises";
import { InvalidInputError } from "../errors.js";

export async function readDataFile(file: string): Promise<Buffer> {
  let handle: import("node:fs/promises").FileHandle | undefined;
  try {
    // O_NONBLOCK: opening a FIFO without a writer must not hang; it is then refused as not a file
    const { constants } = await import("node:fs");
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await handle.stat();
    if (!info.isFile()) throw new InvalidInputError(file, "not a regular file");
    return await handle.readFile();
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new InvalidInputError(file, `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    await handle?.close();
  }
}

export function decodeUtf8Strict(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new InvalidInputError(file, `not UTF-8 text (invalid byte 0x${bytes[at].toString(16).padStart(2, "0")} at offset ${at}; a GBK file? convert it with iconv -f GBK -t UTF-8)`);
  }
}

/**
 * Offset of the first byte that does not start or continue a well-formed sequence (lead and
 * continuation bits only: enough to point at a GBK or Latin-1 byte; 0 if none is found that way).
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    const length = b < 0x80 ? 1 : b >> 5 === 0b110 ? 2 : b >> 4 === 0b1110 ? 3 : b >> 3 === 0b11110 ? 4 : 0;
    if (length === 0) return i;
    for (let k = 1; k < length; k++) if (i + k >= bytes.length || bytes[i + k] >> 6 !== 0b10) return i;
    i += length;
  }
  return 0;
}
