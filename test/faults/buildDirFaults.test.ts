/**
 * Issue 16, items 7 and 13 (manifest part): a build folder's manifest.json is data. `eval <build dir>`
 * evaluates the build's product or fails — it evaluated the bf16 baseline when the product was
 * missing — and neither eval nor publish follows an artifact path out of the build folder.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveGgufInput } from "../../src/eval/resolveGgufInput.js";
import { readBuildForPublish } from "../../src/publish/readBuildForPublish.js";

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-builddir-faults-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const file = (path: string) => ({ path, size: 4, sha256: "0".repeat(64) });

async function buildDir(name: string, outputs: string[], present: string[]): Promise<string> {
  const dir = join(home, name);
  await mkdir(dir, { recursive: true });
  const stages = outputs.map((path, i) => ({ id: `s${i}`, stage: "quantize", outputs: [{ name: "gguf", kind: "gguf", path, files: [file(path)], digest: "x" }] }));
  await writeFile(join(dir, "manifest.json"), JSON.stringify({ schema: 1, variant: "gguf-q5", model: { name: "demo" }, stages }));
  for (const p of present) await writeFile(join(dir, p), "GGUF");
  return dir;
}

describe("a build folder's manifest", () => {
  it("eval: the product missing is an error naming it, not the baseline evaluated instead", async () => {
    const dir = await buildDir("missing-product", ["demo-BF16.gguf", "demo-Q5_K_M.gguf"], ["demo-BF16.gguf"]);
    await expect(resolveGgufInput({ path: dir })).rejects.toThrow(`${join(dir, "demo-Q5_K_M.gguf")}: missing: the build's product GGUF`);
    const complete = await buildDir("complete", ["demo-BF16.gguf", "demo-Q5_K_M.gguf"], ["demo-BF16.gguf", "demo-Q5_K_M.gguf"]);
    // the product is the one read (these stand-ins are not GGUFs: the header check names the product)
    await expect(resolveGgufInput({ path: complete })).rejects.toThrow(join(complete, "demo-Q5_K_M.gguf"));
  });

  it("eval and publish refuse artifact paths that leave the build folder", async () => {
    await writeFile(join(home, "outside.gguf"), "GGUF");
    const dir = await buildDir("escape", ["../outside.gguf"], []);
    await expect(resolveGgufInput({ path: dir })).rejects.toThrow("is outside the build folder");
    await expect(readBuildForPublish({ buildDir: dir, repo: "org/name", endpoint: "https://huggingface.co", stages: [] })).rejects.toThrow('artifact path "../outside.gguf" leaves the build folder');
  });
});
