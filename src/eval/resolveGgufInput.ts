/**
 * What `oss-prep eval` accepts as a model: a .gguf file, or a build directory (manifest.json beside
 * its artifacts), whose last exported GGUF — the pipeline's product — is taken.
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { InvalidInputError } from "../errors.js";

export async function resolveGgufInput(params: { path: string }): Promise<string> {
  const path = resolve(params.path);
  if (!existsSync(path)) throw new InvalidInputError(path, "no such file or directory");
  if (statSync(path).isFile()) {
    if (!path.endsWith(".gguf")) throw new InvalidInputError(path, "expected a .gguf file or a build directory");
    return path;
  }
  const manifestPath = join(path, "manifest.json");
  if (!existsSync(manifestPath)) throw new InvalidInputError(path, "a directory without manifest.json is not a build directory (pass the .gguf file)");
  let manifest: { stages?: Array<{ outputs?: Array<{ kind?: string; path?: string; files?: Array<{ path: string }> }> }> };
  try {
    manifest = JSON.parse(await readFile(manifestPath, "utf8"));
  } catch (error) {
    throw new InvalidInputError(manifestPath, `invalid JSON: ${(error as Error).message}`);
  }
  const ggufs: string[] = [];
  for (const stage of manifest.stages ?? []) {
    for (const output of stage.outputs ?? []) {
      if (output.kind !== "gguf" || !output.path) continue;
      const file = isAbsolute(output.path) ? output.path : join(path, output.path);
      if (existsSync(file) && statSync(file).isFile()) ggufs.push(file);
    }
  }
  if (ggufs.length === 0) throw new InvalidInputError(manifestPath, "the build has no GGUF artifact");
  return ggufs[ggufs.length - 1];
}
