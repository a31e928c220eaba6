/**
 * The Hugging Face cache layout of one repository, as huggingface_hub writes it:
 *
 *   <cache>/models--org--name/blobs/<etag>               file contents, named by sha256 (LFS) or git sha1
 *   <cache>/models--org--name/blobs/<etag>.incomplete    a download in progress (resumable)
 *   <cache>/models--org--name/snapshots/<commit>/<path>  relative symlink to ../../blobs/<etag>
 *   <cache>/models--org--name/refs/<revision>            the commit sha a branch or tag resolved to
 *   <cache>/.locks/models--org--name/                    locks: huggingface_hub's `<etag>.lock` files, oss-prep's `<etag>.oss-prep.lockdir`
 *                                                         directories (proper-lockfile; oss-prep before it left `<etag>.oss-prep.lock` files)
 */
import { join } from "node:path";

export interface RepoCacheLayout {
  root: string;
  blobsDir: string;
  blob(etag: string): string;
  incomplete(etag: string): string;
  snapshotDir(commit: string): string;
  ref(revision: string): string;
  lock(etag: string): string;
}

export function repoCacheLayout(cacheDir: string, repo: string): RepoCacheLayout {
  const folder = `models--${repo.split("/").join("--")}`;
  const root = join(cacheDir, folder);
  const blobsDir = join(root, "blobs");
  return {
    root,
    blobsDir,
    blob: (etag) => join(blobsDir, etag),
    incomplete: (etag) => join(blobsDir, `${etag}.incomplete`),
    snapshotDir: (commit) => join(root, "snapshots", commit),
    ref: (revision) => join(root, "refs", revision),
    lock: (etag) => join(cacheDir, ".locks", folder, `${etag}.oss-prep.lockdir`),
  };
}

export const COMMIT_SHA = /^[0-9a-f]{40}$/;
