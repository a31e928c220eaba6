import { readGptOssConfig, type GptOssHyperparameters, type HfTensorRef } from "../arch/gpt-oss/index.js";
import { UsageError } from "../errors.js";
import { openCheckpoint } from "../formats/safetensors/index.js";
import { resolveModel } from "../pipeline/modelSpec.js";
import { planSyntheticCheckpoint } from "../synth/planSyntheticCheckpoint.js";

/** A model's hyperparameters and checkpoint tensor list (names, dtypes, shapes), without weights. */
export interface ModelShapes {
  /** The model's name (models/<name>.yaml) or directory, for descriptions and error messages. */
  name: string;
  hp: GptOssHyperparameters;
  tensors: HfTensorRef[];
}

/**
 * The shapes of a model of models/ (a Hub model or a synthetic one: the layout of the config: its file
 * declares, so nothing is downloaded or generated) or of a checkpoint directory (its config.json and
 * safetensors headers, read once and closed). Read once, then plan as many variants as wanted with
 * planInputsForChoice, without touching a file again.
 */
export async function loadModelShapes(params: { model: string }): Promise<ModelShapes> {
  const spec = await resolveModel(params.model);
  if (spec.source.kind === "local") {
    const hp = await readGptOssConfig({ dir: spec.source.path });
    const checkpoint = await openCheckpoint({ dir: spec.source.path });
    try {
      return { name: spec.name, hp, tensors: [...checkpoint.tensors] };
    } finally {
      await checkpoint.close();
    }
  }
  const preset = spec.source.kind === "synth" ? spec.source.preset : spec.config ? spec.name : undefined;
  if (preset === undefined) {
    throw new UsageError(`plan: no shapes known for ${spec.name} without downloading it; declare its config.json fields under config: in ${spec.file ?? "its model file"}, or pass its checkpoint directory or a .gguf`);
  }
  const synthetic = planSyntheticCheckpoint({ preset });
  return {
    name: spec.name,
    hp: synthetic.preset.hp,
    tensors: synthetic.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, file: synthetic.weightMap[t.name] })),
  };
}
