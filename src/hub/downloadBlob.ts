/**
 * Fetch one file of a repository into `blobs/<etag>`, resuming a partial download.
 *
 * @huggingface/hub's downloadFile gives a lazy Blob over the resolve URL, and its own cache
 * helper always restarts at byte 0. The resume is built on that Blob's `slice(offset)`, which the
 * library turns into an HTTP `Range: bytes=<offset>-` request: bytes already in
 * `blobs/<etag>.incomplete` (left by a dropped connection, a killed build or huggingface_hub,
 * which uses the same name) are hashed from disk and never fetched again. Only verified bytes are
 * renamed to `blobs/<etag>`: a size or hash mismatch deletes the partial file and fetches once more,
 * and a second mismatch fails without leaving anything behind.
 *
 * Downloads go through the resolve endpoint (redirected to the CDN / xet bridge) rather than the
 * xet chunk protocol: the bytes are the same, and a plain Range request is what makes the resume
 * exact and testable.
 */
import { open, rename, rm, stat } from "node:fs/promises";
import type * as HubModule from "@huggingface/hub";
import { EnvironmentError, OssPrepError } from "../errors.js";
import { ContentDigester, digestFile } from "./contentDigests.js";
import { createHubFetch, type HubResponseInfo, type RetryPolicy } from "./createHubFetch.js";
import { explainHubError, type HubErrorContext } from "./explainHubError.js";
import { formatRetryNotice } from "./formatRetryNotice.js";
import type { ExpectedContent } from "./verifyBlob.js";
import { formatSeconds } from "../util/format.js";

export interface BlobProgress {
  /** Bytes received from the network (negative when received bytes are thrown away). */
  add(bytes: number): void;
  /** The bytes still to fetch grew (a corrupt file is fetched again, a server ignored the Range). */
  replan(extraBytes: number): void;
}

