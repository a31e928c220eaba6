/**
 * The params of a command's options declared by a schema (added by addSchemaOptions): each given
 * string is coerced (numbers, enum spellings) and validated by the same parseParamValue the pipeline
 * loader uses, then defaults, required options, the cross-field check and the finish step are applied
 * as for a pipeline file. Problems are UsageErrors naming the flag (exit 2).
 */
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { assembleParams } from "../pipeline/assembleParams.js";
import { paramNames } from "../pipeline/paramNames.js";
import { type OptionMap, type ParamContext, type ParamOption, ParamProblem, type ParamSchema } from "../pipeline/paramSchema.js";
import { parseParamValue } from "../pipeline/parseParamValue.js";

export function readSchemaOptions<C>(params: { command: Command; schema: ParamSchema<OptionMap, unknown, C> }): C {
  const { command, schema } = params;
  const flagOf = (property: string) => paramNames(property, schema.options[property]).flag;
  const ctx: ParamContext = {
    side: "cli",
    name: flagOf,
    fail(property, problem) {
      throw new UsageError(`${flagOf(property)}: ${problem}`);
    },
  };
  return assembleParams({
    schema: schema as ParamSchema<OptionMap, C>,
    ctx,
    read(property, option) {
      const flags = [flagOf(property), ...(option.aliases ?? [])];
      // the last given spelling wins, as a repeated flag does
      let raw: unknown;
      let given: string | undefined;
      for (const flag of flags) {
        const attribute = command.options.find((o) => o.long === flag || o.long === flag.replace(/^--/, "--no-"))?.attributeName();
        if (attribute === undefined || command.getOptionValueSource(attribute) !== "cli") continue;
        raw = command.getOptionValue(attribute);
        given = flag;
      }
      if (given === undefined) return undefined;
      const parsed = parseParamValue(option, coerce(option, raw));
      if (parsed instanceof ParamProblem) {
        throw new UsageError(parsed.mentionsValue ? `${given}: ${parsed.problem}` : `${given} ${JSON.stringify(raw)}: ${parsed.problem}`);
      }
      return parsed;
    },
  });
}

/** A command-line string as the value a pipeline file would hold. */
function coerce(option: ParamOption, raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  switch (option.kind) {
    case "integer":
    case "number":
      return raw.trim() === "" ? Number.NaN : Number(raw);
    case "enum": {
      const value = option.cliValues?.[raw] ?? raw;
      return option.choices.find((c) => String(c) === value) ?? value;
    }
    default:
      return raw;
  }
}
