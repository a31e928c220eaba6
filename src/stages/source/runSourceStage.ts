import { existsSync } from "node:fs";
import { join } from "node:path";
import { EnvironmentError, InvalidInputError } from "../../errors.js";
import type { StageContext, StageResult } from "../../pipeline/types.js";
import type { SourceParams } from "./definition.js";

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
      const { ensureSyntheticCheckpoint } = await import("./ensureSyntheticCheckpoint.js");
      const path = await ensureSyntheticCheckpoint({
        workDir: ctx.workDir,
        preset: source.preset,
        seed: source.seed,
        onProgress: (p) => ctx.progress({ done: p.bytesWritten, total: p.totalBytes, unit: "bytes", detail: p.tensor }),
      });
      return { outputs: { checkpoint: { kind: "checkpoint", path } }, summary: { source: "synthetic", preset: source.preset, seed: source.seed, path } };
    }
    case "hub":
      throw new EnvironmentError(
        `model ${ctx.model.name} comes from the Hub (${source.repo}), and the download stage is not available in this build yet; pass --model demo or --model ./local-dir`,
      );
  }
}
