/**
 * One CMMLU CSV (dev/<subject>.csv or test/<subject>.csv): header `,Question,A,B,C,D,Answer`, then
 * one question per record. Every problem names the file and the line.
 */
import { InvalidInputError } from "../../errors.js";
import { decodeUtf8Strict, readDataFile } from "../../util/readTextStrict.js";
import { parseCsv } from "../../formats/csv/parseCsv.js";
import { CMMLU_LETTERS, type CmmluLetter, type CmmluQuestion } from "./cmmluTypes.js";

const HEADER = ["Question", "A", "B", "C", "D", "Answer"];

export async function readCmmluCsv(params: { file: string; subject: string; split: "dev" | "test" }): Promise<CmmluQuestion[]> {
  const { file, subject, split } = params;
  const text = decodeUtf8Strict(await readDataFile(file), file);
  const records = parseCsv({ text, file });
  if (records.length === 0) throw new InvalidInputError(file, "empty file (expected the header ,Question,A,B,C,D,Answer)");
  const header = records[0].fields;
  // the first column is the unnamed pandas index; accept any name for it
  if (header.length !== 7 || HEADER.some((name, i) => header[i + 1].trim() !== name)) {
    throw new InvalidInputError(file, `line 1: expected the header ,Question,A,B,C,D,Answer, got ${JSON.stringify(header.join(","))}`);
  }
  const questions: CmmluQuestion[] = [];
  for (const record of records.slice(1)) {
    const { fields, line } = record;
    if (fields.length === 1 && fields[0] === "") continue; // a blank line
    if (fields.length !== 7) throw new InvalidInputError(file, `line ${line}: expected 7 fields, got ${fields.length}`);
    const [, question, a, b, c, d, rawAnswer] = fields;
    const answer = rawAnswer.trim();
    if (!(CMMLU_LETTERS as readonly string[]).includes(answer)) {
      throw new InvalidInputError(file, `line ${line}: Answer must be one of A, B, C, D, got ${JSON.stringify(rawAnswer)}`);
    }
    if (question.trim() === "") throw new InvalidInputError(file, `line ${line}: empty Question`);
    questions.push({
      subject,
      split,
      row: questions.length,
      question,
      choices: [a, b, c, d],
      answer: answer as CmmluLetter,
      file,
      line,
    });
  }
  return questions;
}
