/**
 * Publish files to a Hub model repository with @huggingface/hub: create the repository if needed,
 * skip every file the repository already has with the same content (LFS sha256, or git blob id for
 * small files), upload the rest in one commit (preupload, LFS batch with basic or multipart PUTs to
 * storage, then the commit call), and report progress in bytes. A dry run lists what would be
 * uploaded and changes nothing.
 *
 * Uploads use the LFS protocol rather than xet (`useXet: false`): it is what the tests exercise,
 * its PUTs show byte progress, and the Hub stores the files the same way either way.
 */
import { openAsBlob } from "node:fs";
import { stat } from "node:fs/promises";
import { EnvironmentError, OssPrepError, UsageError } from "../errors.js";
import { ContentDigester, digestFile } from "./contentDigests.js";
import { createHubFetch, type RetryPolicy } from "./createHubFetch.js";
import { explainHubError, type HubErrorContext } from "./explainHubError.js";
import { formatRetryNotice } from "./formatRetryNotice.js";
import type { HubEnvironment } from "./resolveHubEnvironment.js";

export interface PublishFile {
  /** Path in the repository. */
  path: string;
  /** Local file to upload… */
  localPath?: string;
  /** …or bytes (the generated model card). */
  content?: Uint8Array;
}

export interface PublishPlanEntry {
  path: string;
  size: number;
  sha256: string;
  action: "upload" | "skip";
  /** new: not in the repository; changed: different content; same: identical, skipped; unknown: a dry run offline (the repository was not asked). */
  reason: "new" | "changed" | "same" | "unknown";
}

export interface PublishResult {
  repo: string;
  url: string;
  dryRun: boolean;
  /** The repository did not exist (it was created, or would be in a dry run). */
  created: boolean;
  files: PublishPlanEntry[];
  uploadedBytes: number;
  /** The commit made, when anything was uploaded. */
  commit?: { oid: string; url: string };
}

export interface PublishProgress {
  phase: "hashing" | "checking" | "uploading" | "committing";
  doneBytes: number;
  totalBytes: number;
  file?: string;
}

/** A file's Blob that remembers its repository path, through the slices a multipart upload makes. */
class TrackedBlob extends Blob {
  constructor(
    readonly inner: Blob,
    readonly repoPath: string,
  ) {
    super([]);
  }
  override get size(): number {
    return this.inner.size;
  }
  override get type(): string {
    return this.inner.type;
  }
  override slice(start?: number, end?: number, contentType?: string): TrackedBlob {
    return new TrackedBlob(this.inner.slice(start, end, contentType), this.repoPath);
  }
  override stream(): ReturnType<Blob["stream"]> {
    return this.inner.stream();
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    return this.inner.arrayBuffer();
  }
  override text(): Promise<string> {
    return this.inner.text();
  }
}

/** The body fetch actually sends: counts bytes as undici pulls them. */
class CountingBlob extends Blob {
  constructor(
    private readonly inner: Blob,
    private readonly onBytes: (bytes: number) => void,
  ) {
    super([]);
  }
  override get size(): number {
    return this.inner.size;
  }
  override get type(): string {
    return this.inner.type;
  }
  override stream(): ReturnType<Blob["stream"]> {
    const onBytes = this.onBytes;
    return this.inner.stream().pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          onBytes(chunk.byteLength);
          controller.enqueue(chunk);
        },
      }),
    ) as ReturnType<Blob["stream"]>;
  }
}

