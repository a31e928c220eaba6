import { readFile } from "node:fs/promises";
import { InvalidInputError } from "../../errors.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a checkpoint text file the way Python's `open(path, encoding="utf-8").read()` does, which is how
 * llama.cpp's converter reads chat_template.jinja and merges.txt: strict UTF-8 (invalid bytes are an
 * error, not U+FFFD), a leading BOM kept as U+FEFF, and universal newlines (CRLF and lone CR become LF).
 * Returns undefined when the file does not exist and `optional` is set.
 */
export async function readCheckpointText(params: { path: string; optional?: boolean }): Promise<string | undefined> {
  const { path, optional = false } = params;
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (optional && (code === "ENOENT" || code === "ENOTDIR")) return undefined;
    if (code === "ENOENT") throw new InvalidInputError(path, "file not found", undefined, { cause: error });
    if (code === "EISDIR") throw new InvalidInputError(path, "is a directory, expected a file", undefined, { cause: error });
    throw new InvalidInputError(path, `cannot read: ${(error as Error).message}`, undefined, { cause: error });
  }
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch (error) {
    throw new InvalidInputError(path, "not valid UTF-8", undefined, { cause: error });
  }
  // TextDecoder strips a BOM by default only when ignoreBOM is false; Python keeps it, so put it back.
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) text = `\ufeff${text}`;
  return text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
}
