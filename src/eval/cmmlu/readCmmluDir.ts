/**
 * A CMMLU copy on disk with the layout of ../shared/cmmlu: `dev/<subject>.csv`, `test/<subject>.csv`
 * and `subjects.json` ({ subjects: { name: { zh, subcategory, category } } }). Without subjects.json
 * the built-in table of the 67 official subjects is used (the Hub archive has only the CSVs).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError } from "../../errors.js";
import { decodeUtf8Strict, readDataFile } from "../../util/readTextStrict.js";
import { CMMLU_CATEGORIES, CMMLU_SUBJECTS, type CmmluCategory, type CmmluSubjectInfo } from "./cmmluSubjects.js";
import type { CmmluDataset, CmmluSubjectData } from "./cmmluTypes.js";
import { readCmmluCsv } from "./readCmmluCsv.js";

export async function readCmmluDir(params: { dir: string; origin?: string }): Promise<CmmluDataset> {
  const { dir } = params;
  for (const sub of ["dev", "test"]) {
    if (!existsSync(join(dir, sub))) {
      throw new InvalidInputError(dir, `not a CMMLU directory: no ${sub}/ folder (expected dev/, test/ and subjects.json)`);
    }
  }
  const subjects = new Map<string, CmmluSubjectInfo>();
  const subjectsFile = join(dir, "subjects.json");
  if (existsSync(subjectsFile)) {
    let doc: unknown;
    try {
      doc = JSON.parse(decodeUtf8Strict(await readDataFile(subjectsFile), subjectsFile));
    } catch (error) {
      if (error instanceof InvalidInputError) throw error;
      throw new InvalidInputError(subjectsFile, `invalid JSON: ${(error as Error).message}`);
    }
    const table = (doc as { subjects?: unknown })?.subjects;
    if (table === null || typeof table !== "object" || Array.isArray(table)) {
      throw new InvalidInputError(subjectsFile, "expected an object mapping subject names to { zh, subcategory, category }", "subjects");
    }
    for (const [name, raw] of Object.entries(table as Record<string, unknown>)) {
      // a name becomes dev/<name>.csv and test/<name>.csv: a plain file name, nothing that leaves the folder
      if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name) || name.includes("..")) {
        throw new InvalidInputError(subjectsFile, "a subject name is a file name under dev/ and test/: letters, digits, _ . - only (no path)", `subjects.${name}`);
      }
      const info = raw as Partial<CmmluSubjectInfo> | null;
      if (!info || typeof info.zh !== "string" || info.zh === "" || typeof info.category !== "string") {
        throw new InvalidInputError(subjectsFile, "expected { zh, subcategory, category } with a non-empty Chinese name", `subjects.${name}`);
      }
      if (!(CMMLU_CATEGORIES as readonly string[]).includes(info.category)) {
        throw new InvalidInputError(subjectsFile, `unknown category ${JSON.stringify(info.category)} (known: ${CMMLU_CATEGORIES.join(", ")})`, `subjects.${name}.category`);
      }
      subjects.set(name, { zh: info.zh, subcategory: String(info.subcategory ?? ""), category: info.category as CmmluCategory });
    }
  } else {
    for (const [name, info] of Object.entries(CMMLU_SUBJECTS)) subjects.set(name, info);
  }
  const sorted = new Map([...subjects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const cache = new Map<string, Promise<CmmluSubjectData>>();
  return {
    dir,
    origin: params.origin ?? "local",
    subjects: sorted,
    readSubject(subject) {
      if (!sorted.has(subject)) throw new InvalidInputError(dir, `unknown subject ${JSON.stringify(subject)}`);
      let data = cache.get(subject);
      if (!data) {
        data = (async () => ({
          dev: await readCmmluCsv({ file: join(dir, "dev", `${subject}.csv`), subject, split: "dev" }),
          test: await readCmmluCsv({ file: join(dir, "test", `${subject}.csv`), subject, split: "test" }),
        }))();
        cache.set(subject, data);
      }
      return data;
    },
  };
}
