/**
 * Model sources: a Hub repository (with an allowlist of files), a synthetic checkpoint that
 * oss-prep generates itself (offline demo, full-size benchmarks), or a local directory.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, join as joinPath, resolve } from "node:path";
import { InvalidInputError, UsageError } from "../errors.js";
import { packageRoot } from "../util/paths.js";
import {
  type Fields,
  optionalInteger,
  optionalString,
  optionalStringList,
  readYamlObject,
  rejectUnknownKeys,
  requireObject,
  requireString,
  optionalEnum,
} from "./yamlFields.js";

export type ModelSource =
  | { kind: "hub"; repo: string; revision: string; allow: string[] }
  | { kind: "synth"; preset: "demo" | "gpt-oss-20b"; seed: number }
  | { kind: "local"; path: string };

export interface ModelSpec {
  name: string;
  description?: string;
  /** The model this one derives from, for model cards (base_model). */
  baseModel?: string;
  license?: string;
  source: ModelSource;
  /** The YAML file it came from (absent for `--model ./dir`). */
  file?: string;
}

export const SYNTH_PRESETS = ["demo", "gpt-oss-20b"] as const;

export function modelsDir(): string {
  return joinPath(packageRoot(), "models");
}

export async function loadModelSpecFile(file: string): Promise<ModelSpec> {
  const doc = await readYamlObject(file);
  rejectUnknownKeys(doc, ["name", "description", "base_model", "license", "source"], file, "");
  const name = requireString(doc, "name", file, "");
  const source = requireObject(doc, "source", file, "");
  const kinds = Object.keys(source);
  if (kinds.length !== 1 || !["hub", "synth"].includes(kinds[0])) {
    throw new InvalidInputError(file, "expected exactly one of: hub, synth", "source");
  }
  let parsed: ModelSource;
  if (kinds[0] === "hub") {
    const hub = requireObject(source, "hub", file, "source");
    rejectUnknownKeys(hub, ["repo", "revision", "allow"], file, "source.hub");
    const repo = requireString(hub, "repo", file, "source.hub");
    if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new InvalidInputError(file, `expected org/name, got ${repo}`, "source.hub.repo");
    const allow = optionalStringList(hub, "allow", file, "source.hub");
    if (!allow) throw new InvalidInputError(file, "required: the list of files to download", "source.hub.allow");
    parsed = { kind: "hub", repo, revision: optionalString(hub, "revision", file, "source.hub") ?? "main", allow };
  } else {
    const synth = requireObject(source, "synth", file, "source");
    rejectUnknownKeys(synth, ["preset", "seed"], file, "source.synth");
    const preset = optionalEnum(synth, "preset", SYNTH_PRESETS, file, "source.synth");
    if (!preset) throw new InvalidInputError(file, "required", "source.synth.preset");
    parsed = { kind: "synth", preset, seed: optionalInteger(synth, "seed", file, "source.synth", { min: 0 }) ?? 0 };
  }
  return {
    name,
    description: optionalString(doc, "description", file, ""),
    baseModel: optionalString(doc, "base_model", file, ""),
    license: optionalString(doc, "license", file, ""),
    source: parsed,
    file,
  };
}

export async function listModelSpecs(): Promise<ModelSpec[]> {
  const dir = modelsDir();
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort();
  return Promise.all(files.map((f) => loadModelSpecFile(joinPath(dir, f))));
}

/**
 * Resolve `--model`: a known model name, or a path (anything with a slash or an existing
 * directory) to a local checkpoint directory.
 */
export async function resolveModel(nameOrPath: string): Promise<ModelSpec> {
  const looksLikePath = nameOrPath.includes("/") || nameOrPath.startsWith(".");
  if (!looksLikePath) {
    const known = await listModelSpecs();
    const spec = known.find((m) => m.name === nameOrPath);
    if (spec) return spec;
  }
  const path = resolve(nameOrPath);
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    const known = (await listModelSpecs()).map((m) => m.name).join(", ");
    throw new UsageError(`unknown model ${JSON.stringify(nameOrPath)}: not a known model (${known}) nor an existing directory`);
  }
  if (!info.isDirectory()) throw new InvalidInputError(path, "a model must be a checkpoint directory");
  return { name: basename(path), source: { kind: "local", path } };
}

export function describeSource(source: ModelSource): string {
  switch (source.kind) {
    case "hub":
      return `hub:${source.repo}@${source.revision}`;
    case "synth":
      return `synthetic:${source.preset} (seed ${source.seed})`;
    case "local":
      return `local:${source.path}`;
  }
}

export type { Fields };