export interface DownloadBlobResult {
  sha256: string;
  fetchedBytes: number;
  /** Bytes of a previous partial download that were kept. */
  resumedFromBytes: number;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** "bytes 100-199/1000" → 100 */
function contentRangeStart(value: string | null): number | undefined {
  const match = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(value?.trim() ?? "");
  return match ? Number(match[1]) : undefined;
}

export async function downloadBlob(params: {
  hub: typeof HubModule;
  repo: string;
  commit: string;
  path: string;
  endpoint: string;
  accessToken?: string;
  tokenSource?: string;
  expected: ExpectedContent;
  blobPath: string;
  incompletePath: string;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  progress?: BlobProgress;
  onWarning?: (message: string) => void;
}): Promise<DownloadBlobResult> {
  const { hub, expected, incompletePath, signal } = params;
  const retries = params.retry?.retries ?? 5;
  const baseDelayMs = params.retry?.baseDelayMs ?? 1000;
  const context: HubErrorContext = {
    repo: params.repo,
    endpoint: params.endpoint,
    revision: params.commit,
    path: params.path,
    tokenSource: params.tokenSource,
    operation: "download",
  };
  const progress = params.progress ?? { add() {}, replan() {} };
  const initialOffset = Math.min((await sizeOf(incompletePath)) ?? 0, expected.size);
  let info: Awaited<ReturnType<typeof hub.fileDownloadInfo>> | undefined;
  let fetchedBytes = 0;
  let mismatches = 0;
  let failuresWithoutProgress = 0;

  for (;;) {
    signal?.throwIfAborted();
    let offset = (await sizeOf(incompletePath)) ?? 0;
    if (offset > expected.size) {
      await rm(incompletePath, { force: true }); // longer than the file can be: not ours to trust
      offset = 0;
    }
    const digester = new ContentDigester(expected.gitSha1 !== undefined ? expected.size : undefined);
    if (offset > 0) await digestFile({ path: incompletePath, digester, bytes: offset, signal });
    let written = offset;

    const handle = await open(incompletePath, "a");
    try {
      if (offset < expected.size) {
        let response: HubResponseInfo | undefined; // the last response, to check what a Range request got
        const session = createHubFetch({
          ...params.retry,
          signal,
          origin: new URL(params.endpoint).origin,
          onResponse: (r) => (response = r),
          onRetry: (notice) => params.onWarning?.(formatRetryNotice(notice)),
        });
        let blob: Blob | null;
        try {
          // Resolve once (size check, redirect target); later attempts reuse it and go straight to the bytes.
          info ??= await hub.fileDownloadInfo({
            repo: { type: "model", name: params.repo },
            path: params.path,
            revision: params.commit,
            hubUrl: params.endpoint,
            accessToken: params.accessToken,
            fetch: session.fetch,
          });
          if (!info) throw new EnvironmentError(`${params.repo}@${params.commit}: ${params.path} is listed but cannot be downloaded (404)`);
          if (info.size !== expected.size) {
            throw new OssPrepError(`${params.repo}@${params.commit}: ${params.path} is ${info.size} bytes at the resolve endpoint but ${expected.size} in the listing`);
          }
          blob = await hub.downloadFile({
            repo: { type: "model", name: params.repo },
            path: params.path,
            revision: params.commit,
            hubUrl: params.endpoint,
            accessToken: params.accessToken,
            fetch: session.fetch,
            xet: false,
            downloadInfo: info,
          });
        } catch (error) {
          throw explainHubError(error, session.lastFailure(), context);
        }
        if (!blob) throw new EnvironmentError(`${params.repo}@${params.commit}: ${params.path} cannot be downloaded (404)`);
        const reader = (offset > 0 ? blob.slice(offset) : blob).stream().getReader();
        let received = 0;
        // progress-aware stall detection: too few bytes in a window ends the body (read() then
        // returns done), and the loop below resumes from what arrived
        let windowBytes = 0;
        let stalled = false;
        const stallMs = params.retry?.stallMs ?? 60_000;
        const stallMinBytes = params.retry?.stallMinBytes ?? 64 * 1024;
        const watchdog = setInterval(() => {
          if (written + windowBytes < expected.size && windowBytes < stallMinBytes) {
            stalled = true;
            void reader.cancel().catch(() => undefined);
          }
          windowBytes = 0;
        }, stallMs);
        watchdog.unref();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            if (received === 0 && offset > 0 && response) {
              if (response.status === 200) {
                // The server ignored the Range and sends the whole file: start over with this response.
                params.onWarning?.(`${params.path}: the server ignored the Range request; fetching the file from the start`);
                await handle.truncate(0);
                digester.reset();
                progress.replan(offset);
                written = 0;
              } else if (contentRangeStart(response.headers.get("content-range")) !== offset) {
                throw new OssPrepError(`${params.path}: asked for bytes from ${offset}, the server sent ${response.headers.get("content-range") ?? "no Content-Range"}`);
              }
            }
            await handle.write(value);
            digester.update(value);
            windowBytes += value.length;
            received += value.length;
            written += value.length;
            fetchedBytes += value.length;
            progress.add(value.length);
            if (written > expected.size) {
              await reader.cancel().catch(() => undefined); // more than the file can hold: verification refuses it
              break;
            }
          }
        } catch (error) {
          clearInterval(watchdog);
          await reader.cancel().catch(() => undefined);
          if (signal?.aborted) throw signal.reason;
          if (error instanceof OssPrepError) throw error;
          const failure = session.lastFailure();
          // An HTTP error was already retried by the fetch layer: it is final.
          if (failure) throw explainHubError(error, failure, context);
          // The connection dropped mid-body: keep what arrived and resume from there.
          failuresWithoutProgress = received > 0 ? 1 : failuresWithoutProgress + 1;
          if (failuresWithoutProgress > retries) {
            throw new EnvironmentError(
              `${params.repo}: downloading ${params.path} keeps failing (${(error as Error)?.message ?? error}); ${written} of ${expected.size} bytes are kept in ${incompletePath} and the next run resumes from there`,
              { cause: error },
            );
          }
          const waitMs = Math.min(30_000, baseDelayMs * 2 ** (failuresWithoutProgress - 1));
          params.onWarning?.(
            `${params.path}: connection lost after ${written} of ${expected.size} bytes (${(error as Error)?.message ?? error}); resuming in ${formatSeconds(waitMs / 1000)} (retry ${failuresWithoutProgress} of ${retries} without progress)`,
          );
          await handle.sync();
          await sleep(waitMs, signal);
          continue;
        }
        clearInterval(watchdog);
        if (written < expected.size) {
          if (stalled) {
            // a stall is a failure even if a trickle of bytes came: a server could otherwise keep it alive forever
            failuresWithoutProgress++;
            if (failuresWithoutProgress > retries) {
              throw new EnvironmentError(
                `${params.repo}: downloading ${params.path} stalls (under ${stallMinBytes} bytes in ${stallMs / 1000} s, ${failuresWithoutProgress} times); ${written} of ${expected.size} bytes are kept in ${incompletePath} and the next run resumes from there`,
              );
            }
            const waitMs = Math.min(30_000, baseDelayMs * 2 ** (failuresWithoutProgress - 1));
            params.onWarning?.(
              `${params.path}: no progress for ${stallMs / 1000} s after ${written} of ${expected.size} bytes; resuming in ${formatSeconds(waitMs / 1000)} (retry ${failuresWithoutProgress} of ${retries})`,
            );
            await handle.sync();
            await sleep(waitMs, signal);
            continue;
          }
          // A body that ended early without an error (no Content-Length): resume like a drop.
          failuresWithoutProgress = received > 0 ? 0 : failuresWithoutProgress + 1;
          if (failuresWithoutProgress > retries) throw new EnvironmentError(`${params.repo}: ${params.path} keeps arriving short (${written} of ${expected.size} bytes)`);
          await handle.sync();
          continue;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }

    const actual = digester.digest();
    const problem =
      written !== expected.size
        ? `${written} bytes instead of ${expected.size}`
        : expected.sha256 !== undefined && actual.sha256 !== expected.sha256
          ? `sha256 ${actual.sha256} instead of ${expected.sha256}`
          : expected.gitSha1 !== undefined && actual.gitSha1 !== expected.gitSha1
            ? `git blob id ${actual.gitSha1} instead of ${expected.gitSha1}`
            : undefined;
    if (problem) {
      await rm(incompletePath, { force: true });
      mismatches++;
      if (mismatches > 1) {
        throw new OssPrepError(
          `${params.repo}@${params.commit}: ${params.path} arrived corrupt twice (${problem}); the bytes were deleted and nothing was added to the cache — run again, and report it if it persists`,
        );
      }
      params.onWarning?.(`${params.path}: downloaded bytes do not match the Hub's digest (${problem}); deleted, fetching again`);
      progress.replan(expected.size);
      continue;
    }
    await rename(incompletePath, params.blobPath);
    return { sha256: actual.sha256, fetchedBytes, resumedFromBytes: initialOffset };
  }
}
