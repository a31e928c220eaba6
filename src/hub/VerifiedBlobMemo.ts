/**
 * What oss-prep knows about the cache beyond what the cache itself records, kept in the work dir
 * (never inside the shared HF cache):
 *
 * - which blobs were verified, keyed by (path, size, mtime, ctime, inode) as the engine's digest memo
 *   is (ctime because it cannot be set back: a same-size edit with its mtime restored still misses):
 *   the source stage runs on every build, and re-hashing 13 GB each time would cost a minute for
 *   nothing; any rewrite of a blob changes one of these and forces a full check;
 * - the file list of each snapshot it downloaded (per allowlist), so that offline mode knows the
 *   complete set — including that a listed pattern had no file in the repository at all.
 *
 * Without a memo file (no work dir) every check hashes and offline mode derives the list.
 */
import { mkdir, readFile } from "node:fs/promises";
import type { Stats } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";

interface BlobEntry {
  size: number;
  mtimeMs: number;
  ctimeMs?: number;
  ino: number;
  sha256: string;
}

interface MemoFile {
  blobs: Record<string, BlobEntry>;
  /** snapshot dir → allowlist (joined) → paths */
  listings: Record<string, Record<string, string[]>>;
}

export class VerifiedBlobMemo {
  private data: MemoFile = { blobs: {}, listings: {} };
  private dirty = false;

  constructor(private readonly file?: string) {}

  async load(): Promise<this> {
    if (!this.file) return this;
    try {
      const parsed = JSON.parse(await readFile(this.file, "utf8")) as Partial<MemoFile>;
      this.data = { blobs: parsed.blobs ?? {}, listings: parsed.listings ?? {} };
    } catch {
      this.data = { blobs: {}, listings: {} }; // missing or corrupt: only costs re-hashing
    }
    return this;
  }

  /** The sha256 recorded when this exact file (same size, mtime, ctime, inode) was verified. */
  lookup(path: string, info: Stats): string | undefined {
    const hit = this.data.blobs[path];
    return hit && hit.size === info.size && hit.mtimeMs === info.mtimeMs && hit.ctimeMs === info.ctimeMs && hit.ino === info.ino ? hit.sha256 : undefined;
  }

  remember(path: string, info: Stats, sha256: string): void {
    this.data.blobs[path] = { size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino, sha256 };
    this.dirty = true;
  }

  listing(snapshotDir: string, allow: string[]): string[] | undefined {
    return this.data.listings[snapshotDir]?.[allow.join("\n")];
  }

  rememberListing(snapshotDir: string, allow: string[], paths: string[]): void {
    this.data.listings[snapshotDir] ??= {};
    this.data.listings[snapshotDir][allow.join("\n")] = [...paths].sort();
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    await mkdir(dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify(this.data));
    this.dirty = false;
  }
}
