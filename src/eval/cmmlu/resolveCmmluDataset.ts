/**
 * Where the CMMLU questions come from: a local copy when one is given (`--cmmlu-dir`, the eval
 * stage's `cmmlu_dir`), else the Hub dataset, downloaded once into `<work dir>/datasets/`.
 */
import { join } from "node:path";
import { resolveHubEnvironment } from "../../hub/resolveHubEnvironment.js";
import type { CmmluDataset } from "./cmmluTypes.js";
import { downloadCmmluDataset } from "./downloadCmmluDataset.js";
import { readCmmluDir } from "./readCmmluDir.js";

export async function resolveCmmluDataset(params: { cmmluDir?: string; workDir: string; signal?: AbortSignal }): Promise<CmmluDataset> {
  if (params.cmmluDir) return readCmmluDir({ dir: params.cmmluDir });
  const env = resolveHubEnvironment({});
  return downloadCmmluDataset({ hub: env, cacheDir: join(params.workDir, "datasets"), signal: params.signal });
}
