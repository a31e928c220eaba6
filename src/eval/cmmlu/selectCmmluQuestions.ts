/**
 * The question subset to evaluate: subjects named directly or through their category, test rows
 * passing a row filter, then the first N (file order) or a seeded random N per subject (kept in file
 * order). Subjects are taken in name order, as CMMLU and the fixture's reference do.
 */
import { UsageError } from "../../errors.js";
import { CMMLU_CATEGORIES } from "./cmmluSubjects.js";
import type { CmmluDataset, CmmluQuestion } from "./cmmluTypes.js";
import type { RowFilter } from "./parseRowFilter.js";
import { mulberry32 } from "../../util/mulberry32.js";

export interface CmmluSelectionSpec {
  /** Subject names or categories (case-insensitive; `social-science` = `Social Science`); all when empty. */
  subjects?: readonly string[];
  rows?: RowFilter;
  /** Questions per subject after the row filter; all when undefined. */
  perSubject?: number;
  sample?: "first" | "random";
  seed?: number;
}

export interface CmmluSelection {
  subjects: string[];
  questions: CmmluQuestion[];
}

const normalise = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, " ").trim();


export function resolveCmmluSubjects(dataset: CmmluDataset, names: readonly string[] | undefined): string[] {
  const all = [...dataset.subjects.keys()];
  if (!names || names.length === 0) return all;
  const chosen = new Set<string>();
  for (const name of names) {
    if (dataset.subjects.has(name)) {
      chosen.add(name);
      continue;
    }
    const category = CMMLU_CATEGORIES.find((c) => normalise(c) === normalise(name));
    if (category) {
      for (const [subject, info] of dataset.subjects) if (info.category === category) chosen.add(subject);
      continue;
    }
    const wanted = normalise(name).replace(/ /g, "_");
    const near = all.filter((s) => s.includes(wanted) || wanted.includes(s) || editDistance(s, wanted) <= 2).slice(0, 5);
    throw new UsageError(
      `unknown CMMLU subject or category ${JSON.stringify(name)}` +
        (near.length ? ` (did you mean ${near.join(", ")}?)` : "") +
        ` — categories: ${CMMLU_CATEGORIES.join(", ")}; subjects: ${dataset.dir}/subjects.json`,
    );
  }
  return all.filter((s) => chosen.has(s));
}

export async function selectCmmluQuestions(params: { dataset: CmmluDataset; spec: CmmluSelectionSpec }): Promise<CmmluSelection> {
  const { dataset, spec } = params;
  if (spec.perSubject !== undefined && (!Number.isSafeInteger(spec.perSubject) || spec.perSubject < 1)) {
    throw new UsageError(`--per-subject ${spec.perSubject}: expected a positive integer`);
  }
  const subjects = resolveCmmluSubjects(dataset, spec.subjects);
  const questions: CmmluQuestion[] = [];
  for (const subject of subjects) {
    const { test } = await dataset.readSubject(subject);
    let rows = spec.rows ? test.filter((q) => spec.rows!.accepts(q.row)) : test;
    if (spec.perSubject !== undefined && rows.length > spec.perSubject) {
      if (spec.sample === "random") {
        // seed per subject so adding a subject does not change the others' draw
        const random = mulberry32((spec.seed ?? 0) ^ hashString(subject));
        const shuffled = [...rows];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        rows = shuffled.slice(0, spec.perSubject).sort((a, b) => a.row - b.row);
      } else {
        rows = rows.slice(0, spec.perSubject);
      }
    }
    questions.push(...rows);
  }
  if (questions.length === 0) {
    throw new UsageError(
      `the selection is empty: ${subjects.length} subject(s)${spec.rows ? `, rows ${spec.rows.text}` : ""} left no test question`,
    );
  }
  return { subjects, questions };
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
