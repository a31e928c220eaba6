/**
 * The model-family registry: which architecture family a config.json belongs to (by its model_type or
 * architectures), and that family's entry point. Today there is one family, gpt-oss; another would be a
 * folder src/arch/<family>/ with an index.ts exporting its ArchFamily, listed in FAMILIES below.
 */
import { InvalidInputError } from "../errors.js";
import { gptOssFamily, type ArchFamily, type GptOssHyperparameters } from "./gpt-oss/index.js";

export type { ArchFamily } from "./gpt-oss/index.js";

export const FAMILIES: readonly ArchFamily[] = [gptOssFamily];

/** The family of a config.json object; an InvalidInputError naming the file and key for anything unknown. */
export function archFamilyOf(params: { config: unknown; file: string }): ArchFamily {
  const { config, file } = params;
  if (config === null || typeof config !== "object" || Array.isArray(config)) throw new InvalidInputError(file, "expected a JSON object");
  const c = config as Record<string, unknown>;
  const architectures = Array.isArray(c.architectures) ? c.architectures : [];
  const family =
    FAMILIES.find((f) => typeof c.model_type === "string" && f.modelTypes.includes(c.model_type)) ??
    FAMILIES.find((f) => architectures.some((a) => typeof a === "string" && f.architectures.includes(a)));
  if (!family) {
    const known = FAMILIES.map((f) => `${f.id} (model_type ${f.modelTypes.join("/")}, ${f.architectures.join("/")})`).join(", ");
    throw new InvalidInputError(
      file,
      `unknown model family: model_type ${JSON.stringify(c.model_type)}, architectures ${JSON.stringify(c.architectures)}; oss-prep knows ${known}`,
      c.model_type !== undefined ? "model_type" : "architectures",
    );
  }
  return family;
}

/** A config.json object → its family and hyperparameters. */
export function parseModelConfig(params: { config: unknown; file: string }): { family: ArchFamily; hp: GptOssHyperparameters } {
  const family = archFamilyOf(params);
  return { family, hp: family.parseConfig(params) };
}
