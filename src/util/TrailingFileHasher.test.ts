import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TrailingFileHasher } from "./TrailingFileHasher.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "oss-prep-hasher-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("TrailingFileHasher", () => {
  it("hashes the file in order whatever order its ranges are written in", async () => {
    const path = join(dir, "out-of-order.bin");
    const data = randomBytes(90 << 20);
    const handle = await open(path, "w");
    const hasher = new TrailingFileHasher({ path });
    // ranges written back to front in uneven pieces, as two lanes would
    const cuts = [0, 1, 4097, 5 << 20, 40 << 20, 41 << 20, 77 << 20, data.length];
    const ranges = cuts.slice(1).map((end, i) => [cuts[i], end] as const);
    for (const [start, end] of [...ranges].reverse()) {
      await handle.write(data, start, end - start, start);
      hasher.written(start, end);
      expect(hasher.prefix).toBe(start === 0 ? data.length : 0);
    }
    expect(await hasher.digest(data.length)).toBe(createHash("sha256").update(data).digest("hex"));
    await handle.close();
  });

  it("refuses a digest while a range is missing", async () => {
    const path = join(dir, "gap.bin");
    const handle = await open(path, "w");
    await handle.write(Buffer.alloc(100), 0, 100, 0);
    const hasher = new TrailingFileHasher({ path });
    hasher.written(0, 40);
    hasher.written(60, 100);
    await expect(hasher.digest(100)).rejects.toThrow(/40 contiguous bytes written of 100/);
    await handle.close();
  });
});
