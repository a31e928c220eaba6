import { open, type FileHandle } from "node:fs/promises";
import { InvalidInputError } from "../../errors.js";

/** Open for reading, turning "no such file" and "is a directory" into InvalidInputError naming the path. */
export async function openForReading(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InvalidInputError(path, "file not found", undefined, { cause });
    if (code === "EISDIR") throw new InvalidInputError(path, "is a directory, not a file", undefined, { cause });
    if (code === "ENOTDIR") throw new InvalidInputError(path, "a parent of this path is not a directory", undefined, { cause });
    throw cause;
  }
}
