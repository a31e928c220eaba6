/**
 * Params of the `publish` stage and `oss-prep publish` (one schema: see src/pipeline/paramSchema.ts).
 * The token is never a param (params are recorded in the manifest): HF_TOKEN, or `--token` on the CLI.
 */
import { ParamProblem, defineParams, type SchemaParams } from "../../pipeline/paramSchema.js";

export const publishParams = defineParams({
  options: {
    // Absent in a pipeline: nothing to publish to; the stage then fails with an EnvironmentError (skipped where optional).
    repo: {
      kind: "custom",
      parse: (value) => (typeof value === "string" && /^[\w.-]+\/[\w.-]+$/.test(value) ? value : new ParamProblem("expected org/name")),
      required: "cli",
      arg: "org/name",
      help: "the model repository (created if it does not exist)",
    },
    private: { kind: "boolean", default: false, help: "create the repository private (an existing one keeps its visibility)" },
    dryRun: { kind: "boolean", default: false, help: "list what would be uploaded and show the model card; change nothing" },
  },
});

export type PublishParams = SchemaParams<typeof publishParams>;
