import { readFile } from "node:fs/promises";
import { InvalidInputError } from "../../errors.js";

/**
 * A user's calibration file as a list of documents: `.jsonl` (one JSON object per line with a string
 * `text` field, or a JSON string per line), `.json` (an array of such), anything else plain UTF-8
 * text (one document).
 */
export async function readCalibrationDocuments(params: { file: string }): Promise<string[]> {
  const { file } = params;
  let content: string;
  try {
    content = await readFile(file, "utf8");
  } catch (error) {
    throw new InvalidInputError(file, `cannot read the calibration file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const textOf = (value: unknown, where: string): string => {
    if (typeof value === "string") return value;
    if (value !== null && typeof value === "object" && typeof (value as { text?: unknown }).text === "string") return (value as { text: string }).text;
    throw new InvalidInputError(file, "expected a string or an object with a string `text` field", where);
  };
  let documents: string[];
  if (file.endsWith(".jsonl")) {
    documents = [];
    content.split("\n").forEach((line, i) => {
      if (line.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new InvalidInputError(file, `invalid JSON: ${(error as Error).message}`, `line ${i + 1}`);
      }
      documents.push(textOf(value, `line ${i + 1}`));
    });
  } else if (file.endsWith(".json")) {
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      throw new InvalidInputError(file, `invalid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(value)) throw new InvalidInputError(file, "expected an array of documents");
    documents = value.map((v, i) => textOf(v, `[${i}]`));
  } else {
    documents = [content];
  }
  documents = documents.filter((d) => d.trim() !== "");
  if (documents.length === 0) throw new InvalidInputError(file, "no text: the calibration file is empty");
  return documents;
}
