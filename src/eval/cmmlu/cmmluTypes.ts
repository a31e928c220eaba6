/** CMMLU questions and datasets as the evaluator sees them. */
import type { CmmluSubjectInfo } from "./cmmluSubjects.js";

export const CMMLU_LETTERS = ["A", "B", "C", "D"] as const;
export type CmmluLetter = (typeof CMMLU_LETTERS)[number];

export interface CmmluQuestion {
  subject: string;
  split: "dev" | "test";
  /** 0-based position among the file's data rows (the held-out rule and the reference use this). */
  row: number;
  question: string;
  choices: [string, string, string, string];
  answer: CmmluLetter;
  /** Where it came from, for error messages. */
  file: string;
  line: number;
}

export interface CmmluSubjectData {
  dev: CmmluQuestion[];
  test: CmmluQuestion[];
}

export interface CmmluDataset {
  /** Directory the CSVs are read from (a local copy or the Hub cache). */
  dir: string;
  /** Where the data came from: "local" or the Hub repo with its revision. */
  origin: string;
  /** Every subject, sorted by name. */
  subjects: ReadonlyMap<string, CmmluSubjectInfo>;
  readSubject(subject: string): Promise<CmmluSubjectData>;
}
