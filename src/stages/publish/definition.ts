/**
 * Pipeline stage `publish`: upload the build's GGUF (and its eval and VRAM reports, when the
 * pipeline has them) to a Hub model repository with a generated model card and the manifest so
 * far. Params: `repo` (org/name, required), `private` (create it private), `dry_run` (list what
 * would be uploaded). The token comes from HF_TOKEN (or the `hf auth login` file), never from the
 * pipeline file: params are recorded in the manifest.
 */
import { InvalidInputError } from "../../errors.js";
import { join, optionalBoolean, optionalString, rejectUnknownKeys } from "../../pipeline/yamlFields.js";
import type { StageDefinition } from "../../pipeline/types.js";

export interface PublishParams {
  /** Absent: nothing to publish to; the stage then fails with an EnvironmentError (skipped where optional). */
  repo?: string;
  private: boolean;
  dryRun: boolean;
}

export const publishStage: StageDefinition<PublishParams> = {
  name: "publish",
  version: 1,
  description: "publish the GGUF, eval and VRAM reports, manifest and a model card to a Hugging Face Hub repository",
  inputs: [
    { name: "gguf", kind: "gguf" },
    { name: "eval", kind: "eval", optional: true },
    { name: "vram", kind: "vram", optional: true },
  ],
  outputs: [{ name: "publish", kind: "publish" }],
  parseParams(raw, where) {
    rejectUnknownKeys(raw, ["repo", "private", "dry_run"], where.file, where.key);
    const repo = optionalString(raw, "repo", where.file, where.key);
    if (repo !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new InvalidInputError(where.file, `expected org/name, got ${JSON.stringify(repo)}`, join(where.key, "repo"));
    return {
      repo,
      private: optionalBoolean(raw, "private", where.file, where.key) ?? false,
      dryRun: optionalBoolean(raw, "dry_run", where.file, where.key) ?? false,
    };
  },
  async load() {
    return (await import("./runPublishStage.js")).runPublishStage;
  },
};
