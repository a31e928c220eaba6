import { InvalidInputError } from "../../errors.js";
import { readCheckpointText } from "./readCheckpointText.js";

/**
 * Reads and parses a checkpoint JSON file (tokenizer.json, tokenizer_config.json, config.json, …).
 * Returns undefined when the file does not exist and `optional` is set; a file that exists but is not
 * valid JSON is always an error naming the file.
 */
export async function readCheckpointJson(params: { path: string; optional?: boolean }): Promise<unknown> {
  const { path, optional = false } = params;
  const text = await readCheckpointText({ path, optional });
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(path, `malformed JSON: ${(error as Error).message}`, undefined, { cause: error });
  }
}
