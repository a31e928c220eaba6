import { open } from "node:fs/promises";

/**
 * fsync a directory so that renames in it survive a crash. Best effort: some platforms and
 * filesystems (Windows, some network mounts) cannot open or fsync a directory; the renamed files'
 * own data is already synced by then.
 */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // see above: nothing more can be done here
  }
}
