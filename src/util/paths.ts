import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root (the folder holding package.json), both from src/ (vitest) and dist/src/ (built). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "pipelines"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`oss-prep: cannot locate the package root from ${import.meta.url}`);
    dir = parent;
  }
}

/** ../shared beside the repository root (test fixtures, CMMLU data). */
export function sharedDir(): string {
  return resolve(packageRoot(), "..", "shared");
}
