import { join } from "node:path";
import { InvalidInputError } from "../../errors.js";
import { readCheckpointText } from "./readCheckpointText.js";

/**
 * Returns `tokenizer.ggml.merges` as llama.cpp's SpecialVocab(load_merges=True) reads them: from
 * tokenizer.json's model.merges, either as "a b" strings (kept as they are) or, since transformers 4.45,
 * as [a, b] pairs, joined with a space after encoding any space inside a part as U+0120 (Ġ, the
 * byte-level stand-in for a space). With no merges there, merges.txt is read instead. An empty result
 * means the converter writes no merges key.
 */
export async function loadMerges(params: {
  dir: string;
  tokenizerJson: Record<string, unknown>;
  tokenizerPath: string;
}): Promise<string[]> {
  const { dir, tokenizerJson, tokenizerPath } = params;
  const model = tokenizerJson.model;
  const merges = typeof model === "object" && model !== null ? (model as Record<string, unknown>).merges : undefined;
  if (Array.isArray(merges) && merges.length > 0) {
    const first = merges[0];
    if (typeof first === "string") {
      merges.forEach((merge, index) => {
        // The GGUF writer refuses an array whose items are not all of the first item's type.
        if (typeof merge !== "string") {
          throw new InvalidInputError(tokenizerPath, "mixes string and non-string merges", `model.merges[${index}]`);
        }
      });
      return merges as string[];
    }
    if (Array.isArray(first) && first.length === 2 && typeof first[0] === "string") {
      return merges.map((pair: unknown, index) => {
        if (!Array.isArray(pair) || !pair.every((part) => typeof part === "string")) {
          throw new InvalidInputError(tokenizerPath, "expected a pair of strings", `model.merges[${index}]`);
        }
        return (pair as string[]).map((part) => part.replaceAll(" ", "\u0120")).join(" ");
      });
    }
    throw new InvalidInputError(tokenizerPath, "unknown merges format (expected \"a b\" strings or [a, b] pairs)", "model.merges");
  }
  return (await readMergesTxt(join(dir, "merges.txt"))) ?? [];
}

/**
 * merges.txt as SpecialVocab._try_load_merges_txt reads it: an optional first line starting with "#"
 * is a header; every other non-blank line must split on whitespace into exactly two parts (others are
 * skipped with a warning there). Python's strip()/split() whitespace is used, not JavaScript's.
 */
async function readMergesTxt(path: string): Promise<string[] | undefined> {
  const text = await readCheckpointText({ path, optional: true });
  if (text === undefined) return undefined;
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const start = lines.length > 0 && stripPython(lines[0]).startsWith("#") ? 1 : 0;
  const merges: string[] = [];
  for (let index = start; index < lines.length; index++) {
    const line = stripPython(lines[index]);
    if (line === "") continue;
    const parts = line.split(PYTHON_WHITESPACE_RUN).filter((part) => part !== "");
    if (parts.length !== 2) continue;
    merges.push(`${parts[0]} ${parts[1]}`);
  }
  return merges;
}

/** The characters Python's str.isspace() accepts (str.strip()/split() with no argument use these). */
const PYTHON_WHITESPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PYTHON_WHITESPACE_RUN = new RegExp(`[${PYTHON_WHITESPACE}]+`, "u");
const PYTHON_STRIP = new RegExp(`^[${PYTHON_WHITESPACE}]+|[${PYTHON_WHITESPACE}]+$`, "gu");

function stripPython(text: string): string {
  return text.replace(PYTHON_STRIP, "");
}
