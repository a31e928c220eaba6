/** Params of the `convert` stage and `oss-prep convert` (one schema: see src/pipeline/paramSchema.ts). */
import { defineParams, type SchemaParams } from "../../pipeline/paramSchema.js";

export const convertParams = defineParams({
  options: {
    outtype: { kind: "enum", choices: ["f32", "f16", "bf16"], default: "bf16", arg: "type", help: "type of the non-expert weights" },
    dequantizeExperts: { kind: "boolean", default: false, help: "write the MXFP4 experts at the outtype instead of copying them" },
  },
});

export type ConvertParams = SchemaParams<typeof convertParams>;
