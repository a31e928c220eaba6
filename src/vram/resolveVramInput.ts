import type { Stats } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { InvalidInputError } from "../errors.js";

/** A .gguf file as given, or the one .gguf of a build directory (where `oss-prep build` exported it). */
export async function resolveVramInput(input: string): Promise<{ ggufPath: string; buildDir?: string }> {
  const path = resolve(input);
  let info: Stats;
  try {
    info = await stat(path);
  } catch {
    throw new InvalidInputError(path, "not found");
  }
  if (info.isFile()) {
    if (!path.endsWith(".gguf")) throw new InvalidInputError(path, "expected a .gguf file or a build directory");
    return { ggufPath: path };
  }
  const ggufs = (await readdir(path)).filter((f) => f.endsWith(".gguf")).sort();
  if (ggufs.length === 0) throw new InvalidInputError(path, "holds no .gguf file (give a .gguf or a build directory)");
  if (ggufs.length > 1) throw new InvalidInputError(path, `holds several .gguf files (${ggufs.join(", ")}); name one`);
  return { ggufPath: join(path, ggufs[0]), buildDir: path };
}
