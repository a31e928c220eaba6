/**
 * Everything oss-prep knows that is specific to the gpt-oss family (GptOssForCausalLM), in one entry
 * point: config.json → hyperparameters, the HF → GGUF tensor map and conversion plan, parameter counts,
 * GGUF metadata, the checkpoint layout (the synthetic checkpoint's shapes), and the attention pattern the
 * calibration pass and the VRAM planner follow. Code outside src/arch imports from here (or from the
 * registry, src/arch/index.ts), never from the files behind it.
 *
 * No size lives here: the numbers of gpt-oss-20b, gpt-oss-120b or the demo are data, the `config:` of
 * their model file in models/.
 */
import { checkpointTensorLayout, type CheckpointTensorLayout } from "./checkpointLayout.js";
import { parseGptOssConfig, type GptOssHyperparameters } from "./hyperparameters.js";
import { activeParameterCount, parameterBreakdown, type ParameterBreakdown } from "./parameterCount.js";

export * from "./hyperparameters.js";
export * from "./tensorMap.js";
export * from "./parameterCount.js";
export * from "./ggufMetadata.js";
export * from "./checkpointLayout.js";
export * from "./checkGptOssGguf.js";

/** What the registry knows about a family: how to recognise its config.json and what it computes from it. */
export interface ArchFamily {
  /** GGUF general.architecture and the name in messages. */
  id: string;
  /** config.json model_type values of the family. */
  modelTypes: readonly string[];
  /** config.json architectures entries of the family. */
  architectures: readonly string[];
  parseConfig(params: { config: unknown; file: string }): GptOssHyperparameters;
  /** The checkpoint's tensors (names, dtypes, shapes) from the hyperparameters alone. */
  checkpointTensors(hp: GptOssHyperparameters): CheckpointTensorLayout[];
  parameterBreakdown(hp: GptOssHyperparameters): ParameterBreakdown;
  activeParameterCount(hp: GptOssHyperparameters): number;
}

export const gptOssFamily: ArchFamily = {
  id: "gpt-oss",
  modelTypes: ["gpt_oss"],
  architectures: ["GptOssForCausalLM"],
  parseConfig: parseGptOssConfig,
  checkpointTensors: checkpointTensorLayout,
  parameterBreakdown,
  activeParameterCount,
};
