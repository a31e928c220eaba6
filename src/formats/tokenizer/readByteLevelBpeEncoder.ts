import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidInputError } from "../../errors.js";
import { type ByteLevelBpeTokenizerJson, createByteLevelBpeEncoder } from "./createByteLevelBpeEncoder.js";
import { O200K_PRETOKENIZER_REGEX } from "./splitO200k.js";

/**
 * The encoder of a checkpoint's tokenizer.json (createByteLevelBpeEncoder), refusing tokenizers whose
 * pre-tokenizer is not gpt-oss's: calibration text tokenized with the wrong split would silently
 * calibrate on other tokens than the model sees.
 */
export async function readByteLevelBpeEncoder(params: { dir: string }): Promise<(text: string) => number[]> {
  const file = join(params.dir, "tokenizer.json");
  let tokenizer: ByteLevelBpeTokenizerJson;
  try {
    tokenizer = JSON.parse(await readFile(file, "utf8")) as ByteLevelBpeTokenizerJson;
  } catch (error) {
    throw new InvalidInputError(file, `cannot read the tokenizer: ${(error as Error).message}`);
  }
  if (tokenizer.model?.type !== "BPE") throw new InvalidInputError(file, "expected a BPE model with vocab and merges", "model");
  if (!JSON.stringify(tokenizer.pre_tokenizer ?? null).includes(JSON.stringify(O200K_PRETOKENIZER_REGEX))) {
    throw new InvalidInputError(file, "pre-tokenizer is not gpt-oss's (o200k regex split + byte-level); calibration tokenizes only gpt-oss text", "pre_tokenizer");
  }
  return createByteLevelBpeEncoder({ tokenizer, file });
}
