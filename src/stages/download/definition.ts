/**
 * Pipeline stage `download`: the `source` stage under the name the Hub workflow uses, for
 * pipelines that say what they do (`- stage: download`). Same implementation: a Hub model is
 * downloaded into the Hugging Face cache (resumed, verified, or read offline), a synthetic one
 * generated, a local directory taken in place.
 */
import type { StageDefinition } from "../../pipeline/types.js";
import { sourceStage } from "../source/definition.js";
import type { SourceParams } from "../source/params.js";

export const downloadStage: StageDefinition<SourceParams> = {
  ...sourceStage,
  name: "download",
  description: "download the model from the Hugging Face Hub into the HF cache (or generate / take it in place, like source)",
};
