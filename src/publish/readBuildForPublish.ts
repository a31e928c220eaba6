/**
 * What `oss-prep publish <build dir>` uploads: the artifacts the build exported (as manifest.json
 * lists them), manifest.json itself, and a README.md model card rendered from the manifest. Each
 * artifact must still be what the manifest says (size and sha256) — publishing a file that changed
 * after the build would pair it with a card and a manifest that describe something else.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, join, resolve, sep } from "node:path";
import { InvalidInputError } from "../errors.js";
import type { BuildManifest } from "../pipeline/manifest.js";
import { listModelSpecs } from "../pipeline/modelSpec.js";
import { listPipelineSpecs, type StageList } from "../pipeline/pipelineSpec.js";
import { ContentDigester, digestFile } from "../hub/contentDigests.js";
import type { PublishFile } from "../hub/publishToHub.js";
import { redactLocalPaths } from "../util/redactLocalPaths.js";
import { renderModelCard } from "./renderModelCard.js";

export interface BuildPublication {
  manifest: BuildManifest;
  files: PublishFile[];
  /** The README.md content. */
  card: string;
}

export async function readBuildForPublish(params: { buildDir: string; repo: string; endpoint: string; stages: StageList; signal?: AbortSignal }): Promise<BuildPublication> {
  const manifestPath = join(params.buildDir, "manifest.json");
  let manifest: BuildManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, "utf8")) as BuildManifest;
  } catch (error) {
    const problem = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no manifest.json: not a build directory (run `oss-prep build` first)" : `unreadable manifest.json: ${(error as Error).message}`;
    throw new InvalidInputError(params.buildDir, problem);
  }
  if (manifest.schema !== 1 || !Array.isArray(manifest.stages)) throw new InvalidInputError(manifestPath, "not an oss-prep build manifest (schema 1)");

  // Exported outputs have paths relative to the build dir; absolute ones (the HF cache) stay home.
  // What a variant publishes (the same rule as the build's publish stage, which is wired to the
  // product): the product — the stage that exported the last GGUF, with everything it exported (the
  // AWQ checkpoint beside its GGUF) — and the reports (eval, vram). Never another stage's GGUF: a
  // gguf-q5 build also exports its bf16 baseline, 13.8 GB that is not the variant.
  const exportedGguf = manifest.stages.filter((stage) => stage.outputs.some((o) => o.kind === "gguf" && !isAbsolute(o.path)));
  const product = exportedGguf.at(-1);
  const artifacts: Array<{ path: string; size: number; sha256: string }> = [];
  for (const stage of manifest.stages) {
    for (const output of stage.outputs) {
      if (isAbsolute(output.path)) continue;
      if (stage !== product && output.kind !== "eval" && output.kind !== "vram") continue;
      const single = output.files.length === 1 && output.files[0].path === output.path;
      for (const file of output.files) {
        const path = single ? output.path : join(output.path, file.path);
        // a manifest is data: a path that leaves the build folder (../, a link-free escape) is refused,
        // never read and uploaded
        const full = resolve(params.buildDir, path);
        if (!full.startsWith(resolve(params.buildDir) + sep)) throw new InvalidInputError(manifestPath, `artifact path ${JSON.stringify(path)} leaves the build folder`);
        artifacts.push({ path, size: file.size, sha256: file.sha256 });
      }
    }
  }
  if (!artifacts.some((a) => a.path.endsWith(".gguf"))) throw new InvalidInputError(manifestPath, "the build exported no GGUF file to publish");
  for (const artifact of artifacts) {
    params.signal?.throwIfAborted();
    const digester = new ContentDigester();
    let size: number;
    try {
      size = await digestFile({ path: join(params.buildDir, artifact.path), digester, signal: params.signal });
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      throw new InvalidInputError(join(params.buildDir, artifact.path), "listed in manifest.json but missing");
    }
    const { sha256 } = digester.digest();
    if (size !== artifact.size || sha256 !== artifact.sha256) {
      throw new InvalidInputError(join(params.buildDir, artifact.path), `changed since the build (manifest.json says ${artifact.size} bytes, sha256 ${artifact.sha256}); rebuild before publishing`);
    }
  }

  // Base model, license and the variant's description come from the model and pipeline files, when known.
  const spec = (await listModelSpecs().catch(() => [])).find((m) => m.name === manifest.model.name);
  const pipeline = (await listPipelineSpecs(params.stages).catch(() => [])).find((p) => p.name === manifest.variant);
  const card = renderModelCard({
    repo: params.repo,
    variant: manifest.variant,
    variantDescription: pipeline?.description,
    model: { name: manifest.model.name, baseModel: spec?.baseModel, license: spec?.license, source: manifest.model.source },
    stages: manifest.stages,
    tools: manifest.tools,
    files: artifacts,
    manifestPublished: true,
    endpoint: params.endpoint,
    skipped: manifest.skipped,
    fit: manifest.fit,
  });
  return {
    manifest,
    card,
    files: [
      ...artifacts.map((a) => ({ path: a.path, localPath: join(params.buildDir, a.path) })),
      // the provenance with its digests, without the builder's directories (work dir, HF cache, home)
      { path: "manifest.json", content: Buffer.from(`${JSON.stringify(redactLocalPaths(manifest), null, 2)}\n`) },
      { path: "README.md", content: Buffer.from(card) },
    ],
  };
}
