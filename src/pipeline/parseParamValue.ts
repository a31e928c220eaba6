/**
 * The one validator of a parameter value, used for pipeline files and, after coercing the string,
 * for the command line (see paramSchema.ts). Returns the parsed value or a ParamProblem.
 */
import { type ParamOption, ParamProblem } from "./paramSchema.js";

export function parseParamValue(option: ParamOption, value: unknown): unknown {
  switch (option.kind) {
    case "string":
      return typeof value === "string" && value.length > 0 ? value : new ParamProblem("expected a non-empty string");
    case "integer":
    case "number": {
      if (typeof value !== "number" || (option.kind === "integer" ? !Number.isSafeInteger(value) : !Number.isFinite(value))) {
        return new ParamProblem(option.kind === "integer" ? "expected an integer" : "expected a number");
      }
      if ((option.min !== undefined && value < option.min) || (option.max !== undefined && value > option.max)) {
        return new ParamProblem(`out of range [${option.min ?? "-∞"}, ${option.max ?? "∞"}]`);
      }
      return value;
    }
    case "boolean":
      return typeof value === "boolean" ? value : new ParamProblem("expected true or false");
    case "enum":
      return option.choices.includes(value as string | number) ? value : new ParamProblem(`expected ${option.expected ?? `one of ${option.choices.join(", ")}`}`);
    case "list":
      return Array.isArray(value) && value.every((item) => typeof item === "string" && item.length > 0) ? value : new ParamProblem("expected a list of non-empty strings");
    case "custom":
      return option.parse(value);
  }
}
