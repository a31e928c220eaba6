/**
 * Check a file in the cache against what the Hub says it is: size first (free), then sha256 for
 * LFS files or the git blob sha1 for the others. A passing check is memoised; a failing one is
 * reported so the caller deletes the file — a corrupt file never stays in the cache.
 */
import { realpath, stat } from "node:fs/promises";
import { ContentDigester, digestFile } from "./contentDigests.js";
import type { VerifiedBlobMemo } from "./VerifiedBlobMemo.js";

export interface ExpectedContent {
  size: number;
  /** The LFS oid. */
  sha256?: string;
  /** The git blob id (non-LFS files). */
  gitSha1?: string;
}

export type BlobCheck = { ok: true; sha256: string; blobPath: string } | { ok: false; problem: string; blobPath?: string };

export async function verifyBlob(params: { path: string; expected: ExpectedContent; memo: VerifiedBlobMemo; signal?: AbortSignal }): Promise<BlobCheck> {
  let blobPath: string;
  try {
    blobPath = await realpath(params.path);
  } catch {
    return { ok: false, problem: "missing (dangling link)" };
  }
  const info = await stat(blobPath);
  const { expected } = params;
  if (info.size !== expected.size) return { ok: false, problem: `size ${info.size}, expected ${expected.size}`, blobPath };
  const remembered = params.memo.lookup(blobPath, info);
  if (remembered && (expected.sha256 === undefined || remembered === expected.sha256)) return { ok: true, sha256: remembered, blobPath };
  const digester = new ContentDigester(expected.gitSha1 !== undefined ? expected.size : undefined);
  await digestFile({ path: blobPath, digester, signal: params.signal });
  const actual = digester.digest();
  if (expected.sha256 !== undefined && actual.sha256 !== expected.sha256) {
    return { ok: false, problem: `sha256 ${actual.sha256}, expected ${expected.sha256}`, blobPath };
  }
  if (expected.gitSha1 !== undefined && actual.gitSha1 !== expected.gitSha1) {
    return { ok: false, problem: `git blob id ${actual.gitSha1}, expected ${expected.gitSha1}`, blobPath };
  }
  params.memo.remember(blobPath, info, actual.sha256);
  return { ok: true, sha256: actual.sha256, blobPath };
}
