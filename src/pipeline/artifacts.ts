/**
 * Artifact digests. Downstream cache keys hash the digests of their inputs, so digests must be
 * content-based; to avoid re-hashing multi-GB files on every run, file hashes are memoised in the
 * work dir keyed by (path, size, mtime, ctime, inode). ctime is in the key because it cannot be set
 * back: a same-size edit whose mtime was restored (touch -d, utimes) still changes it.
 */
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { hashFile } from "../util/hashFile.js";
import type { Artifact, ArtifactFile, ArtifactKind } from "./types.js";

export function artifactDigest(files: ArtifactFile[]): string {
  const hash = createHash("sha256");
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`${f.path}\0${f.sha256}\n`);
  }
  return hash.digest("hex");
}

async function listFiles(root: string): Promise<string[]> {
  const info = await stat(root);
  if (info.isFile()) return [root];
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue; // temporary and hidden files are never part of an artifact
    const full = join(root, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else out.push(full);
  }
  return out.sort();
}

export class DigestCache {
  private entries: Record<string, { size: number; mtimeMs: number; ctimeMs?: number; ino: number; sha256: string }> = {};
  private dirty = false;
  private readonly trustMemo: boolean;
  constructor(
    private readonly file: string,
    options: { trustMemo?: boolean } = {},
  ) {
    this.trustMemo = options.trustMemo ?? true;
  }

  async load(): Promise<void> {
    try {
      this.entries = JSON.parse(await readFile(this.file, "utf8"));
    } catch {
      this.entries = {}; // a missing or corrupt memo only costs re-hashing
    }
  }

  async sha256(path: string): Promise<{ size: number; sha256: string }> {
    const info = await stat(path);
    const hit = this.entries[path];
    if (this.trustMemo && hit && hit.size === info.size && hit.mtimeMs === info.mtimeMs && hit.ctimeMs === info.ctimeMs && hit.ino === info.ino) {
      return { size: info.size, sha256: hit.sha256 };
    }
    const sha256 = await hashFile({ path });
    this.entries[path] = { size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino, sha256 };
    this.dirty = true;
    return { size: info.size, sha256 };
  }

  remember(path: string, sha256: string, info: { size: number; mtimeMs: number; ctimeMs: number; ino: number }): void {
    this.entries[path] = { size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino, sha256 };
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (this.dirty) await writeFileAtomic(this.file, JSON.stringify(this.entries));
    this.dirty = false;
  }
}

/**
 * Describe an artifact on disk; `known` digests (computed while writing) skip hashing. With
 * `knownIsComplete`, the artifact is exactly the known files (the directory may hold others).
 */
export async function describeArtifact(params: {
  kind: ArtifactKind;
  path: string;
  known?: ArtifactFile[];
  knownIsComplete?: boolean;
  digests: DigestCache;
}): Promise<Artifact> {
  const info = await stat(params.path);
  const paths =
    params.knownIsComplete && params.known && info.isDirectory()
      ? params.known.map((k) => join(params.path, k.path)).sort()
      : await listFiles(params.path);
  const files: ArtifactFile[] = [];
  for (const full of paths) {
    const rel = info.isFile() ? relative(join(params.path, ".."), full) : relative(params.path, full);
    const known = params.known?.find((k) => k.path === rel);
    if (known) {
      const s = await stat(full);
      params.digests.remember(full, known.sha256, s);
      files.push({ path: rel, size: s.size, sha256: known.sha256 });
    } else {
      const { size, sha256 } = await params.digests.sha256(full);
      files.push({ path: rel, size, sha256 });
    }
  }
  return { kind: params.kind, path: params.path, files, digest: artifactDigest(files) };
}
