/** What a download produces: one commit of a repository, complete and verified in the HF cache. */
export interface SnapshotFile {
  /** Path in the repository (and under the snapshot directory). */
  path: string;
  size: number;
  sha256: string;
  /** The blob's name in `blobs/`: the LFS sha256 or the git blob sha1. */
  etag: string;
}

export interface HubSnapshot {
  repo: string;
  /** The revision asked for (branch, tag or commit). */
  revision: string;
  /** The commit it resolved to. */
  commit: string;
  /** `<cache>/models--org--name/snapshots/<commit>`: absolute. */
  snapshotDir: string;
  files: SnapshotFile[];
  /** Bytes that came over the network in this call. */
  fetchedBytes: number;
  /** Bytes that were already in the cache (complete files and resumed partial ones). */
  reusedBytes: number;
  /** True when HF_HUB_OFFLINE made this a cache-only read. */
  offline: boolean;
  /** Allowlist patterns that matched no file in the repository. */
  unmatchedPatterns: string[];
}

export interface DownloadProgress {
  doneBytes: number;
  totalBytes: number;
  filesDone: number;
  filesTotal: number;
  /** Files being fetched right now. */
  active: string[];
}
