import { readGguf } from "../gguf/readGguf.js";
import { byteLevelAlphabet } from "./byteLevelAlphabet.js";

/**
 * Ids of the byte-level BPE tokens whose bytes are not whole UTF-8 on their own (a lone 0x80–0xff byte,
 * half of a multi-byte character). Random weights (the synthetic checkpoint) string them together into
 * invalid UTF-8, which llama-server's output parser rejects with a 500; the VRAM workload bans them with
 * `logit_bias`. Memory is unaffected and so is speed, within noise. Empty for other tokenizers.
 */
export async function partialUtf8TokenIds(params: { ggufPath: string }): Promise<number[]> {
  const gguf = await readGguf({ path: params.ggufPath });
  const value = (key: string) => (gguf.metadata.get(key) as { value?: unknown } | undefined)?.value;
  if (value("tokenizer.ggml.model") !== "gpt2") return [];
  const tokens = value("tokenizer.ggml.tokens") as string[] | undefined;
  const types = value("tokenizer.ggml.token_type") as number[] | undefined;
  if (!tokens) return [];
  const { charToByte } = byteLevelAlphabet();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const ids: number[] = [];
  tokens.forEach((token, id) => {
    if (types && types[id] !== 1) return; // control and user-defined tokens are text as they are
    const bytes: number[] = [];
    for (const char of token) {
      const b = charToByte.get(char);
      if (b === undefined) return;
      bytes.push(b);
    }
    try {
      decoder.decode(new Uint8Array(bytes));
    } catch {
      ids.push(id);
    }
  });
  return ids;
}
