/**
 * Refuse to start writing what cannot fit (a download, a 12 GB GGUF): failing after 12 GB with
 * ENOSPC wastes the work and can fill the disk other programs need. Checked on the nearest existing
 * ancestor of `dir` (it may not exist yet). OSS_PREP_ASSUME_FREE_BYTES replaces the measured free
 * space (filesystems whose statfs is wrong, e.g. some network mounts; tests).
 */
import { statfs } from "node:fs/promises";
import { dirname } from "node:path";
import { EnvironmentError } from "../errors.js";
import { formatBytes } from "./format.js";

async function freeBytes(dir: string): Promise<number> {
  const assumed = Number(process.env.OSS_PREP_ASSUME_FREE_BYTES);
  if (process.env.OSS_PREP_ASSUME_FREE_BYTES && Number.isFinite(assumed)) return assumed;
  for (let current = dir; ; current = dirname(current)) {
    try {
      const fs = await statfs(current);
      return fs.bavail * fs.bsize;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || dirname(current) === current) throw error;
    }
  }
}

export async function ensureFreeDiskSpace(params: { dir: string; neededBytes: number; what: string; hint?: string }): Promise<number> {
  const free = await freeBytes(params.dir);
  if (params.neededBytes > free) {
    throw new EnvironmentError(
      `not enough disk space for ${params.what}: ${formatBytes(params.neededBytes)} needed, ${formatBytes(free)} free in ${params.dir}${params.hint ? `; ${params.hint}` : ""}`,
    );
  }
  return free;
}
