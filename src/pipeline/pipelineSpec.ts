/**
 * Variants are declared in pipelines/*.yaml as an ordered list of stages with parameters.
 * Loading validates everything up front — stage names, params, input wiring — so that a typo
 * fails before hours of work, naming the file and the key.
 */
import { readdir } from "node:fs/promises";
import { join as joinPath } from "node:path";
import { InvalidInputError, UsageError } from "../errors.js";
import { packageRoot } from "../util/paths.js";
import type { StageDefinition } from "./types.js";
import { type Fields, join, optionalBoolean, optionalString, readYamlObject, rejectUnknownKeys, requireString } from "./yamlFields.js";

export interface PipelineStage {
  /** Unique within the pipeline; defaults to the stage name. */
  id: string;
  definition: StageDefinition<unknown>;
  params: unknown;
  /** The raw params as written, recorded in the manifest. */
  rawParams: Record<string, unknown>;
  /** Input slot → id of the stage whose output feeds it. */
  inputs: Record<string, string>;
  /**
   * When the stage cannot run on this machine (EnvironmentError: no GPU, offline, nowhere to
   * publish), the build skips it with a warning instead of failing (`build --strict` makes it fatal).
   */
  optional: boolean;
}

export interface PipelineSpec {
  name: string;
  description?: string;
  file: string;
  stages: PipelineStage[];
}

/**
 * The params of `stage`, typed by `definition`'s schema, when the stage is that definition's; otherwise
 * undefined. Readers of another stage's params (plan reads quantize and prune) go through this, so a
 * renamed parameter is a type error, not a silent `undefined`.
 */
export function paramsOf<P>(stage: PipelineStage, definition: StageDefinition<P>): P | undefined {
  return stage.definition === (definition as StageDefinition<unknown>) ? (stage.params as P) : undefined;
}

export function pipelinesDir(): string {
  return joinPath(packageRoot(), "pipelines");
}

/** The stages a pipeline file may name: the caller passes the list (src/stages/index.ts), so pipeline/ imports no stage. */
// biome-ignore lint/suspicious/noExplicitAny: each stage has its own params type
export type StageList = readonly StageDefinition<any>[];

export async function loadPipelineSpecFile(file: string, stageList: StageList): Promise<PipelineSpec> {
  const doc = await readYamlObject(file);
  rejectUnknownKeys(doc, ["name", "description", "stages"], file, "");
  const name = requireString(doc, "name", file, "");
  const rawStages = doc.stages;
  if (!Array.isArray(rawStages) || rawStages.length === 0) {
    throw new InvalidInputError(file, "expected a non-empty list of stages", "stages");
  }
  const stages: PipelineStage[] = [];
  rawStages.forEach((raw: unknown, index) => {
    const at = join("stages", index);
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new InvalidInputError(file, "expected a mapping with a `stage` key", at);
    }
    const entry = raw as Fields;
    rejectUnknownKeys(entry, ["stage", "id", "with", "inputs", "optional"], file, at);
    const stageName = requireString(entry, "stage", file, at);
    const definition: StageDefinition<unknown> | undefined = stageList.find((s) => s.name === stageName);
    if (!definition) {
      throw new InvalidInputError(file, `unknown stage ${JSON.stringify(stageName)} (known: ${stageList.map((s) => s.name).join(", ")})`, join(at, "stage"));
    }
    const id = optionalString(entry, "id", file, at) ?? stageName;
    if (stages.some((s) => s.id === id)) throw new InvalidInputError(file, `duplicate stage id ${JSON.stringify(id)}`, join(at, "id"));
    const withRaw = entry.with ?? {};
    if (withRaw === null || typeof withRaw !== "object" || Array.isArray(withRaw)) {
      throw new InvalidInputError(file, "expected a mapping of parameters", join(at, "with"));
    }
    const params = definition.parseParams(withRaw as Fields, { file, key: join(at, "with") });
    const inputs = resolveInputs(definition, entry.inputs, stages, file, at);
    const optional = optionalBoolean(entry, "optional", file, at) ?? false;
    stages.push({ id, definition, params, rawParams: withRaw as Record<string, unknown>, inputs, optional });
  });
  return { name, description: optionalString(doc, "description", file, ""), file, stages };
}

/** Wire each input slot to an explicit stage id, or to the nearest earlier stage producing that kind. */
function resolveInputs(
  definition: StageDefinition<unknown>,
  rawInputs: unknown,
  earlier: PipelineStage[],
  file: string,
  at: string,
): Record<string, string> {
  const explicit: Fields = rawInputs === undefined ? {} : (rawInputs as Fields);
  if (rawInputs !== undefined && (rawInputs === null || typeof rawInputs !== "object" || Array.isArray(rawInputs))) {
    throw new InvalidInputError(file, "expected a mapping of input slot to stage id", join(at, "inputs"));
  }
  rejectUnknownKeys(explicit, definition.inputs.map((i) => i.name), file, join(at, "inputs"));
  const wired: Record<string, string> = {};
  for (const slot of definition.inputs) {
    const named = explicit[slot.name];
    if (named !== undefined) {
      const producer = earlier.find((s) => s.id === named);
      const key = join(join(at, "inputs"), slot.name);
      if (!producer) throw new InvalidInputError(file, `no earlier stage with id ${JSON.stringify(named)}`, key);
      if (!producer.definition.outputs.some((o) => o.kind === slot.kind)) {
        throw new InvalidInputError(file, `stage ${JSON.stringify(named)} produces no ${slot.kind}`, key);
      }
      wired[slot.name] = producer.id;
      continue;
    }
    const producer = [...earlier].reverse().find((s) => s.definition.outputs.some((o) => o.kind === slot.kind));
    if (producer) wired[slot.name] = producer.id;
    else if (!slot.optional) {
      throw new InvalidInputError(file, `stage ${definition.name} needs a ${slot.kind} input and no earlier stage produces one`, at);
    }
  }
  return wired;
}

export async function listPipelineSpecs(stageList: StageList): Promise<PipelineSpec[]> {
  const dir = pipelinesDir();
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort();
  return Promise.all(files.map((f) => loadPipelineSpecFile(joinPath(dir, f), stageList)));
}

export async function resolvePipeline(variant: string, stageList: StageList): Promise<PipelineSpec> {
  if (variant.endsWith(".yaml")) return loadPipelineSpecFile(variant, stageList);
  const all = await listPipelineSpecs(stageList);
  const found = all.find((p) => p.name === variant);
  if (!found) throw new UsageError(`unknown variant ${JSON.stringify(variant)} (known: ${all.map((p) => p.name).join(", ")})`);
  return found;
}