export async function publishToHub(params: {
  repo: string;
  files: PublishFile[];
  hub: HubEnvironment;
  private?: boolean;
  dryRun?: boolean;
  /** Set on a repository this call creates. */
  license?: string;
  commitTitle: string;
  commitDescription?: string;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  onProgress?: (progress: PublishProgress) => void;
  onWarning?: (message: string) => void;
}): Promise<PublishResult> {
  const { repo, hub: env, signal } = params;
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new UsageError(`--repo: expected org/name, got ${JSON.stringify(repo)}`);
  if (!params.dryRun && !env.accessToken) {
    throw new EnvironmentError(
      `publishing to ${repo} needs a token with write access: set HF_TOKEN (or pass --token) to a "write" token from ${env.endpoint}/settings/tokens, or run \`hf auth login\``,
    );
  }
  // a dry run previews the card and the file list without the network (the repository's state is then unknown)
  if (env.offline && !params.dryRun) throw new EnvironmentError(`HF_HUB_OFFLINE=1: publishing to ${repo} needs the network`);
  const paths = params.files.map((f) => f.path);
  const duplicate = paths.find((p, i) => paths.indexOf(p) !== i);
  if (duplicate) throw new OssPrepError(`publish ${repo}: ${duplicate} is given twice`);

  const url = `${env.endpoint}/${repo}`;
  const context: HubErrorContext = { repo, endpoint: env.endpoint, tokenSource: env.tokenSource, operation: "publish" };
  const progress = (p: PublishProgress) => params.onProgress?.(p);

  // 1. What we have: size, sha256 (the LFS oid) and git blob id (a small file's oid) of each file.
  const local: Array<PublishFile & { size: number; sha256: string; gitSha1: string }> = [];
  let hashTotal = 0;
  for (const file of params.files) hashTotal += file.content?.length ?? (file.localPath ? await stat(file.localPath).then((s) => s.size, () => 0) : 0);
  let hashed = 0;
  for (const file of params.files) {
    signal?.throwIfAborted();
    let size: number;
    let digester: ContentDigester;
    if (file.content) {
      size = file.content.length;
      digester = new ContentDigester(size);
      digester.update(file.content);
    } else if (file.localPath) {
      const blob = await openAsBlob(file.localPath).catch((error: NodeJS.ErrnoException) => {
        throw new OssPrepError(`${file.localPath}: cannot read (${error.code ?? error.message})`, { cause: error });
      });
      size = blob.size;
      digester = new ContentDigester(size);
      await digestFile({ path: file.localPath, digester, signal });
    } else throw new OssPrepError(`publish ${repo}: ${file.path} has neither a local path nor content`);
    hashed += size;
    progress({ phase: "hashing", doneBytes: hashed, totalBytes: hashTotal, file: file.path });
    const { sha256, gitSha1 } = digester.digest();
    local.push({ ...file, size, sha256, gitSha1: gitSha1! });
  }

  if (params.dryRun && env.offline) {
    const files = local.map((file): PublishPlanEntry => ({ path: file.path, size: file.size, sha256: file.sha256, action: "upload", reason: "unknown" }));
    params.onWarning?.(`HF_HUB_OFFLINE=1: ${repo} was not asked what it has; every file is listed as an upload`);
    return { repo, url: `${env.endpoint}/${repo}`, dryRun: true, created: false, files, uploadedBytes: 0 };
  }

  // 2. What the repository has (main branch).
  const hub = await import("@huggingface/hub");
  const session = createHubFetch({
    ...params.retry,
    signal,
    origin: new URL(env.endpoint).origin,
    onRetry: (notice) => params.onWarning?.(formatRetryNotice(notice)),
  });
  const credentials = { hubUrl: env.endpoint, accessToken: env.accessToken, fetch: session.fetch };
  const remote = new Map<string, { oid: string; lfsOid?: string }>();
  let exists = true;
  progress({ phase: "checking", doneBytes: 0, totalBytes: 0 });
  try {
    for await (const entry of hub.listFiles({ repo: { type: "model", name: repo }, revision: "main", recursive: true, ...credentials })) {
      if (entry.type === "file") remote.set(entry.path, { oid: entry.oid ?? "", lfsOid: entry.lfs?.oid });
    }
  } catch (error) {
    const failure = session.lastFailure();
    const status = (error as { statusCode?: number }).statusCode ?? failure?.status;
    if (failure?.errorCode === "RevisionNotFound") exists = true; // an empty repository: no main yet
    else if (status === 404 || (status === 401 && failure?.errorCode === "RepoNotFound" && (params.dryRun || !env.accessToken))) exists = false;
    else throw explainHubError(error, failure, context);
  }

  const plan: PublishPlanEntry[] = local.map((file) => {
    const there = remote.get(file.path);
    const same = there !== undefined && (there.lfsOid ? there.lfsOid === file.sha256 : there.oid === file.gitSha1);
    return { path: file.path, size: file.size, sha256: file.sha256, action: same ? "skip" : "upload", reason: same ? "same" : there ? "changed" : "new" };
  });
  const result: PublishResult = { repo, url, dryRun: params.dryRun === true, created: !exists, files: plan, uploadedBytes: 0 };
  if (params.dryRun) return result;

  // 3. Create the repository when needed (a 409 means someone just did: fine).
  if (!exists) {
    try {
      await hub.createRepo({ repo: { type: "model", name: repo }, ...(params.private ? { visibility: "private" as const } : {}), license: params.license, ...credentials, accessToken: env.accessToken! });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 409) throw explainHubError(error, session.lastFailure(), context);
      result.created = false;
    }
  } else if (params.private) {
    params.onWarning?.(`${repo} already exists: --private applies only when creating a repository, its visibility is unchanged`);
  }

  // 4. One commit with what changed.
  const toUpload = local.filter((_, i) => plan[i].action === "upload");
  if (toUpload.length === 0) return result;
  const totalBytes = toUpload.reduce((n, f) => n + f.size, 0);
  const sent = new Map<string, number>();
  const finished = new Set<string>();
  const done = () => toUpload.reduce((n, f) => n + (finished.has(f.path) ? f.size : Math.min(f.size, sent.get(f.path) ?? 0)), 0);
  const uploadFetch: typeof fetch = (input, init) => {
    const body = init?.body;
    if (body instanceof TrackedBlob) {
      const counted = new CountingBlob(body, (bytes) => {
        sent.set(body.repoPath, (sent.get(body.repoPath) ?? 0) + bytes);
        progress({ phase: "uploading", doneBytes: done(), totalBytes, file: body.repoPath });
      });
      return session.fetch(input, { ...init, body: counted });
    }
    return session.fetch(input, init);
  };
  const operations = await Promise.all(
    toUpload.map(async (file) => ({
      operation: "addOrUpdate" as const,
      path: file.path,
      content: new TrackedBlob(file.content ? new Blob([new Uint8Array(file.content)]) : await openAsBlob(file.localPath!), file.path),
    })),
  );
  try {
    const commits = hub.commitIter({
      repo: { type: "model", name: repo },
      operations,
      title: params.commitTitle,
      description: params.commitDescription,
      branch: "main",
      useXet: false,
      abortSignal: signal,
      hubUrl: env.endpoint,
      accessToken: env.accessToken,
      fetch: uploadFetch,
    });
    for (;;) {
      const next = await commits.next();
      if (next.done) {
        if (next.value) result.commit = { oid: next.value.commit.oid, url: next.value.commit.url };
        break;
      }
      const event = next.value;
      if (event.event === "phase" && event.phase === "committing") progress({ phase: "committing", doneBytes: done(), totalBytes });
      if (event.event === "fileProgress" && event.state === "uploading" && event.progress >= 1) {
        finished.add(event.path);
        progress({ phase: "uploading", doneBytes: done(), totalBytes, file: event.path });
      }
    }
  } catch (error) {
    throw explainHubError(error, session.lastFailure(), context);
  }
  // Small files travel inside the commit call itself: they are done when it returns.
  for (const file of toUpload) finished.add(file.path);
  progress({ phase: "committing", doneBytes: done(), totalBytes });
  result.uploadedBytes = totalBytes;
  return result;
}
