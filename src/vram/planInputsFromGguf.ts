import { stat } from "node:fs/promises";
import { defaultSlidingLayers } from "../arch/gpt-oss/index.js";
import { InvalidInputError } from "../errors.js";
import type { GgmlType } from "../formats/gguf/ggmlTypes.js";
import { readGguf } from "../formats/gguf/readGguf.js";
import type { VramPlanModel, VramPlanTensor } from "./planVram.js";

export interface PlanInputs {
  model: VramPlanModel;
  tensors: VramPlanTensor[];
  /** What the estimate is of, for reports: "gpt-oss-20b, gguf-q5 (Q5_K_M, experts keep)". */
  description: string;
}

/** The planner's inputs read from a GGUF header: hyperparameters from its metadata, tensors as written. */
export async function planInputsFromGguf(path: string): Promise<PlanInputs> {
  try {
    await stat(path);
  } catch {
    throw new InvalidInputError(path, "not found");
  }
  const gguf = await readGguf({ path });
  const value = (key: string) => (gguf.metadata.get(key) as { value?: unknown } | undefined)?.value;
  const arch = value("general.architecture");
  if (arch !== "gpt-oss") throw new InvalidInputError(path, `architecture ${JSON.stringify(arch)}: the planner knows gpt-oss`, "general.architecture");
  const num = (key: string) => {
    const v = value(`gpt-oss.${key}`);
    if (typeof v !== "number" && typeof v !== "bigint") throw new InvalidInputError(path, "missing", `gpt-oss.${key}`);
    return Number(v);
  };
  const nLayers = num("block_count");
  const slidingWindow = num("attention.sliding_window");
  const model: VramPlanModel = {
    nLayers,
    nEmbd: num("embedding_length"),
    nKvHeads: num("attention.head_count_kv"),
    headDim: num("attention.key_length"),
    slidingWindow,
    // llama.cpp: gpt-oss sets swa pattern 2, every even layer is sliding-window
    slidingLayers: defaultSlidingLayers(nLayers),
  };
  // offsets as written: the mmap host buffer spans the file from the first to the last host tensor
  const tensors = gguf.tensors.map((t) => ({ name: t.name, shape: t.shape.map(Number), type: t.type as GgmlType, offset: t.relativeOffset }));
  return { model, tensors, description: path };
}

