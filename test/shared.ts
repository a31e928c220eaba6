import { existsSync } from "node:fs";
import { join } from "node:path";
import { sharedDir } from "../src/util/paths.js";

/** Path of a file under ../shared; throws a clear message when the shared folder is missing. */
export function sharedPath(...parts: string[]): string {
  const p = join(sharedDir(), ...parts);
  if (!existsSync(p)) {
    throw new Error(`test data missing: ${p} (tests read ../shared beside the repository root; see README)`);
  }
  return p;
}

export const tinyFixtureDir = (): string => sharedPath("fixtures", "tiny-gpt-oss");
export const cmmluDir = (): string => sharedPath("cmmlu");
