/**
 * A gpt-oss GGUF's metadata against its tensors, before it is quantized (or its statistics trusted):
 * every tensor llama.cpp's gpt-oss graph loads, with the shape the hyperparameters give, none beyond
 * them, and a tokenizer whose vocabulary is the embedding's. Without this, `quantize` of a GGUF with
 * expert_count 0, block_count 99 or a transposed output.weight exited 0 with a file llama.cpp cannot
 * load, and eval of it aborted the process inside llama.cpp (GGML_ASSERT).
 */
import { InvalidInputError } from "../../errors.js";

interface GgufLike {
  path: string;
  metadata: ReadonlyMap<string, { type: number; value: unknown }>;
  tensors: ReadonlyArray<{ name: string; shape: readonly number[] }>;
}

const ARCH = "gpt-oss";

/** Tensor name → shape in ggml order (ne0 first), as llama.cpp's gpt-oss loader expects them. */
export function expectedGptOssGgufTensors(hp: { nLayers: number; hidden: number; nHeads: number; nKvHeads: number; headDim: number; nExperts: number; expertFfn: number; vocabSize: number }): Map<string, number[]> {
  const { hidden: H, nExperts: E, expertFfn: F, vocabSize: V } = hp;
  const q = hp.nHeads * hp.headDim;
  const kv = hp.nKvHeads * hp.headDim;
  const expected = new Map<string, number[]>([
    ["token_embd.weight", [H, V]],
    ["output.weight", [H, V]],
    ["output_norm.weight", [H]],
  ]);
  for (let l = 0; l < hp.nLayers; l++) {
    const b = `blk.${l}`;
    for (const [name, shape] of [
      ["attn_norm.weight", [H]],
      ["post_attention_norm.weight", [H]],
      ["attn_q.weight", [H, q]],
      ["attn_q.bias", [q]],
      ["attn_k.weight", [H, kv]],
      ["attn_k.bias", [kv]],
      ["attn_v.weight", [H, kv]],
      ["attn_v.bias", [kv]],
      ["attn_output.weight", [q, H]],
      ["attn_output.bias", [H]],
      ["attn_sinks.weight", [hp.nHeads]],
      ["ffn_gate_inp.weight", [H, E]],
      ["ffn_gate_inp.bias", [E]],
      ["ffn_gate_exps.weight", [H, F, E]],
      ["ffn_up_exps.weight", [H, F, E]],
      ["ffn_down_exps.weight", [F, H, E]],
      ["ffn_gate_exps.bias", [F, E]],
      ["ffn_up_exps.bias", [F, E]],
      ["ffn_down_exps.bias", [H, E]],
    ] as const) {
      expected.set(`${b}.${name}`, [...shape]);
    }
  }
  return expected;
}

export function checkGptOssGguf(gguf: GgufLike): void {
  const { path } = gguf;
  const value = (key: string) => gguf.metadata.get(key)?.value;
  const count = (key: string, min = 1): number => {
    const v = value(`${ARCH}.${key}`);
    const n = typeof v === "bigint" ? Number(v) : v;
    if (typeof n !== "number" || !Number.isSafeInteger(n)) throw new InvalidInputError(path, "missing or not an integer", `${ARCH}.${key}`);
    if (n < min) throw new InvalidInputError(path, `${n}: must be at least ${min}`, `${ARCH}.${key}`);
    return n;
  };
  const nLayers = count("block_count");
  const hidden = count("embedding_length");
  const nHeads = count("attention.head_count");
  const nKvHeads = count("attention.head_count_kv");
  const headDim = count("attention.key_length");
  const nExperts = count("expert_count");
  const nExpertsUsed = count("expert_used_count");
  if (nExpertsUsed > nExperts) throw new InvalidInputError(path, `${nExpertsUsed} experts used per token but only ${nExperts} experts`, `${ARCH}.expert_used_count`);
  if (nHeads % nKvHeads !== 0) throw new InvalidInputError(path, `${nHeads} query heads do not split into ${nKvHeads} KV groups`, `${ARCH}.attention.head_count`);
  const expertFfn = gguf.metadata.has(`${ARCH}.expert_feed_forward_length`) ? count("expert_feed_forward_length") : count("feed_forward_length");
  const tokens = value("tokenizer.ggml.tokens");
  if (!Array.isArray(tokens) || tokens.length === 0) throw new InvalidInputError(path, "no tokenizer (tokenizer.ggml.tokens): llama.cpp cannot load a model without one", "tokenizer.ggml.tokens");
  const vocabSize = tokens.length;

  const expected = expectedGptOssGgufTensors({ nLayers, hidden, nHeads, nKvHeads, headDim, nExperts, expertFfn, vocabSize });
  const present = new Map(gguf.tensors.map((t) => [t.name, t.shape]));
  for (const [name, shape] of expected) {
    const got = present.get(name);
    if (!got) throw new InvalidInputError(path, `missing tensor (the metadata says ${nLayers} layers of ${nExperts} experts)`, name);
    if (got.length !== shape.length || got.some((d, i) => Number(d) !== shape[i])) {
      throw new InvalidInputError(path, `shape [${got.join(", ")}], expected [${shape.join(", ")}] from the metadata (hidden ${hidden}, vocab ${vocabSize}, ${nExperts} experts)`, name);
    }
  }
  for (const name of present.keys()) {
    if (!expected.has(name)) throw new InvalidInputError(path, `a tensor the metadata does not account for (block_count ${nLayers})`, name);
  }
}
