/**
 * Download the allowlisted files of one revision of a Hub model repository into the Hugging Face
 * cache, in the layout huggingface_hub uses, so Python tools and oss-prep share the files:
 *
 * 1. resolve the revision to a commit sha (model info), list the files at that commit (tree API)
 *    and keep those the allowlist matches;
 * 2. reuse every blob already in the cache after checking its size and digest (memoised), delete
 *    a corrupt one;
 * 3. check the disk has room for what is missing, then fetch the missing blobs a few at a time,
 *    resuming partial ones (downloadBlob), each verified before it is renamed into `blobs/`;
 * 4. link `snapshots/<commit>/<path>` to the blobs and, last, record `refs/<revision>`.
 *
 * With HF_HUB_OFFLINE=1 the network is never touched (readCachedSnapshot); when the Hub cannot be
 * reached, a complete cached snapshot is used with a warning, as huggingface_hub does.
 */
import { mkdir, readlink, rm, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, relative } from "node:path";
import { EnvironmentError, OssPrepError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { acquireBlobLock, BLOB_LOCK_STALE_MS } from "./acquireBlobLock.js";
import { createHubFetch, type RetryPolicy } from "./createHubFetch.js";
import { downloadBlob } from "./downloadBlob.js";
import { ensureFreeDiskSpace } from "../util/ensureFreeDiskSpace.js";
import { explainHubError, type HubErrorContext } from "./explainHubError.js";
import { formatRetryNotice } from "./formatRetryNotice.js";
import { linkSnapshotFile } from "./linkSnapshotFile.js";
import { matchAllowPatterns } from "./matchAllowPatterns.js";
import { readCachedSnapshot } from "./readCachedSnapshot.js";
import { COMMIT_SHA, repoCacheLayout } from "./repoCacheLayout.js";
import type { HubEnvironment } from "./resolveHubEnvironment.js";
import type { DownloadProgress, HubSnapshot, SnapshotFile } from "./types.js";
import { type ExpectedContent, verifyBlob } from "./verifyBlob.js";
import { VerifiedBlobMemo } from "./VerifiedBlobMemo.js";

export const DEFAULT_DOWNLOAD_CONCURRENCY = 4;

export interface DownloadHubSnapshotParams {
  repo: string;
  /** Branch, tag or commit sha (default "main"). */
  revision?: string;
  /** Globs over repository paths (`*` stays within a directory). */
  allow: string[];
  hub: HubEnvironment;
  /** Memo of verified blobs and downloaded listings (in the work dir); none: hash every time. */
  memoFile?: string;
  /** Files fetched at once (default 4). */
  concurrency?: number;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  onWarning?: (message: string) => void;
}

interface BlobJob {
  etag: string;
  expected: ExpectedContent;
  /** The first path with this content (for messages and the resolve URL). */
  path: string;
  paths: string[];
  sha256?: string;
}

function assertSafeRepoPath(path: string, repo: string): void {
  // Paths come from the server and are joined onto the cache: never let one escape it.
  if (!path || isAbsolute(path) || path.includes("\\") || path.split("/").some((part) => part === ".." || part === "." || part === "")) {
    throw new OssPrepError(`${repo}: the Hub listed an unsafe path ${JSON.stringify(path)}; refusing to write it`);
  }
}

export async function downloadHubSnapshot(params: DownloadHubSnapshotParams): Promise<HubSnapshot> {
  const { repo, hub: env, signal } = params;
  const revision = params.revision ?? "main";
  const warn = params.onWarning ?? (() => undefined);
  const memo = await new VerifiedBlobMemo(params.memoFile).load();
  if (env.offline) {
    const snapshot = await readCachedSnapshot({ repo, revision, allow: params.allow, cacheDir: env.cacheDir, memo, signal, onWarning: warn });
    await memo.save();
    return snapshot;
  }

  const hub = await import("@huggingface/hub");
  const layout = repoCacheLayout(env.cacheDir, repo);
  const context: HubErrorContext = { repo, endpoint: env.endpoint, revision, tokenSource: env.tokenSource, operation: "download" };
  // every retry is a line (through onWarning, which the CLI and the build print by default)
  const meta = createHubFetch({ ...params.retry, signal, origin: new URL(env.endpoint).origin, onRetry: (notice) => warn(formatRetryNotice(notice)) });
  const credentials = { hubUrl: env.endpoint, accessToken: env.accessToken, fetch: meta.fetch };

  let commit: string;
  try {
    const info = await hub.modelInfo({ name: repo, revision, additionalFields: ["sha"], ...credentials });
    commit = info.sha;
    context.gated = info.gated !== false;
  } catch (error) {
    const failure = meta.lastFailure();
    if (failure?.status === 0 && !signal?.aborted) {
      // The Hub cannot be reached: like huggingface_hub, use a complete cached snapshot, and say so.
      const cached = await readCachedSnapshot({ repo, revision, allow: params.allow, cacheDir: env.cacheDir, memo, signal }).catch(() => undefined);
      if (cached) {
        warn(`cannot reach ${env.endpoint} (${failure.networkError}); using the cached snapshot of ${repo}@${revision} (commit ${cached.commit}), which may be out of date`);
        await memo.save();
        return cached;
      }
    }
    throw explainHubError(error, failure, context);
  }
  if (typeof commit !== "string" || !COMMIT_SHA.test(commit)) throw new OssPrepError(`${repo}@${revision}: the Hub returned no commit sha (got ${JSON.stringify(commit)})`);

  const matcher = matchAllowPatterns(params.allow);
  const jobsByEtag = new Map<string, BlobJob>();
  const selected: Array<{ path: string; etag: string }> = [];
  try {
    for await (const entry of hub.listFiles({ repo: { type: "model", name: repo }, revision: commit, recursive: true, ...credentials })) {
      if (entry.type !== "file" || !matcher.matches(entry.path)) continue;
      assertSafeRepoPath(entry.path, repo);
      const expected: ExpectedContent = entry.lfs ? { size: entry.lfs.size, sha256: entry.lfs.oid } : { size: entry.size, gitSha1: entry.oid };
      const etag = entry.lfs?.oid ?? entry.oid;
      if (!etag || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(etag)) throw new OssPrepError(`${repo}@${commit}: ${entry.path} has no usable oid in the listing`);
      selected.push({ path: entry.path, etag });
      const job = jobsByEtag.get(etag);
      if (job) job.paths.push(entry.path);
      else jobsByEtag.set(etag, { etag, expected, path: entry.path, paths: [entry.path] });
    }
  } catch (error) {
    throw explainHubError(error, meta.lastFailure(), context);
  }
  const unmatchedPatterns = matcher.unmatched();
  for (const pattern of unmatchedPatterns) warn(`${repo}@${commit}: no file matches ${pattern}`);
  if (selected.length === 0) throw new EnvironmentError(`${repo}@${revision}: no file matches the allowlist (${params.allow.join(", ")})`);

  // What is already here (verified), what must be fetched and how much of it is on disk already.
  const jobs = [...jobsByEtag.values()];
  const toFetch: Array<BlobJob & { partial: number }> = [];
  let reusedBytes = 0;
  for (const job of jobs) {
    signal?.throwIfAborted();
    const blobPath = layout.blob(job.etag);
    const exists = await stat(blobPath).then(() => true, () => false);
    if (exists) {
      const check = await verifyBlob({ path: blobPath, expected: job.expected, memo, signal });
      if (check.ok) {
        job.sha256 = check.sha256;
        reusedBytes += job.expected.size;
        continue;
      }
      warn(`${relative(env.cacheDir, blobPath)} (${job.path}) is corrupt in the cache (${check.problem}); deleting it and fetching it again`);
      await rm(blobPath, { force: true });
    }
    const partial = Math.min(await stat(layout.incomplete(job.etag)).then((s) => s.size, () => 0), job.expected.size);
    reusedBytes += partial;
    toFetch.push({ ...job, partial });
  }

  const neededBytes = toFetch.reduce((sum, job) => sum + job.expected.size - job.partial, 0);
  if (neededBytes > 0) {
    await ensureFreeDiskSpace({
      dir: layout.blobsDir,
      neededBytes,
      what: `${repo}@${commit}`,
      hint: "free some space or point HF_HUB_CACHE (or HF_HOME) at a larger disk",
    });
    await mkdir(layout.blobsDir, { recursive: true });
  }

  const progress: DownloadProgress = {
    doneBytes: 0,
    totalBytes: neededBytes,
    filesDone: selected.length - toFetch.reduce((n, job) => n + job.paths.length, 0),
    filesTotal: selected.length,
    active: [],
  };
  const report = () => params.onProgress?.({ ...progress, active: [...progress.active] });
  report();

  // A bounded pool; the first failure stops the others (their partial files stay for the next run).
  const stop = new AbortController();
  const poolSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const queue = [...toFetch].sort((a, b) => b.expected.size - a.expected.size); // largest first: shortest wall time
  let firstError: unknown;
  let fetchedBytes = 0;
  const worker = async () => {
    for (let job = queue.shift(); job && !poolSignal.aborted; job = queue.shift()) {
      progress.active.push(job.path);
      report();
      let release: (() => Promise<void>) | undefined;
      try {
        release = await acquireBlobLock({
          lockPath: layout.lock(job.etag),
          signal: poolSignal,
          onWait: () =>
            warn(
              `${job.path}: another oss-prep process is downloading it (lock ${relative(env.cacheDir, layout.lock(job.etag))}); waiting for it — a lock not refreshed for ${BLOB_LOCK_STALE_MS / 1000} s is taken over`,
            ),
          // another process may now write the same .incomplete file: stop rather than interleave bytes
          onCompromised: (error) => {
            firstError ??= new EnvironmentError(`${job.path}: lost the download lock ${layout.lock(job.etag)} (${error.message}); run again`, { cause: error });
            stop.abort(new DOMException("the download lock was lost", "AbortError"));
          },
        });
        // That process may have finished it meanwhile.
        if (await stat(layout.blob(job.etag)).then(() => true, () => false)) {
          const check = await verifyBlob({ path: layout.blob(job.etag), expected: job.expected, memo, signal: poolSignal });
          if (check.ok) {
            jobsByEtag.get(job.etag)!.sha256 = check.sha256;
            progress.totalBytes -= job.expected.size - job.partial;
            progress.filesDone += job.paths.length;
            continue;
          }
          await rm(layout.blob(job.etag), { force: true });
        }
        const result = await downloadBlob({
          hub,
          repo,
          commit,
          path: job.path,
          endpoint: env.endpoint,
          accessToken: env.accessToken,
          tokenSource: env.tokenSource,
          expected: job.expected,
          blobPath: layout.blob(job.etag),
          incompletePath: layout.incomplete(job.etag),
          retry: params.retry,
          signal: poolSignal,
          progress: {
            add(bytes) {
              progress.doneBytes += bytes;
              report();
            },
            replan(extra) {
              progress.totalBytes += extra;
            },
          },
          onWarning: warn,
        });
        job.sha256 = result.sha256;
        jobsByEtag.get(job.etag)!.sha256 = result.sha256;
        fetchedBytes += result.fetchedBytes;
        const info = await stat(layout.blob(job.etag));
        memo.remember(layout.blob(job.etag), info, result.sha256);
        progress.filesDone += job.paths.length;
      } catch (error) {
        if (firstError === undefined && !(stop.signal.aborted && error === stop.signal.reason)) firstError = error;
        stop.abort(new DOMException("another download failed", "AbortError"));
      } finally {
        await release?.();
        progress.active.splice(progress.active.indexOf(job.path), 1);
        report();
      }
    }
  };
  const concurrency = Math.max(1, params.concurrency ?? DEFAULT_DOWNLOAD_CONCURRENCY);
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  await memo.save();
  if (firstError !== undefined) throw firstError;
  signal?.throwIfAborted();

  // Only verified blobs exist now: link them into the snapshot, then record the ref.
  const snapshotDir = layout.snapshotDir(commit);
  const files: SnapshotFile[] = [];
  for (const { path, etag } of selected) {
    const pointerPath = join(snapshotDir, path);
    const blobPath = layout.blob(etag);
    const target = relative(dirname(pointerPath), blobPath);
    if ((await readlink(pointerPath).catch(() => undefined)) !== target) await linkSnapshotFile({ pointerPath, blobPath });
    const job = jobsByEtag.get(etag)!;
    files.push({ path, size: job.expected.size, sha256: job.sha256!, etag });
  }
  if (revision !== commit) {
    await mkdir(dirname(layout.ref(revision)), { recursive: true });
    await writeFileAtomic(layout.ref(revision), commit); // no newline, as huggingface_hub writes it
  }
  memo.rememberListing(snapshotDir, params.allow, selected.map((s) => s.path));
  await memo.save();
  return {
    repo,
    revision,
    commit,
    snapshotDir,
    files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    fetchedBytes,
    reusedBytes,
    offline: false,
    unmatchedPatterns,
  };
}
