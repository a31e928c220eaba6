/**
 * The first stage of every pipeline: make the model's checkpoint available on disk.
 * Hub models are downloaded into the Hugging Face cache, synthetic ones generated into the work
 * dir (once), local directories used in place. It runs every build — each path is cheap when the
 * files are already there — and its output digest decides whether later stages are cached.
 */
import { rejectUnknownKeys } from "../../pipeline/yamlFields.js";
import type { StageDefinition } from "../../pipeline/types.js";

export type SourceParams = Record<string, never>;

export const sourceStage: StageDefinition<SourceParams> = {
  name: "source",
  version: 1,
  description: "download (Hub), generate (synthetic) or take in place (local dir) the model checkpoint",
  inputs: [],
  outputs: [{ name: "checkpoint", kind: "checkpoint" }],
  alwaysRun: true,
  parseParams(raw, where) {
    rejectUnknownKeys(raw, [], where.file, where.key);
    return {};
  },
  async load() {
    return (await import("./runSourceStage.js")).runSourceStage;
  },
};
