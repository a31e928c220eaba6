/**
 * HF_HUB_OFFLINE=1: serve a snapshot from the cache alone, or say exactly which files are missing.
 *
 * The expected files are the listing recorded when oss-prep downloaded this snapshot. Without one
 * (a cache filled by Python tools, or another work dir) they are derived from what the cache
 * holds: every literal allowlist entry must be there, every glob must match something, and the
 * shards named by a `*.safetensors.index.json` must all be present. Blob names carry the
 * digests (sha256 for LFS files, git sha1 otherwise), so every file is still verified; a corrupt
 * one is deleted and reported missing.
 */
import { lstat, readdir, readFile, readlink, rm, stat } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { EnvironmentError } from "../errors.js";
import { isGlobPattern, matchAllowPatterns } from "./matchAllowPatterns.js";
import { COMMIT_SHA, repoCacheLayout } from "./repoCacheLayout.js";
import type { HubSnapshot, SnapshotFile } from "./types.js";
import { verifyBlob } from "./verifyBlob.js";
import type { VerifiedBlobMemo } from "./VerifiedBlobMemo.js";

const TEMPORARY_LINK = /^\..*\.link-\d+-[0-9a-f]+$/;

async function listSnapshot(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (TEMPORARY_LINK.test(entry.name)) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listSnapshot(root, full)));
    else out.push(relative(root, full));
  }
  return out.sort();
}

export async function readCachedSnapshot(params: {
  repo: string;
  revision: string;
  allow: string[];
  cacheDir: string;
  memo: VerifiedBlobMemo;
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
}): Promise<HubSnapshot> {
  const layout = repoCacheLayout(params.cacheDir, params.repo);
  const fetchHint = "run once without HF_HUB_OFFLINE=1 to fetch it";
  const fetchThemHint = "run once without HF_HUB_OFFLINE=1 to fetch them";
  let commit = params.revision;
  if (!COMMIT_SHA.test(commit)) {
    try {
      commit = (await readFile(layout.ref(params.revision), "utf8")).trim();
    } catch {
      throw new EnvironmentError(
        `HF_HUB_OFFLINE=1: ${params.repo}@${params.revision} is not in the cache ${params.cacheDir} (no ${relative(params.cacheDir, layout.ref(params.revision))}); ${fetchHint}`,
      );
    }
  }
  const snapshotDir = layout.snapshotDir(commit);
  const present = await listSnapshot(snapshotDir).catch(() => undefined);
  if (!present) {
    throw new EnvironmentError(`HF_HUB_OFFLINE=1: ${params.repo}@${params.revision} (commit ${commit}) is not in the cache ${params.cacheDir}; ${fetchHint}`);
  }
  const recorded = params.memo.listing(snapshotDir, params.allow);
  const missing = new Set<string>();
  let wanted: string[];
  if (recorded) {
    wanted = recorded.filter((path) => present.includes(path));
    for (const path of recorded) if (!present.includes(path)) missing.add(path);
  } else {
    const matcher = matchAllowPatterns(params.allow);
    wanted = present.filter((path) => matcher.matches(path));
    for (const pattern of matcher.unmatched()) missing.add(isGlobPattern(pattern) ? `${pattern} (no file matches)` : pattern);
  }
  for (const path of wanted.filter((p) => p.endsWith(".safetensors.index.json"))) {
    try {
      const index = JSON.parse(await readFile(join(snapshotDir, path), "utf8")) as { weight_map?: Record<string, string> };
      const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
      for (const shard of new Set(Object.values(index.weight_map ?? {}))) {
        if (!present.includes(dir + shard)) missing.add(dir + shard);
      }
    } catch {
      missing.add(`${path} (unreadable)`);
    }
  }

  const files: SnapshotFile[] = [];
  for (const path of wanted) {
    params.signal?.throwIfAborted();
    const pointer = join(snapshotDir, path);
    const info = await lstat(pointer);
    const etag = info.isSymbolicLink() ? basename(await readlink(pointer)) : undefined;
    const size = await stat(pointer).then((s) => s.size).catch(() => undefined);
    if (size === undefined) {
      missing.add(`${path} (dangling link)`);
      continue;
    }
    const expected =
      etag && /^[0-9a-f]{64}$/.test(etag) ? { size, sha256: etag } : etag && /^[0-9a-f]{40}$/.test(etag) ? { size, gitSha1: etag } : { size };
    if (!("sha256" in expected) && !("gitSha1" in expected)) {
      params.onWarning?.(`${path}: not a link to a named blob, so it cannot be verified offline`);
    }
    const check = await verifyBlob({ path: pointer, expected, memo: params.memo, signal: params.signal });
    if (!check.ok) {
      await rm(pointer, { force: true });
      if (check.blobPath && check.blobPath !== pointer) await rm(check.blobPath, { force: true });
      missing.add(`${path} (corrupt: ${check.problem}; deleted)`);
      continue;
    }
    files.push({ path, size, sha256: check.sha256, etag: etag ?? check.sha256 });
  }
  if (missing.size) {
    throw new EnvironmentError(
      `HF_HUB_OFFLINE=1: ${params.repo}@${params.revision} (commit ${commit}) is incomplete in the cache ${params.cacheDir}; missing: ${[...missing].join(", ")}; ${fetchThemHint}`,
    );
  }
  return {
    repo: params.repo,
    revision: params.revision,
    commit,
    snapshotDir,
    files,
    fetchedBytes: 0,
    reusedBytes: files.reduce((sum, f) => sum + f.size, 0),
    offline: true,
    unmatchedPatterns: [],
  };
}
