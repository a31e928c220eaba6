import type { FileHandle } from "node:fs/promises";
import { InvalidInputError } from "../../errors.js";

/**
 * One positional read call is capped well under the 2 GiB that a single read(2) may transfer, and large
 * enough that per-call overhead is negligible next to the disk.
 */
const MAX_READ_CALL_BYTES = 64 * 1024 * 1024;

/**
 * Fill `target` from `handle` starting at absolute `position`, with positional reads (no shared file
 * cursor, so concurrent reads on one handle are safe). A read returning 0 bytes before `target` is full
 * means the file is shorter than its header said, e.g. it shrank after the header was read: that is a
 * truncated file, reported naming `file` (and `key`, the tensor, when given).
 */
export async function readExactly(params: {
  handle: FileHandle;
  file: string;
  target: Uint8Array;
  position: number;
  key?: string;
}): Promise<void> {
  const { handle, file, target, position, key } = params;
  let done = 0;
  while (done < target.length) {
    const length = Math.min(target.length - done, MAX_READ_CALL_BYTES);
    const { bytesRead } = await handle.read(target, done, length, position + done);
    if (bytesRead === 0) {
      throw new InvalidInputError(
        file,
        `truncated: expected ${target.length} bytes at offset ${position} but the file ends after ${done}`,
        key,
      );
    }
    done += bytesRead;
  }
}
