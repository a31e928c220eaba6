/**
 * A --gguf handed to the llama calibration engine must be the checkpoint's own conversion: the
 * statistics are gathered on the GGUF and applied to the checkpoint's weights, so a GGUF of another
 * size (or of the model before pruning) would silently calibrate the wrong model. Its gpt-oss
 * hyperparameters and tensor shapes are compared with the checkpoint's config.json before any work.
 */
import { readGptOssConfig } from "../../arch/gpt-oss/index.js";
import { InvalidInputError } from "../../errors.js";
import { readGguf } from "../../formats/gguf/readGguf.js";

export async function checkGgufMatchesCheckpoint(params: { ggufPath: string; dir: string }): Promise<void> {
  const { ggufPath } = params;
  const config = await readGptOssConfig({ dir: params.dir });
  const gguf = await readGguf({ path: ggufPath });
  const value = (key: string) => (gguf.metadata.get(key) as { value?: unknown } | undefined)?.value;
  const arch = value("general.architecture");
  if (arch !== "gpt-oss") throw new InvalidInputError(ggufPath, `architecture ${JSON.stringify(arch)}: the llama calibration engine runs gpt-oss GGUFs`, "general.architecture");
  const expected: Array<[string, number]> = [
    ["block_count", config.nLayers],
    ["embedding_length", config.hidden],
    ["feed_forward_length", config.expertFfn],
    ["attention.head_count", config.nHeads],
    ["attention.head_count_kv", config.nKvHeads],
    ["attention.key_length", config.headDim],
    ["expert_count", config.nExperts],
    ["expert_used_count", config.nExpertsUsed],
  ];
  const differences: string[] = [];
  for (const [key, want] of expected) {
    const got = value(`gpt-oss.${key}`);
    if (got === undefined) differences.push(`gpt-oss.${key} missing (checkpoint: ${want})`);
    else if (Number(got) !== want) differences.push(`gpt-oss.${key} = ${Number(got)}, checkpoint ${want}`);
  }
  const embedding = gguf.tensors.find((t) => t.name === "token_embd.weight");
  if (embedding && Number(embedding.shape[1]) !== config.vocabSize) differences.push(`token_embd.weight has ${Number(embedding.shape[1])} rows, checkpoint vocab_size ${config.vocabSize}`);
  if (differences.length > 0) {
    throw new InvalidInputError(ggufPath, `not a conversion of ${params.dir} (${differences.slice(0, 3).join("; ")}${differences.length > 3 ? "; …" : ""}): convert that checkpoint, or leave --gguf out`);
  }
}
