/**
 * Model sources: a Hub repository (with an allowlist of files), a synthetic checkpoint that
 * oss-prep generates itself (offline demo, full-size benchmarks), or a local directory.
 *
 * A model file may also declare the architecture of its config.json (`config:`, the Hub file's own keys
 * and values) and how a synthetic checkpoint of those shapes is laid out (`synthetic:`). That is where
 * the numbers of a size live: synthetic presets are the model files with a `config:` (a preset's name
 * is its model's name), and `plan`, `inspect`, `prune --dry-run` and `synth --dry-run` read the shapes
 * from there without weights. The family (gpt-oss) is picked from the config by src/arch's registry.
 */
import { readdirSync, readFileSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { parseModelConfig } from "../arch/index.js";
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
} from "./yamlFields.js";

export type ModelSource =
  | { kind: "hub"; repo: string; revision: string; allow: string[] }
  /** `preset`: the name of a model file that declares `config:` (its shapes). */
  | { kind: "synth"; preset: string; seed: number }
  | { kind: "local"; path: string };

/** How a synthetic checkpoint of a model's shapes is laid out beyond config.json. */
export interface SyntheticLayoutSpec {
  /** Id of <|startoftext|>, the first harmony special token (199998 in the real tokenizer). */
  firstSpecialTokenId: number;
  /** The shard split: the first tensor of every shard after the first (the real repository's split)… */
  shardStarts?: string[];
  /** …or a shard count, cut at tensor boundaries into near-equal byte sizes (where the real split is not known). */
  shardCount?: number;
}

export interface ModelSpec {
  name: string;
  description?: string;
  /** The model this one derives from, for model cards (base_model). */
  baseModel?: string;
  license?: string;
  source: ModelSource;
  /** The architecture fields of the model's config.json, as the model file declares them (validated by its family). */
  config?: Record<string, unknown>;
  synthetic?: SyntheticLayoutSpec;
  /** The YAML file it came from (absent for `--model ./dir`). */
  file?: string;
}

const TOP_LEVEL_KEYS = ["name", "description", "base_model", "license", "source", "config", "synthetic"];

export function modelsDir(): string {
  return joinPath(packageRoot(), "models");
}

export async function loadModelSpecFile(file: string): Promise<ModelSpec> {
  return parseModelSpec(await readYamlObject(file), file);
}

/** The same, synchronously (the synthetic presets are read where callers are synchronous). */
export function loadModelSpecFileSync(file: string): ModelSpec {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new InvalidInputError(file, `cannot read: ${(error as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    throw new InvalidInputError(file, `invalid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new InvalidInputError(file, "expected a mapping at the top level");
  return parseModelSpec(doc as Fields, file);
}

function parseModelSpec(doc: Fields, file: string): ModelSpec {
  rejectUnknownKeys(doc, TOP_LEVEL_KEYS, file, "");
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
    const preset = optionalString(synth, "preset", file, "source.synth");
    if (!preset) throw new InvalidInputError(file, "required: the name of a model file that declares config:", "source.synth.preset");
    if (!(preset === name && doc.config !== undefined)) {
      const known = modelsWithConfig();
      if (!known.includes(preset)) {
        throw new InvalidInputError(file, `expected one of ${known.join(", ")} (the models of models/ that declare config:), got ${JSON.stringify(preset)}`, "source.synth.preset");
      }
    }
    parsed = { kind: "synth", preset, seed: optionalInteger(synth, "seed", file, "source.synth", { min: 0 }) ?? 0 };
  }
  let config: Record<string, unknown> | undefined;
  if (doc.config !== undefined) {
    config = requireObject(doc, "config", file, "");
    // the family validates it now, naming the key, rather than at first use
    parseModelConfig({ config, file: `${file} (config)` });
  }
  let synthetic: SyntheticLayoutSpec | undefined;
  if (doc.synthetic !== undefined) {
    if (!config) throw new InvalidInputError(file, "needs config: (the shapes to lay out)", "synthetic");
    const s = requireObject(doc, "synthetic", file, "");
    rejectUnknownKeys(s, ["first_special_token_id", "shard_starts", "shard_count"], file, "synthetic");
    const firstSpecialTokenId = optionalInteger(s, "first_special_token_id", file, "synthetic", { min: 256 });
    if (firstSpecialTokenId === undefined) throw new InvalidInputError(file, "required", "synthetic.first_special_token_id");
    const shardStarts = optionalStringList(s, "shard_starts", file, "synthetic");
    const shardCount = optionalInteger(s, "shard_count", file, "synthetic", { min: 1 });
    if ((shardStarts === undefined) === (shardCount === undefined)) {
      throw new InvalidInputError(file, "give exactly one of shard_starts and shard_count", "synthetic");
    }
    synthetic = { firstSpecialTokenId, shardStarts, shardCount };
  }
  return {
    name,
    description: optionalString(doc, "description", file, ""),
    baseModel: optionalString(doc, "base_model", file, ""),
    license: optionalString(doc, "license", file, ""),
    source: parsed,
    config,
    synthetic,
    file,
  };
}

/** Names of the model files of models/ that declare config: (the synthetic presets), read shallowly. */
function modelsWithConfig(): string[] {
  const dir = modelsDir();
  const names: string[] = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
    try {
      const doc = parseYaml(readFileSync(joinPath(dir, f), "utf8")) as Fields | null;
      if (doc && typeof doc.name === "string" && doc.config !== undefined) names.push(doc.name);
    } catch {
      // a broken file is reported when it is loaded itself
    }
  }
  return names;
}

/** Every model file of models/, synchronously, in file-name order. */
export function listModelSpecsSync(): ModelSpec[] {
  const dir = modelsDir();
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => loadModelSpecFileSync(joinPath(dir, f)));
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
