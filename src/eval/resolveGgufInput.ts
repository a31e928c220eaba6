/**
 * What `oss-prep eval` accepts as a model: a .gguf file, or a build directory (manifest.json beside
 * its artifacts), whose last exported GGUF — the pipeline's product — is taken, or an error if it is
 * missing or points outside the build folder.
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { isAbsolute, join, resolve, sep } from "node:path";
import { checkGptOssGguf } from "../arch/gpt-oss/index.js";
import { InvalidInputError } from "../errors.js";
import { readGguf } from "../formats/gguf/readGguf.js";

export async function resolveGgufInput(params: { path: string }): Promise<string> {
  const file = await findGgufInput(params);
  // metadata against tensors before llama.cpp sees the file: an inconsistent GGUF aborts the process
  // inside llama.cpp's loader (GGML_ASSERT) instead of failing with a message
  checkGptOssGguf(await readGguf({ path: file }));
  return file;
}

async function findGgufInput(params: { path: string }): Promise<string> {
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
  // the product is the last GGUF the build exported (relative to the build folder); a missing file is
  // an error, never a reason to fall back to an earlier one (that was the bf16 baseline)
  let product: { file: string; relativePath: string } | undefined;
  for (const stage of manifest.stages ?? []) {
    for (const output of stage.outputs ?? []) {
      if (output.kind !== "gguf" || !output.path || isAbsolute(output.path)) continue;
      product = { file: resolve(path, output.path), relativePath: output.path };
    }
  }
  if (!product) throw new InvalidInputError(manifestPath, "the build exported no GGUF artifact");
  if (!product.file.startsWith(path + sep)) throw new InvalidInputError(manifestPath, `the product GGUF ${JSON.stringify(product.relativePath)} is outside the build folder`);
  if (!existsSync(product.file) || !statSync(product.file).isFile()) {
    throw new InvalidInputError(product.file, "missing: the build's product GGUF (listed in manifest.json) is not there; rebuild, or pass a .gguf file");
  }
  return product.file;
}
