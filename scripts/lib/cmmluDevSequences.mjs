// CMMLU dev calibration for the measurement scripts: per subject the official header and the 5 solved
// dev questions (the fixture's own domain; the evaluation scores test rows), tokenized with the model's
// tokenizer and cut into `samples` × `seqlen` consecutive tokens — what `awq --calib` makes of the
// same text.
import { join } from "node:path";

export async function cmmluDevSequences({ load, dir, samples, seqlen }) {
  const { sharedDir } = await load("util/paths.js");
  const { readCmmluDir } = await load("eval/cmmlu/readCmmluDir.js");
  const { cmmluPromptHeader, formatCmmluQuestion } = await load("eval/cmmlu/buildCmmluPrompt.js");
  const { readByteLevelBpeEncoder } = await load("formats/tokenizer/readByteLevelBpeEncoder.js");
  const { buildCalibrationSequences } = await load("calib/data/buildCalibrationSequences.js");
  const dataset = await readCmmluDir({ dir: join(sharedDir(), "cmmlu") });
  const documents = [];
  for (const [subject, info] of dataset.subjects) {
    const { dev } = await dataset.readSubject(subject);
    documents.push(cmmluPromptHeader(info.zh) + dev.map((q) => formatCmmluQuestion(q, true)).join(""));
  }
  const tokenize = await readByteLevelBpeEncoder({ dir });
  return { dataset, tokenize, sequences: buildCalibrationSequences({ documents, tokenize, samples, seqlen, source: "CMMLU dev" }) };
}
