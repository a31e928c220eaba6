import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { synthesizeCheckpoint } from "./synthesizeCheckpoint.js";

/**
 * Synthetic checkpoints are deterministic in (preset, seed, generator version), so one copy per
 * work dir serves every build. synthesizeCheckpoint renames its output into place only when
 * complete, so an existing directory is a finished one.
 */
export async function ensureSyntheticCheckpoint(params: {
  workDir: string;
  preset: string;
  seed: number;
  onProgress?: (p: { bytesWritten: number; totalBytes: number; tensor?: string }) => void;
}): Promise<string> {
  const dir = join(params.workDir, "models", `synth-${params.preset}-seed${params.seed}`);
  if (existsSync(dir)) return dir;
  await mkdir(join(params.workDir, "models"), { recursive: true });
  await synthesizeCheckpoint({ preset: params.preset, outDir: dir, seed: params.seed, onProgress: params.onProgress });
  return dir;
}
