import { createHash } from "node:crypto";
import { open } from "node:fs/promises";

/** sha256 (hex) of a file, read sequentially in large chunks; memory stays at one chunk. */
export async function hashFile(params: { path: string; chunkBytes?: number }): Promise<string> {
  const chunkBytes = params.chunkBytes ?? 8 << 20;
  const hash = createHash("sha256");
  const handle = await open(params.path, "r");
  try {
    const buffer = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}
