/**
 * A stage's `with:` mapping from a pipeline file, parsed by the stage's schema (paramSchema.ts):
 * unknown keys, bad values and cross-field conflicts fail with InvalidInputError naming the file and
 * the key path (`pipelines/x.yaml: stages[1].with.outtype: expected one of f32, f16, bf16, got "q4"`).
 */
import { InvalidInputError } from "../errors.js";
import { assembleParams } from "./assembleParams.js";
import { paramNames } from "./paramNames.js";
import { type OptionMap, type ParamContext, ParamProblem, type ParamSchema } from "./paramSchema.js";
import { parseParamValue } from "./parseParamValue.js";
import { join, rejectUnknownKeys } from "./yamlFields.js";

export function parseYamlParams<P>(params: { schema: ParamSchema<OptionMap, P>; raw: Record<string, unknown>; file: string; key: string }): P {
  const { schema, raw, file, key } = params;
  const yamlKey = (property: string) => paramNames(property, schema.options[property]).yaml;
  const onYaml = Object.keys(schema.options).filter((p) => schema.options[p].only !== "cli");
  rejectUnknownKeys(raw, onYaml.map(yamlKey), file, key);
  const ctx: ParamContext = {
    side: "yaml",
    name: yamlKey,
    fail(property, problem, index) {
      const at = join(key, yamlKey(property));
      throw new InvalidInputError(file, problem, index === undefined ? at : join(at, index));
    },
  };
  return assembleParams({
    schema,
    ctx,
    read(property, option) {
      const value = raw[yamlKey(property)];
      if (value === undefined) return undefined;
      const parsed = parseParamValue(option, value);
      if (parsed instanceof ParamProblem) ctx.fail(property, parsed.mentionsValue ? parsed.problem : `${parsed.problem}, got ${JSON.stringify(value)}`);
      return parsed;
    },
  });
}
