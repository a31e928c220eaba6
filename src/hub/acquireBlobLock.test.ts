import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, rmdir, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireBlobLock } from "./acquireBlobLock.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "oss-prep-lock-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const failOnCompromise = (error: Error) => {
  throw error;
};

describe("acquireBlobLock", () => {
  it("a second holder waits, is told once, and gets the lock when the first releases it", async () => {
    const lockPath = join(dir, ".locks", "models--a--b", "etag1.oss-prep.lockdir");
    const release = await acquireBlobLock({ lockPath, onCompromised: failOnCompromise });
    expect(existsSync(lockPath)).toBe(true);
    let waits = 0;
    let acquired = false;
    const second = acquireBlobLock({ lockPath, pollMs: 20, onWait: () => waits++, onCompromised: failOnCompromise }).then((r) => {
      acquired = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(acquired).toBe(false);
    await release();
    const releaseSecond = await second;
    expect(waits).toBe(1);
    await releaseSecond();
    expect(existsSync(lockPath)).toBe(false);
  });

  it("takes over a lock whose holder stopped refreshing it (a killed process)", async () => {
    const lockPath = join(dir, "stale.oss-prep.lockdir");
    await mkdir(lockPath);
    const past = new Date(Date.now() - 60_000);
    await utimes(lockPath, past, past);
    let waits = 0;
    const release = await acquireBlobLock({ lockPath, onWait: () => waits++, onCompromised: failOnCompromise });
    expect(waits).toBe(0);
    await release();
  });

  it("the signal ends the wait", async () => {
    const lockPath = join(dir, "held.oss-prep.lockdir");
    const release = await acquireBlobLock({ lockPath, onCompromised: failOnCompromise });
    const controller = new AbortController();
    const waiting = acquireBlobLock({ lockPath, signal: controller.signal, pollMs: 20, onCompromised: failOnCompromise });
    setTimeout(() => controller.abort(new DOMException("stop", "AbortError")), 50);
    await expect(waiting).rejects.toThrow(/stop/);
    await release();
  });

  it("a lock removed under its holder is reported through onCompromised, not thrown from a timer; releasing it after is no error", async () => {
    const lockPath = join(dir, "lost.oss-prep.lockdir");
    let onLost: (error: Error) => void = () => undefined;
    const lost = new Promise<Error>((resolve) => {
      onLost = resolve;
    });
    // staleMs 2 s: proper-lockfile checks its lock every second
    const release = await acquireBlobLock({ lockPath, staleMs: 2000, onCompromised: (error) => onLost(error) });
    await rmdir(lockPath); // what another process taking it over would do
    expect((await lost).message).toMatch(/ENOENT/);
    await expect(release()).resolves.toBeUndefined();
  });
});
