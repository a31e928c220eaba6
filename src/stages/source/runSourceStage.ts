import { existsSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError } from "../../errors.js";
import type { StageContext, StageResult } from "../../pipeline/types.js";
import type { SourceParams } from "./params.js";

export async function runSourceStage(ctx: StageContext<SourceParams>): Promise<StageResult> {
  const source = ctx.model.source;
  switch (source.kind) {
    case "local": {
      if (!existsSync(join(source.path, "config.json"))) {
        throw new InvalidInputError(source.path, "not a checkpoint directory: config.json is missing");
      }
      return { outputs: { checkpoint: { kind: "checkpoint", path: source.path } }, summary: { source: "local", path: source.path } };
    }
    case "synth": {
      const { ensureSyntheticCheckpoint } = await import("../../synth/ensureSyntheticCheckpoint.js");
      const path = await ensureSyntheticCheckpoint({
        workDir: ctx.workDir,
        preset: source.preset,
        seed: source.seed,
        onProgress: (p) => ctx.progress({ done: p.bytesWritten, total: p.totalBytes, unit: "bytes", detail: p.tensor }),
      });
      return { outputs: { checkpoint: { kind: "checkpoint", path } }, summary: { source: "synthetic", preset: source.preset, seed: source.seed, path } };
    }
    case "hub": {
      const { downloadHubSnapshot } = await import("../../hub/downloadHubSnapshot.js");
      const { resolveHubEnvironment, DEFAULT_HUB_ENDPOINT } = await import("../../hub/resolveHubEnvironment.js");
      // Endpoint, token, offline mode and cache from the environment (HF_ENDPOINT, HF_TOKEN,
      // HF_HUB_OFFLINE, HF_HUB_CACHE/HF_HOME), shared with the Python tools; the token stays in memory.
      const hub = resolveHubEnvironment({});
      const snapshot = await downloadHubSnapshot({
        repo: source.repo,
        revision: source.revision,
        allow: source.allow,
        hub,
        // --verify: no memo, every blob is hashed again
        memoFile: ctx.verify ? undefined : join(ctx.workDir, "hub", "verified.json"),
        signal: ctx.signal,
        onProgress: (p) =>
          ctx.progress({
            done: p.doneBytes,
            total: p.totalBytes,
            unit: "bytes",
            detail: `${p.filesDone}/${p.filesTotal} files${p.active.length ? ` · ${p.active.join(", ")}` : ""}`,
          }),
        onWarning: (m) => ctx.warn(m),
      });
      return {
        outputs: {
          checkpoint: {
            kind: "checkpoint",
            path: snapshot.snapshotDir,
            // verified while downloading: the engine need not hash 13 GB again
            files: snapshot.files.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
            filesAreComplete: true,
          },
        },
        summary: {
          source: "hub",
          repo: snapshot.repo,
          revision: snapshot.revision,
          commit: snapshot.commit,
          ...(hub.endpoint !== DEFAULT_HUB_ENDPOINT ? { endpoint: hub.endpoint } : {}),
          offline: snapshot.offline,
          files: snapshot.files.length,
          bytes: snapshot.files.reduce((sum, f) => sum + f.size, 0),
          fetchedBytes: snapshot.fetchedBytes,
          reusedBytes: snapshot.reusedBytes,
          path: snapshot.snapshotDir,
        },
      };
    }
  }
}
