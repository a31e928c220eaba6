/**
 * The two identities the Hub gives a file: sha256 for LFS files (the LFS oid) and the git blob
 * sha1 for everything else (sha1 over "blob <size>\0" + content). One pass computes both, so a
 * small file is verified against its git oid while its sha256 still feeds the build's digests.
 */
import { createHash, type Hash } from "node:crypto";
import { open } from "node:fs/promises";

export interface ContentDigests {
  sha256: string;
  /** Only when asked for (the size must be known up front: it is part of the git header). */
  gitSha1?: string;
}

export class ContentDigester {
  private sha256 = createHash("sha256");
  private sha1: Hash | undefined;

  constructor(private readonly gitBlobSize?: number) {
    this.reset();
  }

  reset(): void {
    this.sha256 = createHash("sha256");
    this.sha1 = this.gitBlobSize === undefined ? undefined : createHash("sha1").update(`blob ${this.gitBlobSize}\0`);
  }

  update(chunk: Uint8Array): void {
    this.sha256.update(chunk);
    this.sha1?.update(chunk);
  }

  digest(): ContentDigests {
    return { sha256: this.sha256.digest("hex"), gitSha1: this.sha1?.digest("hex") };
  }
}

/** Feed the first `bytes` bytes of a file (all of it when undefined) to `digester`; returns the count read. */
export async function digestFile(params: { path: string; digester: ContentDigester; bytes?: number; signal?: AbortSignal }): Promise<number> {
  const handle = await open(params.path, "r");
  const buffer = Buffer.allocUnsafe(8 << 20);
  let total = 0;
  try {
    for (;;) {
      params.signal?.throwIfAborted();
      const want = params.bytes === undefined ? buffer.length : Math.min(buffer.length, params.bytes - total);
      if (want <= 0) break;
      const { bytesRead } = await handle.read(buffer, 0, want, null);
      if (bytesRead === 0) break;
      params.digester.update(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return total;
}

/** Git's blob id of a buffer (what the Hub reports as `oid` for a non-LFS file). */
export function gitBlobSha1(content: Uint8Array): string {
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}
