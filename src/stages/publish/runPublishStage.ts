import { stat, writeFile, mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { EnvironmentError } from "../../errors.js";
import { publishToHub, type PublishFile } from "../../hub/publishToHub.js";
import { renderModelCard } from "../../publish/renderModelCard.js";
import { resolveHubEnvironment } from "../../hub/resolveHubEnvironment.js";
import { type BuildManifest, toolVersions } from "../../pipeline/manifest.js";
import type { Artifact, StageContext, StageResult } from "../../pipeline/types.js";
import { formatBytes } from "../../util/format.js";
import type { PublishParams } from "./params.js";

/** A file artifact is published under its name, a directory artifact under `<slot>/`. */
async function artifactFiles(slot: string, artifact: Artifact): Promise<Array<PublishFile & { size: number; sha256: string }>> {
  if ((await stat(artifact.path)).isFile()) {
    const [file] = artifact.files;
    return [{ path: basename(artifact.path), localPath: artifact.path, size: file.size, sha256: file.sha256 }];
  }
  return artifact.files.map((f) => ({ path: `${slot}/${f.path}`, localPath: join(artifact.path, f.path), size: f.size, sha256: f.sha256 }));
}

export async function runPublishStage(ctx: StageContext<PublishParams>): Promise<StageResult> {
  const repo = ctx.params.repo;
  if (!repo) {
    throw new EnvironmentError("no Hub repository to publish to: pass `build --publish-to org/name` or set `repo` in the pipeline's publish stage");
  }
  // a dry run inside a build previews the card and the files without asking the Hub (a variant's
  // placeholder repository offline cost ~31 s of retries); `oss-prep publish --dry-run` compares with it
  const hub = { ...resolveHubEnvironment({}), ...(ctx.params.dryRun && { offline: true }) };
  const artifacts: Array<PublishFile & { size: number; sha256: string }> = [];
  for (const slot of ["gguf", "eval", "vram"]) if (ctx.inputs[slot]) artifacts.push(...(await artifactFiles(slot, ctx.inputs[slot])));

  // The manifest so far: every stage before this one, as the final manifest.json will list them.
  const stages = ctx.build?.stages ?? [];
  const manifest: BuildManifest = {
    schema: 1,
    variant: ctx.build?.variant ?? "unknown",
    pipelineFile: "",
    model: { name: ctx.model.name, source: { ...ctx.model.source } },
    createdAt: new Date().toISOString(),
    stages,
    tools: toolVersions(),
    warnings: stages.flatMap((s) => s.warnings.map((w) => `${s.id}: ${w}`)),
  };
  const card = renderModelCard({
    repo,
    variant: manifest.variant,
    variantDescription: ctx.build?.description,
    model: { name: ctx.model.name, baseModel: ctx.model.baseModel, license: ctx.model.license, source: manifest.model.source },
    stages,
    tools: manifest.tools,
    files: artifacts.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
    manifestPublished: true,
    endpoint: hub.endpoint,
    skipped: ctx.build?.skipped,
  });

  const result = await publishToHub({
    repo,
    files: [
      ...artifacts.map(({ path, localPath }) => ({ path, localPath })),
      { path: "manifest.json", content: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
      { path: "README.md", content: Buffer.from(card) },
    ],
    hub,
    private: ctx.params.private,
    dryRun: ctx.params.dryRun,
    license: ctx.model.license,
    commitTitle: `oss-prep: ${manifest.variant} of ${ctx.model.name}`,
    commitDescription: `Published by oss-prep ${manifest.tools.ossPrep}.`,
    signal: ctx.signal,
    onProgress: (p) => ctx.progress({ done: p.doneBytes, total: p.totalBytes, unit: "bytes", detail: `${p.phase}${p.file ? ` ${p.file}` : ""}` }),
    onWarning: (m) => ctx.warn(m),
  });

  const report = join(ctx.outDir, "report");
  await mkdir(report, { recursive: true });
  await writeFile(join(report, "README.md"), card);
  await writeFile(join(report, "publish.json"), `${JSON.stringify(result, null, 2)}\n`);
  const uploads = result.files.filter((f) => f.action === "upload");
  const verb = result.dryRun ? "would upload" : "uploaded";
  return {
    outputs: { publish: { kind: "publish", path: "report" } },
    summary: {
      repo: result.repo,
      url: result.url,
      dryRun: result.dryRun,
      created: result.created,
      commit: result.commit?.oid,
      uploaded: uploads.length,
      skipped: result.files.length - uploads.length,
      uploadedBytes: uploads.reduce((n, f) => n + f.size, 0),
      text: `${result.url}: ${verb} ${uploads.length} files (${formatBytes(uploads.reduce((n, f) => n + f.size, 0))}), ${result.files.length - uploads.length} already there${result.commit ? `, commit ${result.commit.oid}` : ""}`,
    },
  };
}
