/**
 * Pipeline stage `publish`: upload the build's GGUF (and its eval and VRAM reports, when the
 * pipeline has them) to a Hub model repository with a generated model card and the manifest so
 * far. Params: `repo` (org/name, required), `private` (create it private), `dry_run` (list what
 * would be uploaded). The token comes from HF_TOKEN (or the `hf auth login` file), never from the
 * pipeline file: params are recorded in the manifest.
 */
import { defineStage } from "../../pipeline/defineStage.js";
import { type PublishParams, publishParams } from "./params.js";

export const publishStage = defineStage<PublishParams>({
  name: "publish",
  version: 1,
  description: "publish the GGUF, eval and VRAM reports, manifest and a model card to a Hugging Face Hub repository",
  inputs: [
    { name: "gguf", kind: "gguf" },
    { name: "eval", kind: "eval", optional: true },
    { name: "vram", kind: "vram", optional: true },
  ],
  outputs: [{ name: "publish", kind: "publish" }],
  params: publishParams,
  async load() {
    return (await import("./runPublishStage.js")).runPublishStage;
  },
});
