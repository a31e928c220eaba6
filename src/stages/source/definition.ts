/**
 * The first stage of every pipeline: make the model's checkpoint available on disk.
 * Hub models are downloaded into the Hugging Face cache, synthetic ones generated into the work
 * dir (once), local directories used in place. It runs every build — each path is cheap when the
 * files are already there — and its output digest decides whether later stages are cached.
 */
import { defineStage } from "../../pipeline/defineStage.js";
import { type SourceParams, sourceParams } from "./params.js";

export const sourceStage = defineStage<SourceParams>({
  name: "source",
  version: 1,
  description: "download (Hub), generate (synthetic) or take in place (local dir) the model checkpoint",
  inputs: [],
  outputs: [{ name: "checkpoint", kind: "checkpoint" }],
  alwaysRun: true,
  params: sourceParams,
  async load() {
    return (await import("./runSourceStage.js")).runSourceStage;
  },
});
