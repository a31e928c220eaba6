/**
 * Commander options from params schemas (src/pipeline/paramSchema.ts): a stage's schema, the same one
 * the pipeline loader reads, plus the command's own CLI-only options. Values are validated afterwards
 * by readSchemaOptions with the schema's validators; commander only checks enum choices (its message
 * names the allowed CLI spellings).
 */
import { type Command, Option } from "commander";
import { paramNames } from "../pipeline/paramNames.js";
import type { OptionMap, ParamOption, ParamSchema } from "../pipeline/paramSchema.js";

export function addSchemaOptions(params: { command: Command; schemas: ReadonlyArray<ParamSchema<OptionMap, unknown>> }): Command {
  for (const schema of params.schemas) {
    for (const [property, option] of Object.entries(schema.options)) {
      if (option.only === "yaml") continue;
      const { flag } = paramNames(property, option);
      params.command.addOption(commanderOption(flag, option, option.short));
      for (const alias of option.aliases ?? []) params.command.addOption(commanderOption(alias, option).hideHelp());
    }
  }
  return params.command;
}

const DEFAULT_ARG: Record<ParamOption["kind"], string> = { string: "value", integer: "n", number: "x", boolean: "", enum: "value", list: "values", custom: "value" };

function commanderOption(flag: string, option: ParamOption, short?: string): Option {
  let flags = option.kind === "boolean" && option.negate ? flag.replace(/^--/, "--no-") : flag;
  if (short) flags = `${short}, ${flags}`;
  if (option.kind !== "boolean") flags += ` <${option.arg ?? DEFAULT_ARG[option.kind]}${option.kind === "list" ? "..." : ""}>`;
  const result = new Option(flags, option.help);
  if (option.kind === "enum") {
    const cliSpelling = Object.fromEntries(Object.entries(option.cliValues ?? {}).map(([cli, value]) => [value, cli]));
    result.choices(option.choices.map((c) => cliSpelling[String(c)] ?? String(c)));
  }
  // shown in help; readSchemaOptions takes defaults from the schema, not from commander
  if (option.default !== undefined && option.kind !== "boolean") {
    const cliDefault = option.kind === "enum" ? (Object.entries(option.cliValues ?? {}).find(([, v]) => v === option.default)?.[0] ?? option.default) : option.default;
    result.default(cliDefault);
  }
  // with aliases, any spelling may carry a required value: readSchemaOptions checks it
  if ((option.required === true || option.required === "cli") && !option.aliases?.length) result.makeOptionMandatory();
  return result;
}
