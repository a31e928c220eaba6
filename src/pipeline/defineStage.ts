/** A stage definition whose `parseParams` is its params schema read from a pipeline file. */
import { parseYamlParams } from "./parseYamlParams.js";
import type { StageDefinition } from "./types.js";

export function defineStage<P>(definition: Omit<StageDefinition<P>, "parseParams">): StageDefinition<P> {
  return { ...definition, parseParams: (raw, where) => parseYamlParams({ schema: definition.params, raw, file: where.file, key: where.key }) };
}
