/**
 * Point `snapshots/<commit>/<path>` at its blob with a relative symlink, as huggingface_hub does
 * (the cache keeps working when moved). The link is made under a temporary name and renamed over
 * the final one, so a reader never sees a half-made entry. Where symlinks are not allowed the blob
 * is copied, as the Python library does.
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, rename, rm, symlink } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";

export async function linkSnapshotFile(params: { pointerPath: string; blobPath: string }): Promise<void> {
  const dir = dirname(params.pointerPath);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(params.pointerPath)}.link-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await symlink(relative(dir, params.blobPath), tmp);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM" && (error as NodeJS.ErrnoException).code !== "ENOTSUP") throw error;
    await copyFile(params.blobPath, tmp);
  }
  try {
    await rename(tmp, params.pointerPath);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
