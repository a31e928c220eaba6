/**
 * Issue 16, item 4: the stage cache is not trusted blindly. A cached output whose bytes changed, or
 * that was deleted, is not reused: the stage runs again (said in a warning), the build exits 0, and
 * the manifest's digest is the exported file's.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { tinyFixtureDir } from "../shared.js";

let home: string;
let pipeline: string;
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-cache-faults-"));
  pipeline = join(home, "q8.yaml");
  await writeFile(pipeline, "name: q8\nstages:\n  - stage: source\n  - stage: quantize\n    with: { type: Q8_0 }\n");
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

interface Manifest {
  stages: Array<{ id: string; cached: boolean; outputs: Array<{ path: string; files: Array<{ path: string; sha256: string }> }> }>;
}

async function build(): Promise<{ manifest: Manifest; stderr: string; out: string }> {
  const out = join(home, "build");
  const r = await runCli(["build", "--variant", pipeline, "--model", tinyFixtureDir(), "--work-dir", join(home, "work"), "--out", out, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return { manifest: JSON.parse(r.stdout) as Manifest, stderr: r.stderr, out };
}

function cachedGguf(): string {
  const root = join(home, "work", "stages", "quantize");
  const [key] = readdirSync(root).filter((d) => !d.startsWith("."));
  const file = readdirSync(join(root, key)).find((f) => f.endsWith(".gguf"))!;
  return join(root, key, file);
}

describe("the stage cache re-verifies what it reuses", () => {
  it("a flipped byte in a cached output (size and mtime kept): the stage runs again and the manifest matches the file", async () => {
    await build();
    const first = await build();
    expect(first.manifest.stages.find((s) => s.id === "quantize")!.cached).toBe(true);
    // item 12: cached rebuilds leave no hidden hard links in the output folder
    expect(readdirSync(first.out).filter((f) => f.startsWith("."))).toEqual([]);

    const path = cachedGguf();
    const { mtime } = statSync(path);
    const bytes = readFileSync(path);
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(path, bytes);
    utimesSync(path, mtime, mtime); // the same size and mtime: only the inode-and-mtime memo could miss it…
    const second = await build();
    const quantize = second.manifest.stages.find((s) => s.id === "quantize")!;
    expect(quantize.cached, second.stderr).toBe(false);
    expect(second.stderr).toContain("quantize: the cached output file");
    expect(second.stderr).toContain("running the stage again");
    const exported = join(second.out, quantize.outputs[0].path);
    expect(sha(exported)).toBe(quantize.outputs[0].files[0].sha256);
  });

  it("a killed run's temporary digest file is removed by the next build (item 12)", async () => {
    const stale = join(home, "work", ".digests.json.tmp-999999-abcd1234");
    writeFileSync(stale, "{");
    await build();
    expect(readdirSync(join(home, "work")).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("bit rot (content changed, metadata as before): trusted by a normal build, caught by build --verify (item 9)", async () => {
    await build();
    const path = cachedGguf();
    const bytes = readFileSync(path);
    bytes[bytes.length - 200] ^= 0x01;
    writeFileSync(path, bytes);
    // what bit rot looks like: the memo's metadata still matches (the write changed ctime and mtime;
    // they are put back into the memo, as if the disk had flipped the bit on its own)
    const memoFile = join(home, "work", "digests.json");
    const memo = JSON.parse(readFileSync(memoFile, "utf8")) as Record<string, { mtimeMs: number; ctimeMs: number; ino: number; size: number }>;
    const info = statSync(path);
    Object.assign(memo[path], { mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino, size: info.size });
    writeFileSync(memoFile, JSON.stringify(memo));
    const trusting = await build();
    expect(trusting.manifest.stages.find((s) => s.id === "quantize")!.cached).toBe(true);
    const r = await runCli(["build", "--variant", pipeline, "--model", tinyFixtureDir(), "--work-dir", join(home, "work"), "--out", join(home, "build"), "--json", "--verify"]);
    expect(r.code, r.stderr).toBe(0);
    const verified = JSON.parse(r.stdout) as Manifest;
    expect(verified.stages.find((s) => s.id === "quantize")!.cached).toBe(false);
    expect(r.stderr).toContain("changed since it was written (sha256)");
  });

  it("a deleted cached output: the stage runs again instead of failing with ENOENT", async () => {
    await unlink(cachedGguf());
    const again = await build();
    expect(again.manifest.stages.find((s) => s.id === "quantize")!.cached).toBe(false);
    expect(again.stderr).toMatch(/quantize: the cached output .* is missing: running the stage again/);
  });
});
