/**
 * Params of the `eval` stage and `oss-prep eval` (one schema: see src/pipeline/paramSchema.ts).
 * `rows` stays the rule as written (it is part of the cache key); the stage and the command turn it
 * into a RowFilter with parseRowFilter.
 */
import { matchRowFilter } from "../../eval/cmmlu/matchRowFilter.js";
import { ParamProblem, defineParams, type SchemaParams } from "../../pipeline/paramSchema.js";

function parseRows(value: unknown): string | ParamProblem {
  if (typeof value !== "string") return new ParamProblem("expected all, i%M==R or i%M!=R (e.g. i%5!=0)");
  const matched = matchRowFilter(value);
  return "problem" in matched ? new ParamProblem(matched.problem) : value;
}

export const evalParams = defineParams({
  options: {
    cmmluDir: { kind: "string", arg: "dir", help: "local CMMLU copy (dev/, test/, subjects.json); default: the Hub dataset haonan-li/cmmlu, cached" },
    subjects: { kind: "list", arg: "names", help: "subjects or categories (STEM, Humanities, Social Science, Other, China specific); default all 67" },
    rows: {
      kind: "custom",
      parse: parseRows,
      default: "all",
      arg: "rule",
      help: "test rows per subject by 0-based file index: all, i%M==R or i%M!=R (tiny fixture: trained i%5!=0, held out i%5==0)",
    },
    perSubject: { kind: "integer", min: 1, help: "questions per subject after --rows" },
    sample: { kind: "enum", choices: ["first", "random"], default: "first", arg: "how", help: "which questions per subject: the first N, or a seeded random N" },
    seed: { kind: "integer", min: 0, default: 0, help: "seed for --sample random" },
    shots: { kind: "integer", min: 0, max: 5, default: 0, arg: "k", help: "dev examples in the prompt (0…5, file order; dropped longest first if the context overflows)" },
    text: { kind: "string", arg: "file", help: "text to measure divergence from the baseline on (default: the selected CMMLU prompts)" },
    klTokens: { kind: "integer", min: 1, help: "token budget for the divergence measurement (default 8192)" },
    contextSize: { kind: "integer", min: 16, flag: "--ctx", aliases: ["--context-size"], help: "most tokens per evaluated sequence (default 4096, at most the model's)" },
    parallel: { kind: "integer", min: 1, max: 64, help: "questions evaluated side by side in one batch (default 1, fastest on CPU)" },
    gpu: { kind: "boolean", default: false, help: "offload to CUDA/Metal/Vulkan when present (default: CPU)" },
  },
});

export type EvalStageParams = SchemaParams<typeof evalParams>;
