/**
 * Calibration token sequences for scoring, from
 * - a `.json` file: `[[id, …], …]` or `{ "sequences": [[id, …], …] }` (already tokenized);
 * - any other file: UTF-8 text, tokenized with the checkpoint's tokenizer.json and cut into sequences;
 * - CMMLU dev questions (default): per subject, the official prompt header and the subject's 5 dev
 *   questions with their answers — the shape of a 5-shot evaluation prompt, from questions the
 *   evaluation never scores (it uses the test split) — subjects in a seeded order so that a small token
 *   budget still spans the categories; with `withBuiltinText` (prune's default), mixed with
 *   oss-prep's built-in calibration text (prose, chat, code in English and Chinese: what CMMLU's exam
 *   questions lack), which takes at most half the budget, the two alternating.
 * Text is tokenized with oss-prep's byte-level BPE encoder (the o200k split and the tokenizer's merges).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidInputError } from "../../errors.js";
import type { CmmluDataset } from "../../eval/cmmlu/cmmluTypes.js";
import { cmmluPromptHeader, formatCmmluQuestion } from "../../eval/cmmlu/buildCmmluPrompt.js";
import { readByteLevelBpeEncoder } from "../../formats/tokenizer/readByteLevelBpeEncoder.js";
import { mulberry32 } from "../../util/mulberry32.js";
import { BUILTIN_CALIBRATION_DOCUMENTS } from "./builtinCalibrationText.js";

export interface CalibrationSet {
  sequences: number[][];
  /** Where the sequences came from, for the report. */
  description: string;
}

export type CalibrationSource = { kind: "file"; path: string } | { kind: "cmmlu"; dataset: CmmluDataset; seed?: number; withBuiltinText?: boolean };

export interface LoadCalibrationSequencesParams {
  source: CalibrationSource;
  /** Checkpoint folder: its tokenizer.json tokenizes text, its vocabulary bounds token ids. */
  checkpointDir: string;
  /** Token budget over all sequences. */
  maxTokens: number;
  /** Longest sequence (longer text is cut). */
  sequenceLength: number;
}

export async function loadCalibrationSequences(params: LoadCalibrationSequencesParams): Promise<CalibrationSet> {
  const { source, maxTokens, sequenceLength } = params;
  if (source.kind === "file" && source.path.toLowerCase().endsWith(".json")) {
    return { sequences: budget(await readTokenFile(source.path, params.checkpointDir), maxTokens, sequenceLength), description: `token ids from ${source.path}` };
  }
  const encode = await readByteLevelBpeEncoder({ dir: params.checkpointDir });
  if (source.kind === "file") {
    let text: string;
    try {
      text = await readFile(source.path, "utf8");
    } catch (error) {
      throw new InvalidInputError(source.path, `cannot read calibration text: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (text.trim() === "") throw new InvalidInputError(source.path, "calibration text is empty");
    const ids = encode(text);
    const sequences: number[][] = [];
    for (let at = 0; at < ids.length; at += sequenceLength) sequences.push(ids.slice(at, at + sequenceLength));
    return { sequences: budget(sequences, maxTokens, sequenceLength), description: `text of ${source.path}` };
  }
  const { dataset } = source;
  const subjects = shuffle([...dataset.subjects.keys()], source.seed ?? 0);
  const texts: string[] = [];
  for (const subject of subjects) {
    const { dev } = await dataset.readSubject(subject);
    if (dev.length === 0) continue;
    texts.push(cmmluPromptHeader(dataset.subjects.get(subject)!.zh) + dev.map((q) => formatCmmluQuestion(q, true)).join(""));
  }
  if (texts.length === 0) throw new InvalidInputError(dataset.dir, "no CMMLU dev questions to calibrate on");
  // A subject's 5-shot text rarely passes sequenceLength; tokenizing all of them is cheap next to the forward pass.
  let builtin: number[][] = [];
  if (source.withBuiltinText) {
    const ids = encode(BUILTIN_CALIBRATION_DOCUMENTS.join("\n\n"));
    const pieces: number[][] = [];
    for (let at = 0; at < ids.length; at += sequenceLength) pieces.push(ids.slice(at, at + sequenceLength));
    builtin = budget(pieces, Math.floor(maxTokens / 2), sequenceLength);
  }
  const builtinTokens = builtin.reduce((n, s) => n + s.length, 0);
  const cmmlu = budget(texts.map(encode), maxTokens - builtinTokens, sequenceLength);
  const sequences: number[][] = [];
  for (let i = 0; i < Math.max(cmmlu.length, builtin.length); i++) {
    if (i < cmmlu.length) sequences.push(cmmlu[i]);
    if (i < builtin.length) sequences.push(builtin[i]);
  }
  const questions = `CMMLU dev questions (${cmmlu.length} subjects, 5 solved questions each under the official header) from ${dataset.origin}`;
  return { sequences, description: builtin.length > 0 ? `${questions} + ${builtin.length} sequences (${builtinTokens} tokens) of the built-in calibration text` : questions };
}

async function readTokenFile(path: string, checkpointDir: string): Promise<number[][]> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new InvalidInputError(path, `cannot read calibration token ids: ${(error as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { sequences?: unknown })?.sequences;
  if (!Array.isArray(list) || list.length === 0) throw new InvalidInputError(path, 'expected [[id, …], …] or { "sequences": [[id, …], …] }');
  const config = JSON.parse(await readFile(join(checkpointDir, "config.json"), "utf8")) as { vocab_size?: number };
  const vocab = config.vocab_size ?? Infinity;
  return list.map((s, i) => {
    if (!Array.isArray(s) || s.length === 0 || !s.every((id) => Number.isSafeInteger(id) && id >= 0 && id < vocab)) {
      throw new InvalidInputError(path, `expected a non-empty list of token ids in [0, ${vocab})`, `sequences[${i}]`);
    }
    return s as number[];
  });
}

/** Cut sequences to sequenceLength and stop at maxTokens (a last partial sequence is kept when it is not tiny). */
function budget(sequences: number[][], maxTokens: number, sequenceLength: number): number[][] {
  const out: number[][] = [];
  let left = maxTokens;
  for (const s of sequences) {
    if (left <= 0) break;
    const cut = s.slice(0, Math.min(sequenceLength, left));
    if (cut.length === 0) continue;
    if (cut.length < 16 && out.length > 0) break;
    out.push(cut);
    left -= cut.length;
  }
  return out;
}

/** Fisher–Yates with a small seeded generator (mulberry32). */
function shuffle<T>(items: T[], seed: number): T[] {
  const next = mulberry32(seed ^ 0x5bd1e995);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
