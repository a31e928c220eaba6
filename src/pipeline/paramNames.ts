/**
 * An option's names on each side: its YAML key (the property in snake_case unless the option names
 * it) and its long flag (the property in kebab-case unless the option names it).
 */
import type { ParamOption } from "./paramSchema.js";

export function paramNames(property: string, option: ParamOption): { yaml: string; flag: string } {
  const words = property.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase().split(" ");
  return { yaml: option.yaml ?? words.join("_"), flag: option.flag ?? `--${words.join("-")}` };
}
