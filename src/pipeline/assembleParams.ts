/**
 * The part of parsing params both sides share once each given value has passed parseParamValue:
 * defaults, required options, the schema's cross-field check and its finish step.
 */
import type { OptionMap, ParamContext, ParamOption, ParamSchema } from "./paramSchema.js";

export function assembleParams<P>(params: {
  schema: ParamSchema<OptionMap, P>;
  ctx: ParamContext;
  /** The validated value of an option on this side, or undefined when it was not given. */
  read(property: string, option: ParamOption): unknown;
}): P {
  const { schema, ctx } = params;
  const parsed: Record<string, unknown> = {};
  for (const [property, option] of Object.entries(schema.options)) {
    if (option.only !== undefined && option.only !== ctx.side) continue;
    let value = params.read(property, option);
    if (value === undefined) {
      if (option.required === true || option.required === ctx.side) {
        ctx.fail(property, option.kind === "enum" ? `required: one of ${option.choices.join(", ")}` : "required");
      }
      value = option.default;
    }
    parsed[property] = value;
  }
  // biome-ignore lint/suspicious/noExplicitAny: the schema's own types are checked where it is declared
  const typed = parsed as any;
  schema.check?.(typed, ctx);
  const result = (schema.finish ? schema.finish(typed, ctx) : typed) as P;
  if (!schema.dropUndefined) return result;
  // undefined values would still change the canonical JSON of the cache key between equivalent files
  return Object.fromEntries(Object.entries(result as Record<string, unknown>).filter(([, v]) => v !== undefined)) as P;
}
